package io.rtr.standalone.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.standalone.connect.EmbeddedConnect;
import io.rtr.triage.TriageConfig;
import io.rtr.triage.TriageTopology;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triage on real components: orders inserted into the RIS table in Postgres are captured by
 * Debezium (in a real Connect worker) into rtr.clinic.orders and joined to the studies the
 * triage topology assembles from rtr.instances, in both arrival orders.
 */
class TriageOrdersIT {

    @TempDir
    static Path dir;

    private static Platform platform;
    private static EmbeddedConnect connect;
    private static KafkaStreams triage;
    private static Map<String, Object> serdeConfig;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.start(PlatformConfig.forTests(dir.resolve("data")));
        serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        try (Connection connection = platform.postgres().connect()) {
            ClinicRis.createOrdersTable(connection);
        }
        connect = EmbeddedConnect.start(platform.bootstrapServers(), dir.resolve("connect"));
        connect.putConnector(ClinicRis.CONNECTOR_NAME, ClinicRis.debeziumConfig("127.0.0.1",
                platform.postgres().port(), platform.postgres().database(), platform.postgres().username(),
                platform.postgres().password()));

        Map<String, Object> config = new HashMap<>();
        config.put(TriageConfig.APPLICATION_ID_CONFIG, "triage-it-" + UUID.randomUUID());
        config.put(TriageConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        config.put(TriageConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        config.put(TriageConfig.STREAMS_PREFIX + "state.dir", dir.resolve("streams").toString());
        config.put(TriageConfig.STREAMS_PREFIX + "commit.interval.ms", "100");
        TriageConfig triageConfig = new TriageConfig(config);
        triage = new KafkaStreams(TriageTopology.build(triageConfig), triageConfig.streamsProperties());
        triage.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> triage.state() == KafkaStreams.State.RUNNING);
    }

