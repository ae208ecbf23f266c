package io.rtr.worklist.api;

import io.rtr.worklist.db.SqlErrors;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's reads and writes in Postgres: a radiologist's worklist from the
 * {@code radiologist_worklist} view, the radiologist directory, and actions recorded as
 * {@code reading_action} rows together with the entry's new status in one transaction.
 *
 * <p>Thread-safe: each call borrows its own connection from the {@link DataSource}.
 *
 * <p>A pooled connection can have died since its last use without the pool knowing (Postgres
 * restarted, a failover, the backend was terminated). A call that finds its connection broken
 * therefore tells the pool ({@code onBrokenConnection}: drop the other idle ones, which most likely
 * died with it) and runs once more on a fresh connection. That is safe for reads, and for an
 * action as long as the failure came before its commit: a transaction whose connection broke was
 * never committed. A failed commit is not retried, since it may have committed.
 */
final class WorklistStore {

    private static final Logger log = LoggerFactory.getLogger(WorklistStore.class);

    private static final String WORKLIST = "SELECT reading_order, study_instance_uid, accession_number,"
            + " priority_class, priority_score, study_score, model_name, model_version, reasons, status,"
            + " claimed_by, waiting_since,"
            // Computed by the database clock so every client of one list agrees on the figure.
            + " floor(extract(epoch FROM now() - waiting_since) / 60)::bigint AS minutes_waiting,"
            + " patient_in_clinic, clinic_id"
            + " FROM radiologist_worklist WHERE radiologist_id = ? ORDER BY reading_order";

    private static final String KNOWN = "SELECT EXISTS (SELECT 1 FROM radiologist WHERE radiologist_id = ?)"
            + " OR EXISTS (SELECT 1 FROM worklist_entry WHERE radiologist_id = ?)";

    private static final String RADIOLOGISTS = "SELECT id, r.display_name, r.subspecialty,"
            + " r.radiologist_id IS NOT NULL AS registered, coalesce(o.open_studies, 0) AS open_studies"
            + " FROM (SELECT radiologist_id AS id FROM radiologist"
            + "       UNION SELECT DISTINCT radiologist_id FROM radiologist_worklist) ids"
            + " LEFT JOIN radiologist r ON r.radiologist_id = ids.id"
            + " LEFT JOIN (SELECT radiologist_id, count(*) AS open_studies FROM radiologist_worklist"
            + "            GROUP BY radiologist_id) o ON o.radiologist_id = ids.id"
            + " ORDER BY coalesce(r.display_name, ids.id), ids.id";

    // FOR UPDATE serialises concurrent actions on one study: the second waits for the first to
    // commit and then sees its claim, which is what turns a race into one 200 and one 409.
    private static final String LOCK_ENTRY = "SELECT status, claimed_by FROM worklist_entry"
            + " WHERE study_instance_uid = ? AND archived_at IS NULL FOR UPDATE";

    private static final String UPDATE_ENTRY = "UPDATE worklist_entry SET status = ?, claimed_by = ?,"
            + " last_action_id = ? WHERE study_instance_uid = ?";

    private static final String INSERT_ACTION = "INSERT INTO reading_action"
            + " (study_instance_uid, radiologist_id, action, comment) VALUES (?, ?, ?, ?) RETURNING id";

    /** SQLStates of a connection that is gone: class 08 and the server's shutdown / crash / starting up. */
    private static final Set<String> BROKEN_STATES = Set.of("57P01", "57P02", "57P03");

    private final DataSource dataSource;
    private final Runnable onBrokenConnection;

    WorklistStore(DataSource dataSource) {
        this(dataSource, () -> { });
    }

