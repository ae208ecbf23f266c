package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The task end to end against Postgres: Confluent-framed bytes in, rows in the view out. The
 * registry is in memory because the embedded one lives in the standalone module, which depends
 * on this one.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistSinkTaskIT {

    private static final String TOPIC = "rtr.worklist";

    private final TestDatabase db;
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerializer<WorklistEntry> serializer = new AvroSerializer<>(registry);
    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);
    private final WorklistSinkTask task = new WorklistSinkTask(registry);
    private long offset;

    WorklistSinkTaskIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void start() {
        Map<String, String> props = new HashMap<>();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, db.url());
        props.put(WorklistSinkConfig.CONNECTION_USER_CONFIG, db.user());
        // Never contacted: the task decodes with the in-memory registry passed to its constructor.
        props.put(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:1");
        // Small batches, so one put() spans several transactions.
        props.put(WorklistSinkConfig.BATCH_SIZE_CONFIG, "2");
        props.put(WorklistSinkConfig.AUTO_MIGRATE_CONFIG, "true");
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        task.stop();
    }

    private SinkRecord upsert(WorklistEntry entry) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, entry.getStudyInstanceUid(),
                Schema.OPTIONAL_BYTES_SCHEMA, serializer.serialize(TOPIC, entry), offset++);
    }

    private SinkRecord tombstone(String uid) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, uid, Schema.OPTIONAL_BYTES_SCHEMA, null,
                offset++);
    }

    @Test
    void writesRecordsInReadingOrderIgnoresStaleOnesAndArchivesOnTombstone() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry routine = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.4).build();
        WorklistEntry suspicious = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.9).setVersion(5).build();
        WorklistEntry staleSuspicious = WorklistEntry.newBuilder(suspicious).setVersion(4)
                .setPriorityClass(PriorityClass.ROUTINE).build();
        WorklistEntry stat = TestEntries.entry(radiologist, PriorityClass.STAT, 0.1).build();

        task.put(List.of(upsert(routine), upsert(suspicious), upsert(staleSuspicious), upsert(stat)));
        assertThat(worklistOf(radiologist)).containsExactly(stat.getStudyInstanceUid(),
                suspicious.getStudyInstanceUid(), routine.getStudyInstanceUid());

        // The same records again, as after a rebalance or a crash before the offset commit.
        task.put(List.of(upsert(routine), upsert(suspicious), upsert(staleSuspicious), upsert(stat)));
        assertThat(worklistOf(radiologist)).hasSize(3);

        task.put(List.of(tombstone(stat.getStudyInstanceUid())));
        assertThat(worklistOf(radiologist)).containsExactly(suspicious.getStudyInstanceUid(),
                routine.getStudyInstanceUid());
        assertThat(context.reported).isEmpty();
        assertThat(context.timeouts).isEmpty();
    }

    @Test
    void deadLettersWhatPostgresRejectsAndWritesTheRestOfTheBatch() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry first = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.7).build();
        WorklistEntry outOfRange = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8)
                .setStudyScore(1.5).build();
        WorklistEntry last = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.1).build();
        SinkRecord bad = upsert(outOfRange);

        task.put(List.of(upsert(first), bad, upsert(last)));

        assertThat(worklistOf(radiologist)).containsExactly(first.getStudyInstanceUid(),
                last.getStudyInstanceUid());
        assertThat(context.reported).singleElement().satisfies(r -> {
            assertThat(r.record()).isEqualTo(bad);
            assertThat(r.error()).hasMessageContaining("23514");
        });
    }

    @Test
    void deadLettersUndecodableBytesWithoutHoldingUpGoodRecords() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry good = TestEntries.entry(radiologist, PriorityClass.STAT, 0.5).build();
        SinkRecord unknownSchemaId = new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, "1.2.3",
                Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {0, 0, 0, 0x7f, 0x7f, 2}, offset++);

        task.put(List.of(unknownSchemaId, upsert(good)));

        assertThat(worklistOf(radiologist)).containsExactly(good.getStudyInstanceUid());
        assertThat(context.reported).extracting(RecordingSinkTaskContext.Reported::record)
                .containsExactly(unknownSchemaId);
    }

    @Test
    void retriesAfterLosingTheDatabaseConnectionThenWritesEverything() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry before = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.2).build();
        WorklistEntry after = TestEntries.entry(radiologist, PriorityClass.STAT, 0.9).build();
        task.put(List.of(upsert(before)));
        terminateSinkConnections();
        List<SinkRecord> batch = List.of(upsert(after));

        // What Connect does on a RetriableException: wait context.timeout, then put the same records.
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        task.put(batch);

        assertThat(context.timeouts).containsExactly(WorklistSinkConfig.RETRY_BACKOFF_MS_DEFAULT);
        assertThat(worklistOf(radiologist)).containsExactly(after.getStudyInstanceUid(),
                before.getStudyInstanceUid());
    }

    /** Kills the backends of every sink connection (they carry the sink's application name). */
    private void terminateSinkConnections() throws SQLException {
        String byName = " FROM pg_stat_activity WHERE application_name = '"
                + WorklistSinkConfig.APPLICATION_NAME + "'";
        try (Connection admin = db.connectAsOwner()) {
            try (PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(pid)" + byName);
                 ResultSet ignored = kill.executeQuery()) {
                assertThat(ignored.next()).as("a sink connection to kill").isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (PreparedStatement left = admin.prepareStatement("SELECT count(*)" + byName);
                     ResultSet count = left.executeQuery()) {
                    return count.next() && count.getLong(1) == 0;
                }
            });
        }
    }

    private List<String> worklistOf(String radiologist) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement statement = c.prepareStatement("SELECT study_instance_uid FROM radiologist_worklist"
                     + " WHERE radiologist_id = ? ORDER BY reading_order")) {
            statement.setString(1, radiologist);
            List<String> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1));
                }
            }
            return rows;
        }
    }
}
