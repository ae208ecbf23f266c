package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The task's purge of archived rows: on start, on schedule, off with -1, and replays after it. */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistSinkTaskPurgeIT {

    private static final String TOPIC = "rtr.worklist";

    private final TestDatabase db;
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerializer<WorklistEntry> serializer = new AvroSerializer<>(registry);
    private final WorklistSinkTask task = new WorklistSinkTask(registry);
    private long offset;

    WorklistSinkTaskPurgeIT(TestDatabase db) {
        this.db = db;
    }

    @AfterEach
    void stop() {
        task.stop();
    }

    private void start(String retentionMs) {
        Map<String, String> props = new HashMap<>();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, db.url());
        props.put(WorklistSinkConfig.CONNECTION_USER_CONFIG, db.user());
        props.put(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:1");
        props.put(WorklistSinkConfig.ARCHIVE_RETENTION_MS_CONFIG, retentionMs);
        props.put(WorklistSinkConfig.ARCHIVE_PURGE_INTERVAL_MS_CONFIG, "1000");
        task.initialize(new RecordingSinkTaskContext(true));
        task.start(props);
    }

    @Test
    void purgesOnStartAndOnScheduleAndARedeliveredRecordOrTombstoneDoesNotReopenThePurgedStudy()
            throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry read = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.9).setVersion(4).build();
        WorklistEntry later = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.2).build();
        start(Long.toString(Duration.ofDays(30).toMillis()));
        task.put(List.of(upsert(read), tombstone(read.getStudyInstanceUid())));
        backdate(read.getStudyInstanceUid(), Duration.ofDays(31));
        await().atMost(Duration.ofSeconds(20)).until(() -> !rowExists(read.getStudyInstanceUid()));

        // Connect redelivers the study's records after a rebalance, or the topic is replayed.
        task.put(List.of(upsert(read), upsert(later), tombstone(read.getStudyInstanceUid())));
        task.put(List.of(upsert(read)));

        assertThat(openStudies(radiologist)).containsExactly(later.getStudyInstanceUid());
        assertThat(rowExists(read.getStudyInstanceUid())).isFalse();

        // A stopped task's purge is stopped too; a fresh one purges at start.
        task.stop();
        String second = archivedByAnotherTask(radiologist);
        start(Long.toString(Duration.ofDays(30).toMillis()));
        await().atMost(Duration.ofSeconds(20)).until(() -> !rowExists(second));
    }

    @Test
    void keepsArchivedRowsForeverWhenRetentionIsMinusOne() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        String uid = archivedByAnotherTask(radiologist);
        start("-1");
        try {
            assertThat(task.archivePurge()).isNull();
            task.put(List.of(upsert(TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.2).build())));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> rowExists(uid));
        } finally {
            deleteRow(uid);
        }
    }

    /** A study written, read and archived 40 days ago, by a task other than the one under test. */
    private String archivedByAnotherTask(String radiologist) throws SQLException {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.5).build();
        WorklistSinkTask other = new WorklistSinkTask(registry);
        Map<String, String> props = new HashMap<>();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, db.url());
        props.put(WorklistSinkConfig.CONNECTION_USER_CONFIG, db.user());
        props.put(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:1");
        props.put(WorklistSinkConfig.ARCHIVE_RETENTION_MS_CONFIG, "-1");
        other.initialize(new RecordingSinkTaskContext(true));
        other.start(props);
        try {
            other.put(List.of(upsert(entry), tombstone(entry.getStudyInstanceUid())));
        } finally {
            other.stop();
        }
        backdate(entry.getStudyInstanceUid(), Duration.ofDays(40));
        return entry.getStudyInstanceUid();
    }

    private SinkRecord upsert(WorklistEntry entry) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, entry.getStudyInstanceUid(),
                Schema.OPTIONAL_BYTES_SCHEMA, serializer.serialize(TOPIC, entry), offset++);
    }

    private SinkRecord tombstone(String uid) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, uid, Schema.OPTIONAL_BYTES_SCHEMA, null,
                offset++);
    }

    private void backdate(String uid, Duration age) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("UPDATE worklist_entry SET archived_at = now() - ?"
                     + " * interval '1 second' WHERE study_instance_uid = ? AND archived_at IS NOT NULL")) {
            s.setLong(1, age.toSeconds());
            s.setString(2, uid);
            s.executeUpdate();
        }
    }

    private void deleteRow(String uid) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("DELETE FROM worklist_entry WHERE study_instance_uid = ?")) {
            s.setString(1, uid);
            s.executeUpdate();
        }
    }

    private boolean rowExists(String uid) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("SELECT 1 FROM worklist_entry WHERE study_instance_uid = ?")) {
            s.setString(1, uid);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private List<String> openStudies(String radiologist) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("SELECT study_instance_uid FROM radiologist_worklist"
                     + " WHERE radiologist_id = ? ORDER BY reading_order")) {
            s.setString(1, radiologist);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            return rows;
        }
    }
}
