package io.rtr.worklist.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import io.rtr.worklist.db.ArchivePurger.PurgeResult;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The purge of archived rows on a real Postgres 17: what it deletes and keeps, batches, its marker
 * against replays, and its locks. Rows are made old by moving archived_at back, so only this class's
 * rows are ever past the 30-day retention used here.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class ArchivePurgeIT {

    private static final Duration RETENTION = Duration.ofDays(30);

    private final TestDatabase db;
    private WorklistWriter writer;
    private ArchivePurger purger;

    ArchivePurgeIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void open() throws SQLException {
        writer = new WorklistWriter(db.url(), db.ownerProperties());
        purger = new ArchivePurger(db.url(), db.ownerProperties());
        // Whatever an earlier test left past the retention, so that counts below are this test's.
        purger.purge(RETENTION, 10_000, () -> true);
    }

    @AfterEach
    void close() {
        writer.close();
        purger.close();
    }

    @Test
    void purgesOnlyRowsArchivedLongerAgoThanTheRetentionInBatchesWithTheirActions() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        List<String> old = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            old.add(archivedStudy(radiologist));
        }
        backdate(old, Duration.ofDays(40));
        addAction(old.get(0), radiologist, "CLAIM");
        addAction(old.get(0), radiologist, "COMPLETE");
        String young = archivedStudy(radiologist);
        backdate(List.of(young), Duration.ofDays(20));
        addAction(young, radiologist, "COMPLETE");
        WorklistEntry open = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.3)
                .setWaitingSince(TestEntries.T0.minus(Duration.ofDays(90))).build();
        writer.write(List.of(WorklistChange.upsert(open)));
        addAction(open.getStudyInstanceUid(), radiologist, "CLAIM");

        PurgeResult result = purger.purge(RETENTION, 10, () -> true);

        assertThat(result).isEqualTo(new PurgeResult(25, 2, 3, false));
        assertThat(existing("worklist_entry", old)).isEmpty();
        assertThat(existing("reading_action", old)).isEmpty();
        assertThat(existing("worklist_entry_purged", old)).containsExactlyInAnyOrderElementsOf(old);
        assertThat(existing("worklist_entry", List.of(young, open.getStudyInstanceUid())))
                .containsExactlyInAnyOrder(young, open.getStudyInstanceUid());
        assertThat(existing("reading_action", List.of(young, open.getStudyInstanceUid())))
                .containsExactlyInAnyOrder(young, open.getStudyInstanceUid());
        assertThat(openStudies(radiologist)).containsExactly(open.getStudyInstanceUid());
        assertThat(purger.purge(RETENTION, 10, () -> true)).isEqualTo(PurgeResult.NONE);
    }

    @Test
    void stopsBetweenBatchesWhenAskedTo() throws SQLException {
        List<String> old = new ArrayList<>();
        String radiologist = TestEntries.newRadiologist();
        for (int i = 0; i < 5; i++) {
            old.add(archivedStudy(radiologist));
        }
        backdate(old, Duration.ofDays(31));
        int[] batches = {0};

        PurgeResult result = purger.purge(RETENTION, 2, () -> batches[0]++ < 1);

        assertThat(result.entries()).isEqualTo(2);
        assertThat(existing("worklist_entry", old)).hasSize(3);
    }

    @Test
    void aReplayedRecordOrTombstoneOfAPurgedStudyDoesNotReopenItButANewerVersionDoes() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry v1 = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).setVersion(1).build();
        WorklistEntry v2 = WorklistEntry.newBuilder(v1).setVersion(2).setPriorityClass(PriorityClass.STAT).build();
        String uid = v1.getStudyInstanceUid();
        // The second study goes through the driver's multi-row rewrite: two upserts in one batch.
        WorklistEntry other = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.1).setVersion(7).build();
        writer.write(List.of(WorklistChange.upsert(v1), WorklistChange.upsert(v2), WorklistChange.upsert(other),
                WorklistChange.tombstone(uid), WorklistChange.tombstone(other.getStudyInstanceUid())));
        backdate(List.of(uid, other.getStudyInstanceUid()), Duration.ofDays(45));
        assertThat(purger.purge(RETENTION, 100, () -> true).entries()).isEqualTo(2);

        // Connect redelivers, or someone replays the topic: the old records, then the tombstone.
        writer.write(List.of(WorklistChange.upsert(v2)));
        writer.write(List.of(WorklistChange.upsert(v1), WorklistChange.upsert(other)));
        writer.write(List.of(WorklistChange.upsert(v2), WorklistChange.upsert(other)));
        assertThat(existing("worklist_entry", List.of(uid, other.getStudyInstanceUid()))).isEmpty();
        assertThat(openStudies(radiologist)).isEmpty();
        assertThat(writer.write(List.of(WorklistChange.tombstone(uid)))).isEqualTo(WriteResult.EMPTY);
        assertThat(existing("worklist_entry", List.of(uid))).isEmpty();

        // Prioritization reopens the study (a new revision): a newer version than the marker's goes in.
        WorklistEntry v3 = WorklistEntry.newBuilder(v1).setVersion(3).setStudyRevision(2).build();
        writer.write(List.of(WorklistChange.upsert(v3)));
        assertThat(openStudies(radiologist)).containsExactly(uid);
        // Read again and purged again: the marker moves up to the newer version.
        writer.write(List.of(WorklistChange.tombstone(uid)));
        backdate(List.of(uid), Duration.ofDays(45));
        assertThat(purger.purge(RETENTION, 100, () -> true).entries()).isEqualTo(1);
        writer.write(List.of(WorklistChange.upsert(v3)));
        assertThat(openStudies(radiologist)).isEmpty();
        assertThat(query("SELECT version FROM worklist_entry_purged WHERE study_instance_uid = ?", uid))
                .containsExactly("3");
    }

    @Test
    void onlyOnePurgerRunsAtATime() throws SQLException {
        String uid = archivedStudy(TestEntries.newRadiologist());
        backdate(List.of(uid), Duration.ofDays(31));
        try (Connection other = db.connectAsOwner()) {
            assertThat(advisory(other, "pg_try_advisory_lock", ArchivePurger.PURGER_LOCK)).isTrue();

            assertThat(purger.purge(RETENTION, 100, () -> true)).isEqualTo(PurgeResult.SKIPPED);
            assertThat(existing("worklist_entry", List.of(uid))).containsExactly(uid);

            advisory(other, "pg_advisory_unlock", ArchivePurger.PURGER_LOCK);
        }
        assertThat(purger.purge(RETENTION, 100, () -> true).entries()).isEqualTo(1);
        // The run released its lock: another purger gets it.
        try (ArchivePurger second = new ArchivePurger(db.url(), db.ownerProperties())) {
            assertThat(second.purge(RETENTION, 100, () -> true).skipped()).isFalse();
        }
    }

    @Test
    void aBatchWaitsForTheWriteInFlight() throws Exception {
        String uid = archivedStudy(TestEntries.newRadiologist());
        backdate(List.of(uid), Duration.ofDays(31));
        CompletableFuture<PurgeResult> purge;
        try (Connection writing = db.connectAsOwner()) {
            writing.setAutoCommit(false);
            // What every WorklistWriter transaction holds until it commits.
            advisory(writing, "pg_advisory_xact_lock_shared", ArchivePurger.WRITE_LOCK);

            purge = CompletableFuture.supplyAsync(() -> {
                try {
                    return purger.purge(RETENTION, 100, () -> true);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> !purge.isDone());
            assertThat(existing("worklist_entry", List.of(uid))).containsExactly(uid);
            writing.commit();
        }
        assertThat(purge.get().entries()).isEqualTo(1);
        assertThat(existing("worklist_entry", List.of(uid))).isEmpty();
    }

    private String archivedStudy(String radiologist) throws SQLException {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.5).build();
        writer.write(List.of(WorklistChange.upsert(entry)));
        writer.write(List.of(WorklistChange.tombstone(entry.getStudyInstanceUid())));
        return entry.getStudyInstanceUid();
    }

    private void backdate(List<String> uids, Duration age) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("UPDATE worklist_entry SET archived_at = now() - ? * interval"
                     + " '1 second' WHERE study_instance_uid = ANY (?) AND archived_at IS NOT NULL")) {
            s.setLong(1, age.toSeconds());
            s.setArray(2, c.createArrayOf("text", uids.toArray(new String[0])));
            assertThat(s.executeUpdate()).isEqualTo(uids.size());
        }
    }

    private void addAction(String uid, String radiologist, String action) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO reading_action (study_instance_uid, radiologist_id, action) VALUES (?, ?, ?)")) {
            s.setString(1, uid);
            s.setString(2, radiologist);
            s.setString(3, action);
            s.executeUpdate();
        }
    }

    /** The UIDs of {@code uids} that have a row in {@code table} (once each). */
    private List<String> existing(String table, List<String> uids) throws SQLException {
        try (Connection c = db.connectAsOwner();
             PreparedStatement s = c.prepareStatement("SELECT DISTINCT study_instance_uid FROM " + table
                     + " WHERE study_instance_uid = ANY (?)")) {
            Array array = c.createArrayOf("text", uids.toArray(new String[0]));
            s.setArray(1, array);
            List<String> found = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1));
                }
            }
            return found;
        }
    }

    private List<String> openStudies(String radiologist) throws SQLException {
        return query("SELECT study_instance_uid FROM radiologist_worklist WHERE radiologist_id = ?"
                + " ORDER BY reading_order", radiologist);
    }

    private List<String> query(String sql, String parameter) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, parameter);
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            return rows;
        }
    }

    private static boolean advisory(Connection c, String function, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + function + "(?)::text")) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return "true".equals(rs.getString(1));
            }
        }
    }
}