    WorklistStore(DataSource dataSource, Runnable onBrokenConnection) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.onBrokenConnection = Objects.requireNonNull(onBrokenConnection, "onBrokenConnection");
    }

    /** The radiologist's open studies in reading order (first = read first); empty when none. */
    List<WorklistItem> worklist(String radiologist) throws SQLException {
        return withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement(WORKLIST)) {
                s.setString(1, radiologist);
                List<WorklistItem> items = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        items.add(item(rs));
                    }
                }
                return items;
            }
        });
    }

    /** Whether the radiologist is registered or has ever been assigned a study (see V4__radiologist.sql). */
    boolean isKnown(String radiologist) throws SQLException {
        return withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement(KNOWN)) {
                s.setString(1, radiologist);
                s.setString(2, radiologist);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    /** Registered radiologists and those with open studies, by display name. */
    List<Radiologist> radiologists() throws SQLException {
        return withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement(RADIOLOGISTS);
                 ResultSet rs = s.executeQuery()) {
                List<Radiologist> result = new ArrayList<>();
                while (rs.next()) {
                    result.add(new Radiologist(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                            rs.getLong(5)));
                }
                return result;
            }
        });
    }

    /**
     * Performs {@code action} of {@code radiologist} on an open study in one transaction: lock the
     * entry, check the rule, update status and claimer, record the action. The study may be on a
     * colleague's worklist (covering a queue); its assignment is prioritization's to change.
     *
     * @throws ApiException 404 when the study is not open on any worklist, 409 when
     *                      the rules of {@link ReadingAction} forbid the action
     */
    ActionResult act(String radiologist, String studyUid, ReadingAction action, String comment) throws SQLException {
        return withConnection(c -> {
            c.setAutoCommit(false);
            ActionResult result;
            try {
                result = act(c, radiologist, studyUid, action, comment);
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
            try {
                c.commit();
            } catch (SQLException e) {
                rollback(c, e);
                throw new CommitFailed(e);
            }
            return result;
        });
    }

    private static ActionResult act(Connection c, String radiologist, String studyUid, ReadingAction action,
                                    String comment) throws SQLException {
        String status;
        String claimedBy;
        try (PreparedStatement lock = c.prepareStatement(LOCK_ENTRY)) {
            lock.setString(1, studyUid);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw ApiException.notFound("study_not_found",
                            "Study " + studyUid + " is not on any open worklist.");
                }
                status = rs.getString(1);
                claimedBy = rs.getString(2);
            }
        }
        ReadingAction.Transition next = action.apply(radiologist, status, claimedBy);
        if (!next.recorded()) {
            return new ActionResult(studyUid, radiologist, action.name(), status, claimedBy, null);
        }
        String actionId;
        try (PreparedStatement insert = c.prepareStatement(INSERT_ACTION)) {
            insert.setString(1, studyUid);
            insert.setString(2, radiologist);
            insert.setString(3, action.name());
            insert.setString(4, comment);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                actionId = rs.getString(1);
            }
        }
        // The action's id goes with the new status: the sink keeps this status until an event that
        // has folded this very action arrives (see WorklistSql.UPSERT).
        try (PreparedStatement update = c.prepareStatement(UPDATE_ENTRY)) {
            update.setString(1, next.status());
            update.setString(2, next.claimedBy());
            update.setString(3, actionId);
            update.setString(4, studyUid);
            update.executeUpdate();
        }
        return new ActionResult(studyUid, radiologist, action.name(), next.status(), next.claimedBy(), actionId);
    }

    /** Runs a trivial query; throws when the database cannot be reached. */
    void ping() throws SQLException {
        withConnection(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT 1");
                 ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        });
    }

    /**
     * Runs {@code work} on a borrowed connection, and once more on another when the first turns
     * out to be broken (see the class documentation). Failing to get a connection at all is not
     * retried: the pool has already waited its timeout.
     */
    private <T> T withConnection(Work<T> work) throws SQLException {
        Connection first = dataSource.getConnection();
        try (first) {
            return work.run(first);
        } catch (SQLException e) {
            if (e instanceof CommitFailed || !isBroken(e)) {
                throw e;
            }
            log.info("A database connection was found broken ({}); dropping idle ones and retrying once on a"
                    + " fresh connection", SqlErrors.describe(e));
            onBrokenConnection.run();
        }
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        }
    }

    private static boolean isBroken(SQLException e) {
        String state = SqlErrors.sqlState(e);
        return state != null && (state.startsWith("08") || BROKEN_STATES.contains(state));
    }

    /** Work on one connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** A commit that failed: it may or may not have committed, so it is never retried. */
    private static final class CommitFailed extends SQLException {
        private static final long serialVersionUID = 1L;

        CommitFailed(SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
        }
    }

    private static WorklistItem item(ResultSet rs) throws SQLException {
        double studyScore = rs.getDouble("study_score");
        Double boxedStudyScore = rs.wasNull() ? null : studyScore;
        Array reasons = rs.getArray("reasons");
        List<String> reasonList = reasons == null ? List.of() : Arrays.asList((String[]) reasons.getArray());
        Timestamp waitingSince = rs.getTimestamp("waiting_since");
        return new WorklistItem(rs.getInt("reading_order"), rs.getString("study_instance_uid"),
                rs.getString("accession_number"), rs.getString("priority_class"), rs.getDouble("priority_score"),
                boxedStudyScore, rs.getString("model_name"), rs.getString("model_version"), reasonList,
                rs.getString("status"), rs.getString("claimed_by"), waitingSince.toInstant().toString(),
                rs.getLong("minutes_waiting"), rs.getBoolean("patient_in_clinic"), rs.getString("clinic_id"));
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
