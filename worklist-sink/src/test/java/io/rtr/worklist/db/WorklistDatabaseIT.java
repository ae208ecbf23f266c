package io.rtr.worklist.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The migrations, the writer, the view, row-level security and notifications on a real Postgres 17. */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistDatabaseIT {

    private final TestDatabase db;
    private WorklistWriter writer;

    WorklistDatabaseIT(TestDatabase db) {
        this.db = db;
    }

    @BeforeEach
    void openWriter() {
        writer = new WorklistWriter(db.url(), db.ownerProperties());
    }

    @AfterEach
    void closeWriter() {
        writer.close();
    }

    @Test
    void migratingAnUpToDateDatabaseAppliesNothing() {
        assertThat(WorklistSchema.migrate(db.url(), db.ownerProperties())).isZero();
    }

    @Test
    void ignoresAStaleEventAndAReplayChangesNothing() throws SQLException {
        WorklistEntry v2 = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.SUSPICIOUS, 0.9)
                .setVersion(2).build();
        WorklistEntry v1 = WorklistEntry.newBuilder(v2).setVersion(1).setPriorityScore(0.1)
                .setPriorityClass(PriorityClass.ROUTINE).build();

        assertThat(writer.write(List.of(WorklistChange.upsert(v2)))).isEqualTo(new WriteResult(1, 0, 0));
        long xmin = rowVersion(v2.getStudyInstanceUid());
        assertThat(writer.write(List.of(WorklistChange.upsert(v1)))).isEqualTo(new WriteResult(0, 1, 0));
        assertThat(writer.write(List.of(WorklistChange.upsert(v2)))).isEqualTo(new WriteResult(0, 1, 0));

        assertThat(query("SELECT priority_class || ' ' || priority_score || ' v' || version FROM worklist_entry"
                + " WHERE study_instance_uid = ?", v2.getStudyInstanceUid())).containsExactly("SUSPICIOUS 0.9 v2");
        // The row was not rewritten at all, so no trigger fired and no dead tuple was made.
        assertThat(rowVersion(v2.getStudyInstanceUid())).isEqualTo(xmin);
    }

    @Test
    void aNewerEventReplacesTheRow() throws SQLException {
        WorklistEntry v1 = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.ROUTINE, 0.2).build();
        WorklistEntry v2 = WorklistEntry.newBuilder(v1).setVersion(2).setPriorityClass(PriorityClass.STAT)
                .setStudyScore(0.97).setModelVersion("1.1.0").build();

        writer.write(List.of(WorklistChange.upsert(v1)));
        writer.write(List.of(WorklistChange.upsert(v2)));

        assertThat(query("SELECT priority_class || ' ' || priority_rank || ' ' || model_version FROM worklist_entry"
                + " WHERE study_instance_uid = ?", v1.getStudyInstanceUid())).containsExactly("STAT 0 1.1.0");
    }

    @Test
    void keepsOnlyTheNewestVersionOfAStudyWithinOneBatch() throws SQLException {
        WorklistEntry v1 = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.ROUTINE, 0.1).build();
        WorklistEntry v3 = WorklistEntry.newBuilder(v1).setVersion(3).setPriorityScore(0.3).build();
        WorklistEntry v2 = WorklistEntry.newBuilder(v1).setVersion(2).setPriorityScore(0.2).build();

        WriteResult result = writer.write(List.of(WorklistChange.upsert(v1), WorklistChange.upsert(v3),
                WorklistChange.upsert(v2)));

        assertThat(result).isEqualTo(new WriteResult(1, 2, 0));
        assertThat(query("SELECT version::text FROM worklist_entry WHERE study_instance_uid = ?",
                v1.getStudyInstanceUid())).containsExactly("3");
    }

    @Test
    void aRewrittenMultiRowBatchKeepsTheVersionGuard() throws SQLException {
        Properties rewriting = db.ownerProperties();
        rewriting.setProperty("reWriteBatchedInserts", "true");
        WorklistEntry v1 = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.ROUTINE, 0.1).build();
        WorklistEntry v3 = WorklistEntry.newBuilder(v1).setVersion(3).setPriorityScore(0.3).build();
        WorklistEntry v2 = WorklistEntry.newBuilder(v1).setVersion(2).setPriorityScore(0.2).build();
        WorklistEntry other = TestEntries.entry(v1.getRadiologistId(), PriorityClass.STAT, 0.5).build();

        try (WorklistWriter rewriter = new WorklistWriter(db.url(), rewriting)) {
            // Three versions of one study in one multi-row INSERT would be "cannot affect row a
            // second time" if the writer did not collapse them.
            rewriter.write(List.of(WorklistChange.upsert(v1), WorklistChange.upsert(v3), WorklistChange.upsert(other),
                    WorklistChange.upsert(v2)));
            rewriter.write(List.of(WorklistChange.upsert(v2), WorklistChange.upsert(other)));
        }

        assertThat(query("SELECT version::text FROM worklist_entry WHERE study_instance_uid = ?",
                v1.getStudyInstanceUid())).containsExactly("3");
        assertThat(worklistOf(v1.getRadiologistId())).containsExactly(other.getStudyInstanceUid(),
                v1.getStudyInstanceUid());
    }

    @Test
    void aTombstoneTakesTheStudyOffTheViewAndAReplayedOlderEventCannotBringItBack() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry v1 = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.5).build();
        String uid = v1.getStudyInstanceUid();
        writer.write(List.of(WorklistChange.upsert(v1)));
        assertThat(worklistOf(radiologist)).containsExactly(uid);

        assertThat(writer.write(List.of(WorklistChange.tombstone(uid)))).isEqualTo(new WriteResult(0, 0, 1));
        assertThat(worklistOf(radiologist)).isEmpty();
        // Replays: the same tombstone again, then the old upsert; both are no-ops.
        assertThat(writer.write(List.of(WorklistChange.tombstone(uid)))).isEqualTo(new WriteResult(0, 0, 0));
        writer.write(List.of(WorklistChange.upsert(v1)));
        assertThat(worklistOf(radiologist)).isEmpty();

        // A genuinely newer event (a revised study) reopens it.
        writer.write(List.of(WorklistChange.upsert(WorklistEntry.newBuilder(v1).setVersion(2).build())));
        assertThat(worklistOf(radiologist)).containsExactly(uid);
    }

    @Test
    void aTombstoneForAnUnknownStudyIsANoOp() throws SQLException {
        assertThat(writer.write(List.of(WorklistChange.tombstone(TestEntries.newStudyUid()))))
                .isEqualTo(new WriteResult(0, 0, 0));
    }

    @Test
    void listsEachWorklistMostUrgentFirstByClassThenScoreThenWaitingTime() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry routineHigh = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.99).build();
        WorklistEntry suspiciousLow = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.2).build();
        WorklistEntry suspiciousHigh = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).build();
        WorklistEntry suspiciousHighOlder = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8)
                .setWaitingSince(TestEntries.T0.minusSeconds(600)).build();
        WorklistEntry inClinic = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS_IN_CLINIC, 0.3)
                .setPatientInClinic(true).build();
        WorklistEntry stat = TestEntries.entry(radiologist, PriorityClass.STAT, 0.1).build();
        WorklistEntry someoneElses = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.STAT, 1.0).build();
        List<WorklistChange> changes = new ArrayList<>();
        for (WorklistEntry e : List.of(routineHigh, suspiciousLow, someoneElses, suspiciousHigh, inClinic, stat,
                suspiciousHighOlder)) {
            changes.add(WorklistChange.upsert(e));
        }
        writer.write(changes);

        assertThat(worklistOf(radiologist)).containsExactly(
                stat.getStudyInstanceUid(),
                inClinic.getStudyInstanceUid(),
                suspiciousHighOlder.getStudyInstanceUid(),
                suspiciousHigh.getStudyInstanceUid(),
                suspiciousLow.getStudyInstanceUid(),
                routineHigh.getStudyInstanceUid());
        assertThat(query("SELECT string_agg(reading_order::text, ',' ORDER BY reading_order)"
                + " FROM radiologist_worklist WHERE radiologist_id = ?", radiologist)).containsExactly("1,2,3,4,5,6");
        assertThat(query("SELECT accession_number || '|' || priority_class || '|' || model_version || '|' || status"
                        + " FROM radiologist_worklist WHERE radiologist_id = ? AND reading_order = 1", radiologist))
                .containsExactly(stat.getAccessionNumber() + "|STAT|1.0.0|UNREAD");
    }

    @Test
    void acceptsEverySymbolOfTheAvroEnumsAndRanksClassesInDeclarationOrder() throws SQLException {
        // Guards the CHECK lists and the rank CASE against a symbol added to the schemas: without
        // this, every entry with the new symbol would be dead-lettered as a constraint violation.
        String radiologist = TestEntries.newRadiologist();
        List<WorklistChange> changes = new ArrayList<>();
        for (PriorityClass priorityClass : PriorityClass.values()) {
            for (WorklistStatus status : WorklistStatus.values()) {
                changes.add(WorklistChange.upsert(TestEntries.entry(radiologist, priorityClass, 0.5)
                        .setStatus(status).setClaimedBy(status == WorklistStatus.CLAIMED ? radiologist : null)
                        .build()));
            }
        }
        writer.write(changes);

        List<String> ranks = query("SELECT DISTINCT priority_class || '=' || priority_rank FROM worklist_entry"
                + " WHERE radiologist_id = ?", radiologist);
        for (PriorityClass priorityClass : PriorityClass.values()) {
            assertThat(ranks).contains(priorityClass.name() + "=" + priorityClass.ordinal());
        }
    }

    @Test
    void aRadiologistRoleSeesOnlyItsOwnRows() throws SQLException {
        String a = TestEntries.newRadiologist();
        String b = TestEntries.newRadiologist();
        WorklistEntry a1 = TestEntries.entry(a, PriorityClass.ROUTINE, 0.1).build();
        WorklistEntry a2 = TestEntries.entry(a, PriorityClass.SUSPICIOUS, 0.7).build();
        WorklistEntry b1 = TestEntries.entry(b, PriorityClass.STAT, 1.0).build();
        writer.write(List.of(WorklistChange.upsert(a1), WorklistChange.upsert(a2), WorklistChange.upsert(b1)));
        db.createRadiologistRole(a);

        try (Connection asA = db.connectAs(a)) {
            assertThat(query(asA, "SELECT study_instance_uid || '#' || reading_order FROM radiologist_worklist"
                    + " ORDER BY reading_order"))
                    .containsExactly(a2.getStudyInstanceUid() + "#1", a1.getStudyInstanceUid() + "#2");
            // The table itself is filtered too, not only the view.
            assertThat(query(asA, "SELECT DISTINCT radiologist_id FROM worklist_entry")).containsExactly(a);
            assertThatThrownBy(() -> query(asA, "UPDATE worklist_entry SET priority_class = 'STAT' RETURNING 1"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            assertThatThrownBy(() -> insertAction(asA, b1.getStudyInstanceUid(), b))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
            insertAction(asA, a1.getStudyInstanceUid(), a);
            assertThat(query(asA, "SELECT action FROM reading_action WHERE at <= now()")).containsExactly("CLAIM");
        }
    }

    @Test
    void notifiesListenersWithTheRadiologistWhoseWorklistChanged() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.6).build();
        try (Connection listener = db.connectAsOwner()) {
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN " + WorklistSchema.CHANGE_CHANNEL);
            }
            writer.write(List.of(WorklistChange.upsert(entry)));

            List<String> payloads = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(100);
                if (received != null) {
                    for (PGNotification n : received) {
                        payloads.add(n.getParameter());
                    }
                }
                return payloads.contains(radiologist);
            });
        }
    }

    @Test
    void aRecordBreakingAConstraintIsABadRecordAndRollsBackItsBatch() throws SQLException {
        String radiologist = TestEntries.newRadiologist();
        WorklistEntry good = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.1).build();
        WorklistEntry outOfRange = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.1).setStudyScore(1.5)
                .build();

        assertThatThrownBy(() -> writer.write(List.of(WorklistChange.upsert(good), WorklistChange.upsert(outOfRange))))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(SqlErrors.classify((SQLException) e)).isEqualTo(SqlFailure.BAD_RECORD));

        assertThat(worklistOf(radiologist)).isEmpty();
        // The connection survived the rollback and takes the next write.
        writer.write(List.of(WorklistChange.upsert(good)));
        assertThat(worklistOf(radiologist)).containsExactly(good.getStudyInstanceUid());
    }

    @Test
    void aKilledConnectionIsRetriableAndTheWriterReconnects() throws SQLException {
        String application = "rtr-it-" + UUID.randomUUID();
        Properties properties = db.ownerProperties();
        properties.setProperty("ApplicationName", application);
        String radiologist = TestEntries.newRadiologist();
        try (WorklistWriter killed = new WorklistWriter(db.url(), properties)) {
            killed.write(List.of(WorklistChange.upsert(TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.1)
                    .build())));
            try (Connection admin = db.connectAsOwner()) {
                query(admin, "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE application_name = ?",
                        application);
                await().atMost(Duration.ofSeconds(10)).until(() -> query(admin,
                        "SELECT pid::text FROM pg_stat_activity WHERE application_name = ?", application).isEmpty());
            }
            WorklistEntry next = TestEntries.entry(radiologist, PriorityClass.STAT, 1.0).build();

            assertThatThrownBy(() -> killed.write(List.of(WorklistChange.upsert(next))))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlErrors.classify((SQLException) e)).isEqualTo(SqlFailure.RETRIABLE));
            killed.write(List.of(WorklistChange.upsert(next)));

            assertThat(worklistOf(radiologist)).hasSize(2).first().isEqualTo(next.getStudyInstanceUid());
        }
    }

    @Test
    void anUnreachableDatabaseIsRetriable() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (WorklistWriter nowhere = new WorklistWriter("jdbc:postgresql://127.0.0.1:" + port + "/rtr",
                db.ownerProperties())) {
            assertThatThrownBy(() -> nowhere.write(List.of(WorklistChange.tombstone("1.2.3"))))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlErrors.classify((SQLException) e)).isEqualTo(SqlFailure.RETRIABLE));
        }
    }

    private List<String> worklistOf(String radiologist) throws SQLException {
        return query("SELECT study_instance_uid FROM radiologist_worklist WHERE radiologist_id = ?"
                + " ORDER BY reading_order", radiologist);
    }

    private long rowVersion(String uid) throws SQLException {
        return Long.parseLong(query("SELECT xmin::text FROM worklist_entry WHERE study_instance_uid = ?", uid).get(0));
    }

    private List<String> query(String sql, String... parameters) throws SQLException {
        try (Connection c = db.connectAsOwner()) {
            return query(c, sql, parameters);
        }
    }

    private static List<String> query(Connection c, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            List<String> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1));
                }
            }
            return rows;
        }
    }

    private static void insertAction(Connection c, String uid, String radiologist) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(
                "INSERT INTO reading_action (study_instance_uid, radiologist_id, action) VALUES (?, ?, 'CLAIM')")) {
            statement.setString(1, uid);
            statement.setString(2, radiologist);
            statement.executeUpdate();
        }
    }
}
