package io.rtr.worklist.db;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes {@code worklist_entry} rows archived longer ago than a retention, with their
 * {@code reading_action} rows, in bounded batches (one short transaction each), and leaves a marker
 * per study in {@code worklist_entry_purged} so that a replayed old event cannot reopen it (see
 * {@code V6__archive_purge.sql}).
 *
 * <p>Concurrency: one purger at a time across every sink task, by a session advisory lock taken
 * with {@code pg_try_advisory_lock} (a task that does not get it skips the run: another is
 * purging). Each batch takes {@link #WRITE_LOCK} exclusively, which every {@link WorklistWriter}
 * transaction holds shared: a batch therefore waits for the writes in flight and holds back new ones
 * for its few milliseconds. Without that, an insert that checked the markers before the batch
 * committed could land after the row it conflicted with was deleted (READ COMMITTED re-checks the
 * conflict, not the trigger) and reopen a read study.
 *
 * <p>Owns one JDBC connection, opened on first use and dropped after a failure. Not thread-safe.
 */
public final class ArchivePurger implements AutoCloseable {

    /** Session advisory lock of the purger: one purge at a time across every task and process. */
    static final long PURGER_LOCK = 0x5254_5750_5552_4745L;
    /** Transaction advisory lock: writers hold it shared, a purge batch exclusively. */
    static final long WRITE_LOCK = 0x5254_5757_5249_5445L;

    /** Longest wait of a batch for the writes in flight; past it the run ends and the next one retries. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(ArchivePurger.class);

    private static final String TRY_LOCK = "SELECT pg_try_advisory_lock(?)";
    private static final String UNLOCK = "SELECT pg_advisory_unlock(?)";
    private static final String BATCH_LOCK = "SELECT pg_advisory_xact_lock(?)";

    /**
     * Picks the oldest archived rows past the retention (by the database clock, which also set
     * archived_at), locks them, and records their markers; a study purged before, reopened and read
     * again keeps the higher version. Rows another transaction holds are left for the next batch.
     */
    private static final String MARK = "WITH doomed AS ("
            + " SELECT study_instance_uid, version, archived_at FROM worklist_entry"
            + " WHERE archived_at < now() - (? * interval '1 millisecond')"
            + " ORDER BY archived_at LIMIT ? FOR UPDATE SKIP LOCKED)"
            + " INSERT INTO worklist_entry_purged (study_instance_uid, version, archived_at)"
            + " SELECT study_instance_uid, version, archived_at FROM doomed"
            + " ON CONFLICT (study_instance_uid) DO UPDATE SET"
            + " version = greatest(worklist_entry_purged.version, EXCLUDED.version),"
            + " archived_at = EXCLUDED.archived_at, purged_at = now()"
            + " RETURNING study_instance_uid";

    private static final String DELETE_ACTIONS = "DELETE FROM reading_action WHERE study_instance_uid = ANY (?)";

    /** The rows are locked since MARK, so they are still archived; the condition only documents it. */
    private static final String DELETE_ENTRIES = "DELETE FROM worklist_entry"
            + " WHERE study_instance_uid = ANY (?) AND archived_at IS NOT NULL";

    private final String url;
    private final Properties connectionProperties;
    private Connection connection;

    /** A purger for the database at {@code url}; it connects on the first {@link #purge}. */
    public ArchivePurger(String url, Properties connectionProperties) {
        this.url = Objects.requireNonNull(url, "url");
        this.connectionProperties = new Properties();
        this.connectionProperties.putAll(connectionProperties);
    }

    /**
     * Purges rows archived more than {@code retention} ago, at most {@code batchSize} per
     * transaction, until none is left or {@code keepGoing} says stop (checked between batches).
     *
     * @return what was purged, or {@link PurgeResult#SKIPPED} when another purger holds the lock
     * @throws SQLException on a failure; batches committed before it stay purged
     */
    public PurgeResult purge(Duration retention, int batchSize, BooleanSupplier keepGoing) throws SQLException {
        if (retention.isNegative() || batchSize < 1) {
            throw new IllegalArgumentException("retention must be >= 0 and batch size >= 1, got " + retention
                    + " and " + batchSize);
        }
        Connection c = connection();
        try {
            if (!advisory(c, TRY_LOCK, PURGER_LOCK)) {
                c.commit();
                log.debug("Another purger holds the lock; skipping this run");
                return PurgeResult.SKIPPED;
            }
            c.commit();
        } catch (SQLException e) {
            closeQuietly();
            throw e;
        }
        PurgeResult total = PurgeResult.NONE;
        try {
            while (keepGoing.getAsBoolean()) {
                PurgeResult batch = batch(c, retention, batchSize);
                if (batch.entries() > 0) {
                    total = total.plus(batch);
                    log.debug("Purged a batch of {} archived worklist rows and {} reading actions",
                            batch.entries(), batch.actions());
                }
                if (batch.entries() < batchSize) {
                    break;
                }
            }
        } catch (SQLException e) {
            rollbackAndUnlock(c, e);
            throw e;
        }
        advisory(c, UNLOCK, PURGER_LOCK);
        c.commit();
        return total;
    }

    private static PurgeResult batch(Connection c, Duration retention, int batchSize) throws SQLException {
        try (Statement s = c.createStatement()) {
            // A batch waits for the writes in flight; a write that holds on longer than this is not
            // waited out (queued behind us, new writes would wait too) but retried at the next run.
            s.execute("SET LOCAL lock_timeout = " + LOCK_TIMEOUT.toMillis());
        }
        try (PreparedStatement lock = c.prepareStatement(BATCH_LOCK)) {
            lock.setLong(1, WRITE_LOCK);
            lock.execute();
        }
        List<String> uids = new ArrayList<>();
        try (PreparedStatement mark = c.prepareStatement(MARK)) {
            mark.setLong(1, retention.toMillis());
            mark.setInt(2, batchSize);
            try (ResultSet rs = mark.executeQuery()) {
                while (rs.next()) {
                    uids.add(rs.getString(1));
                }
            }
        }
        if (uids.isEmpty()) {
            c.commit();
            return PurgeResult.NONE;
        }
        Array array = c.createArrayOf("text", uids.toArray(new String[0]));
        try {
            int actions;
            int entries;
            // Actions first: they reference the entries.
            try (PreparedStatement delete = c.prepareStatement(DELETE_ACTIONS)) {
                delete.setArray(1, array);
                actions = delete.executeUpdate();
            }
            try (PreparedStatement delete = c.prepareStatement(DELETE_ENTRIES)) {
                delete.setArray(1, array);
                entries = delete.executeUpdate();
            }
            c.commit();
            return new PurgeResult(entries, actions, 1, false);
        } finally {
            array.free();
        }
    }

    private static boolean advisory(Connection c, String sql, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, key);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void rollbackAndUnlock(Connection c, SQLException cause) {
        try {
            c.rollback();
            advisory(c, UNLOCK, PURGER_LOCK);
            c.commit();
        } catch (SQLException e) {
            // The connection is unusable; closing it releases the session lock on the server.
            cause.addSuppressed(e);
            closeQuietly();
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            closeQuietly();
            connection = Connections.openTransactional(url, connectionProperties);
        }
        return connection;
    }

    private void closeQuietly() {
        Connections.closeQuietly(connection, url);
        connection = null;
    }

    /** Closes the connection (releasing the lock with it); a later {@link #purge} opens a new one. */
    @Override
    public void close() {
        closeQuietly();
    }

    /**
     * What one {@link #purge} did: archived rows and reading actions deleted, committed batches, and
     * whether the run was skipped because another purger held the lock.
     */
    public record PurgeResult(int entries, int actions, int batches, boolean skipped) {

        /** Nothing to purge. */
        public static final PurgeResult NONE = new PurgeResult(0, 0, 0, false);
        /** Another purger was running. */
        public static final PurgeResult SKIPPED = new PurgeResult(0, 0, 0, true);

        PurgeResult plus(PurgeResult other) {
            return new PurgeResult(entries + other.entries, actions + other.actions, batches + other.batches,
                    skipped || other.skipped);
        }
    }
}
