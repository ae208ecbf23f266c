package io.rtr.standalone.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.standalone.postgres.EmbeddedPostgres;
import io.rtr.worklist.db.WorklistSchema;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worklist sink connector in a real Connect worker while its Postgres goes away for 30 s in
 * the middle of the load: it retries with backoff, and once Postgres is back every study has
 * exactly one row holding its newest version.
 */
class WorklistSinkOutageIT {

    private static final int STUDIES = 300;
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Platform platform;
    private EmbeddedConnect connect;
    private EmbeddedPostgres postgres;

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void sinkRidesOutAThirtySecondPostgresOutageWithoutLosingOrDuplicatingRows() throws Exception {
        platform = Platform.start(PlatformConfig.forTests(dir.resolve("platform")));
        int port = freePort();
        postgres = startPostgres(port);
        Properties credentials = new Properties();
        credentials.setProperty("user", postgres.username());
        credentials.setProperty("password", postgres.password());
        WorklistSchema.migrate(postgres.jdbcUrl(), credentials);

        connect = EmbeddedConnect.start(platform.bootstrapServers(), dir.resolve("connect"));
        Map<String, String> sink = new HashMap<>();
        sink.put("connector.class", "io.rtr.worklist.sink.WorklistSinkConnector");
        sink.put("tasks.max", "1");
        sink.put("topics", Topics.WORKLIST.name());
        sink.put("connection.url", postgres.jdbcUrl());
        sink.put("connection.user", postgres.username());
        sink.put("connection.password", postgres.password());
        sink.put("connection.timeout.ms", "2000");
        sink.put("retry.backoff.ms", "500");
        sink.put("retry.backoff.max.ms", "5000");
        sink.put("max.retries", "40");
        sink.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        connect.putConnector("worklist-sink", sink);

        try (KafkaProducer<String, WorklistEntry> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                Topics.WORKLIST.valueSerde(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG,
                        platform.schemaRegistryUrl())).serializer())) {
            // Version 1 of every study, and wait until the sink has written it all.
            sendVersion(producer, 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> rowsAtVersion(1) == STUDIES);

            // Postgres goes away; the load goes on: versions 2 and 3 arrive while it is down.
            postgres.close();
            long outageEnd = System.nanoTime() + OUTAGE.toNanos();
            sendVersion(producer, 2);
            await().atMost(OUTAGE.plusSeconds(10)).until(() -> System.nanoTime() >= outageEnd - OUTAGE.toNanos() / 2);
            sendVersion(producer, 3);
            await().atMost(OUTAGE.plusSeconds(10)).until(() -> System.nanoTime() >= outageEnd);
            assertThat(connect.health()).containsEntry("worklist-sink", "UP");
            postgres = startPostgres(port);
        }

        await().atMost(Duration.ofSeconds(90)).until(() -> rowsAtVersion(3) == STUDIES);
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*), count(DISTINCT study_instance_uid),"
                     + " min(version), max(version) FROM worklist_entry")) {
            rs.next();
            assertThat(rs.getLong(1)).as("rows").isEqualTo(STUDIES);
            assertThat(rs.getLong(2)).as("distinct studies").isEqualTo(STUDIES);
            assertThat(rs.getLong(3)).as("oldest version").isEqualTo(3);
            assertThat(rs.getLong(4)).as("newest version").isEqualTo(3);
        }
    }

    private EmbeddedPostgres startPostgres(int port) {
        return EmbeddedPostgres.builder(dir.resolve("postgres")).port(port).start();
    }

    private void sendVersion(KafkaProducer<String, WorklistEntry> producer, long version) throws Exception {
        Instant now = Instant.now();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < STUDIES; i++) {
            String study = "2.25.1000." + i;
            WorklistEntry entry = WorklistEntry.newBuilder()
                    .setStudyInstanceUid(study)
                    .setAccessionNumber("ACC-" + i)
                    .setRadiologistId(i % 2 == 0 ? "dr-adams" : "dr-baker")
                    .setPriorityClass(i % 10 == 0 ? PriorityClass.SUSPICIOUS : PriorityClass.ROUTINE)
                    .setPriorityScore(i + version)
                    .setStudyScore(0.1)
                    .setModelName("m")
                    .setModelVersion("1")
                    .setReasons(List.of("version " + version))
                    .setStatus(WorklistStatus.UNREAD)
                    .setWaitingSince(now)
                    .setUpdatedAt(now)
                    .setVersion(version)
                    .setStudyRevision(1)
                    .setPatientInClinic(false)
                    .build();
            sent.add(producer.send(new ProducerRecord<>(Topics.WORKLIST.name(), study, entry)));
        }
        for (Future<RecordMetadata> ack : sent) {
            ack.get(30, TimeUnit.SECONDS);
        }
    }

    private long rowsAtVersion(long version) {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM worklist_entry WHERE version = " + version)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
