package io.rtr.worklist.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.debezium.connector.postgresql.PostgresConnectorTask;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.worklist.db.ArchivePurger;
import io.rtr.worklist.db.WorklistSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debezium's real Postgres task, configured by {@link ReadingActionCapture}, against an embedded
 * Postgres 17 with logical replication and the worklist migrations: what it emits for
 * reading_action rows, passed through the transform as Connect would, reads back as the actions
 * written. Without a Connect worker, so the converters (String, ByteArray) are not exercised.
 */
class ReadingActionCaptureIT {

    private static final String STUDY_UID = "1.2.826.0.1.3680043.8.498.2001";
    private static final String RADIOLOGIST = "rad-cdc";

    private EmbeddedPostgres postgres;
    private String url;
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ReadingActionTransform<SourceRecord> transform = new ReadingActionTransform<>();
    private final PostgresConnectorTask task = new PostgresConnectorTask();
    private final List<SourceRecord> emitted = new ArrayList<>();
    private int heartbeats;
    private boolean taskStarted;

    @BeforeEach
    void startPostgres() throws Exception {
        Path dir = Files.createTempDirectory("rtr-worklist-cdc-pg");
        postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(true)
                .setPort(0)
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "4")
                .setServerConfig("max_wal_senders", "4")
                .start();
        url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
        WorklistSchema.migrate(url, owner());
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO worklist_entry (study_instance_uid, radiologist_id, priority_class,"
                    + " priority_score, status, waiting_since, updated_at, version, study_revision, patient_in_clinic)"
                    + " VALUES ('" + STUDY_UID + "', '" + RADIOLOGIST + "', 'SUSPICIOUS', 0.9, 'UNREAD', now(), now(),"
                    + " 1, 0, true)");
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (taskStarted) {
            task.stop();
        }
        transform.close();
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void capturesSnapshottedAndStreamedActionsAsFramedStudyKeyedRecords() throws Exception {
        Row before = insertAction("CLAIM", null);
        startCapture();

        awaitActions(1);
        Row release = insertAction("RELEASE", "back to the pool");
        Row complete = insertAction("COMPLETE", null);
        try (Connection c = connect(); PreparedStatement delete = c.prepareStatement(
                "DELETE FROM reading_action WHERE id = ?")) {
            // An action that vanishes from the table is dropped, not turned into a record.
            delete.setObject(1, UUID.fromString(before.id()));
            delete.executeUpdate();
        }
        Row last = insertAction("CLAIM", "after the delete");
        awaitActions(4);

        assertThat(emitted).allSatisfy(record -> {
            assertThat(record.topic()).isEqualTo(Topics.WORKLIST_ACTIONS.name());
            assertThat(record.key()).isEqualTo(STUDY_UID);
            assertThat(record.value()).isInstanceOf(byte[].class);
        });
        AvroDeserializer<ReadingAction> deserializer = new AvroDeserializer<>(ReadingAction.class, registry);
        List<ReadingAction> actions = emitted.stream()
                .map(record -> deserializer.deserialize(record.topic(), (byte[]) record.value()))
                .toList();
        assertThat(actions).hasSize(4);
        assertMatches(actions.get(0), before, ReadingActionType.CLAIM);
        assertMatches(actions.get(1), release, ReadingActionType.RELEASE);
        assertMatches(actions.get(2), complete, ReadingActionType.COMPLETE);
        assertMatches(actions.get(3), last, ReadingActionType.CLAIM);
        assertThat(actions.get(1).getComment()).isEqualTo("back to the pool");
        assertThat(actions.get(2).getComment()).isNull();

        // Heartbeats (which let the slot advance while only other tables change) are dropped.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            pollAndTransform();
            return heartbeats > 0;
        });
        assertThat(emitted).hasSize(4);
    }

    @Test
    void theArchivePurgeDeletingActionsEmitsNothing() throws Exception {
        insertAction("CLAIM", null);
        insertAction("COMPLETE", null);
        startCapture();
        awaitActions(2);
        String open = "1.2.826.0.1.3680043.8.498.2002";
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("UPDATE worklist_entry SET archived_at = now() - interval '40 days'");
            s.execute("INSERT INTO worklist_entry (study_instance_uid, radiologist_id, priority_class,"
                    + " priority_score, status, waiting_since, updated_at, version, study_revision, patient_in_clinic)"
                    + " VALUES ('" + open + "', '" + RADIOLOGIST + "', 'ROUTINE', 0.1, 'UNREAD', now(), now(), 1, 0, true)");
        }
        try (ArchivePurger purger = new ArchivePurger(url, owner())) {
            assertThat(purger.purge(Duration.ofDays(30), 1000, () -> true).actions()).isEqualTo(2);
        }
        // An action after the purge's deletes in the WAL: once it is out, the deletes were read.
        Row after = insertAction(open, "CLAIM", null);
        awaitActions(3);
        int seen = heartbeats;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            pollAndTransform();
            return heartbeats > seen;
        });

        assertThat(emitted).hasSize(3);
        AvroDeserializer<ReadingAction> deserializer = new AvroDeserializer<>(ReadingAction.class, registry);
        ReadingAction last = deserializer.deserialize(Topics.WORKLIST_ACTIONS.name(), (byte[]) emitted.get(2).value());
        assertThat(last.getActionId()).isEqualTo(after.id());
        assertThat(last.getStudyInstanceUid()).isEqualTo(open);
    }

    private static void assertMatches(ReadingAction action, Row row, ReadingActionType type) {
        assertThat(action.getActionId()).isEqualTo(row.id());
        assertThat(action.getStudyInstanceUid()).isEqualTo(STUDY_UID);
        assertThat(action.getRadiologistId()).isEqualTo(RADIOLOGIST);
        assertThat(action.getAction()).isEqualTo(type);
        assertThat(action.getAt()).isEqualTo(row.at().truncatedTo(ChronoUnit.MILLIS));
    }

    private void startCapture() {
        Map<String, String> config = ReadingActionCapture.debeziumConfig("127.0.0.1", postgres.getPort(), "postgres",
                "postgres", "unused", "http://127.0.0.1:1");
        config.put("name", ReadingActionCapture.CONNECTOR_NAME);
        // Faster than the production default so a heartbeat shows up during the test too.
        config.put("heartbeat.interval.ms", "1000");

        String prefix = "transforms." + ReadingActionCapture.TRANSFORM_NAME + ".";
        Map<String, Object> transformProps = new HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                transformProps.put(key.substring(prefix.length()), value);
            }
        });
        transformProps.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry);
        transform.configure(transformProps);

        task.initialize(new Context(config));
        task.start(config);
        taskStarted = true;
    }

    private void awaitActions(int count) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10)).until(() -> {
            pollAndTransform();
            return emitted.size() >= count;
        });
    }

    private void pollAndTransform() throws InterruptedException {
        List<SourceRecord> polled = task.poll();
        if (polled == null) {
            return;
        }
        for (SourceRecord record : polled) {
            if (record.topic().startsWith("__debezium-heartbeat")) {
                heartbeats++;
            }
            SourceRecord out = transform.apply(record);
            if (out != null) {
                emitted.add(out);
            }
        }
    }

    private Row insertAction(String action, String comment) throws SQLException {
        return insertAction(STUDY_UID, action, comment);
    }

    private Row insertAction(String study, String action, String comment) throws SQLException {
        try (Connection c = connect(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO reading_action (study_instance_uid, radiologist_id, action, comment)"
                        + " VALUES (?, ?, ?, ?) RETURNING id, at")) {
            insert.setString(1, study);
            insert.setString(2, RADIOLOGIST);
            insert.setString(3, action);
            insert.setString(4, comment);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                return new Row(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant());
            }
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, owner());
    }

    private static Properties owner() {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        return properties;
    }

    private record Row(String id, Instant at) {
    }

    /** What a Connect worker gives a fresh task: its config and no committed offsets. */
    private record Context(Map<String, String> configs) implements SourceTaskContext {

        @Override
        public OffsetStorageReader offsetStorageReader() {
            return new OffsetStorageReader() {
                @Override
                public <T> Map<String, Object> offset(Map<String, T> partition) {
                    return null;
                }

                @Override
                public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                    return Map.of();
                }
            };
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return null;
        }
    }
}