    @AfterAll
    static void stop() {
        if (triage != null) {
            triage.close(Duration.ofSeconds(30));
        }
        if (connect != null) {
            connect.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void orderInsertedBeforeTheStudyEnrichesItsFirstRevision() throws Exception {
        String study = "2.25." + Math.abs(UUID.randomUUID().getMostSignificantBits());
        String accession = "ACC-" + UUID.randomUUID();
        Instant arrived = Instant.now().minusSeconds(600);
        insertOrder(accession, "STAT", "dr-house", arrived);
        // Wait until Debezium has captured the order, so the study cannot overtake it.
        await().atMost(Duration.ofSeconds(60)).until(() -> readOrders().stream().anyMatch(v -> v.contains(accession)));

        sendFourViews(study, accession);

        StudyAssembled assembled = awaitRevision(study, 1);
        assertThat(assembled.getCompletenessReason()).isEqualTo(CompletenessReason.EXPECTED_VIEWS_COMPLETE);
        assertThat(assembled.getInstances()).hasSize(4);
        assertThat(assembled.getOrderContext()).isNotNull();
        assertThat(assembled.getOrderContext().getAccessionNumber()).isEqualTo(accession);
        assertThat(assembled.getOrderContext().getOrderPriority()).isEqualTo(OrderPriority.STAT);
        assertThat(assembled.getOrderContext().getAssignedReader()).isEqualTo("dr-house");
        assertThat(assembled.getOrderContext().getPatientArrived().toEpochMilli())
                .isEqualTo(arrived.toEpochMilli());
        assertThat(assembled.getOrderContext().getPatientDeparted()).isNull();
    }

    @Test
    void orderInsertedAfterTheStudyProducesAnEnrichedRevision() throws Exception {
        String study = "2.25." + Math.abs(UUID.randomUUID().getMostSignificantBits());
        String accession = "ACC-" + UUID.randomUUID();
        sendFourViews(study, accession);
        StudyAssembled first = awaitRevision(study, 1);
        assertThat(first.getOrderContext()).isNull();

        insertOrder(accession, "ROUTINE", "dr-cuddy", null);

        StudyAssembled enriched = awaitRevision(study, 2);
        assertThat(enriched.getCompletenessReason()).isEqualTo(CompletenessReason.ORDER_ENRICHED);
        assertThat(enriched.getOrderContext().getAccessionNumber()).isEqualTo(accession);
        assertThat(enriched.getOrderContext().getAssignedReader()).isEqualTo("dr-cuddy");
        assertThat(enriched.getInstances()).hasSize(4);
    }

    private static void insertOrder(String accession, String priority, String reader, Instant arrived)
            throws Exception {
        try (Connection connection = platform.postgres().connect();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO ris.orders (accession_number,"
                     + " patient_pseudonym, ordering_site, scheduled_at, patient_arrived, order_priority,"
                     + " assigned_reader) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, accession);
            insert.setString(2, "pseudonym-1");
            insert.setString(3, "clinic-north");
            insert.setTimestamp(4, Timestamp.from(Instant.now()));
            insert.setTimestamp(5, arrived == null ? null : Timestamp.from(arrived));
            insert.setString(6, priority);
            insert.setString(7, reader);
            insert.executeUpdate();
        }
    }

    private static void sendFourViews(String study, String accession) throws Exception {
        try (KafkaProducer<String, InstanceReceived> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
                new StringSerializer(), Topics.INSTANCES.valueSerde(serdeConfig).serializer())) {
            for (String view : List.of("L-CC", "L-MLO", "R-CC", "R-MLO")) {
                String[] lv = view.split("-");
                InstanceReceived instance = InstanceReceived.newBuilder()
                        .setStudyInstanceUid(study)
                        .setSeriesInstanceUid(study + ".1")
                        .setSopInstanceUid(study + ".1." + (lv[0].equals("L") ? 1 : 2) + (lv[1].equals("CC") ? 1 : 2))
                        .setSopClassUid("1.2.840.10008.5.1.4.1.1.1.2")
                        .setTransferSyntaxUid("1.2.840.10008.1.2.1")
                        .setModality("MG")
                        .setViewPosition(lv[1])
                        .setImageLaterality(lv[0])
                        .setImageType(List.of("ORIGINAL", "PRIMARY"))
                        .setPresentationIntentType("FOR PRESENTATION")
                        .setManufacturer("HOLOGIC, Inc.")
                        .setPatientPseudonym("pseudonym-1")
                        .setAccessionNumber(accession)
                        .setBlobUri("file:///blobs/" + study + "/" + view + ".dcm")
                        .setBlobSizeBytes(1000L)
                        .setSha256("00".repeat(32))
                        .setReceivedAt(Instant.now())
                        .setSource(IngestSource.DIMSE)
                        .build();
                producer.send(new ProducerRecord<>(Topics.INSTANCES.name(), study, instance)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static StudyAssembled awaitRevision(String study, int revision) {
        List<StudyAssembled> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            found.clear();
            readStudies().stream().filter(s -> s.getStudyInstanceUid().equals(study)).forEach(found::add);
            return found.stream().anyMatch(s -> s.getRevision() == revision);
        });
        assertThat(found.stream().filter(s -> s.getRevision() == revision)).as("revision %d once", revision).hasSize(1);
        return found.stream().filter(s -> s.getRevision() == revision).findFirst().orElseThrow();
    }

    private static List<StudyAssembled> readStudies() {
        List<StudyAssembled> studies = new ArrayList<>();
        try (KafkaConsumer<String, StudyAssembled> consumer = new KafkaConsumer<>(consumerConfig(),
                new StringDeserializer(), Topics.STUDIES.valueSerde(serdeConfig).deserializer())) {
            drain(consumer, Topics.STUDIES.name()).forEach(r -> studies.add(r.value()));
        }
        return studies;
    }

    private static List<String> readOrders() {
        List<String> orders = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(),
                new StringDeserializer(), new StringDeserializer())) {
            drain(consumer, Topics.CLINIC_ORDERS.name()).forEach(r -> orders.add(r.value()));
        }
        return orders;
    }

    private static Map<String, Object> consumerConfig() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    /** Everything on {@code topic} up to its current end, without a consumer group. */
    private static <V> List<ConsumerRecord<String, V>> drain(KafkaConsumer<String, V> consumer, String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<ConsumerRecord<String, V>> records = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
