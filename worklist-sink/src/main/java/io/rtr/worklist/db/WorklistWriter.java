package io.rtr.worklist.db;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@link WorklistChange}s into {@code worklist_entry}: batched version-guarded upserts and
 * tombstone archiving, one transaction per {@link #write} call. Each transaction holds the write
 * lock shared, so that it never overlaps a batch of the {@link ArchivePurger}; an insert of a purged
 * study at a version its marker covers is dropped by the table's trigger (V6__archive_purge.sql).
 *
 * <p>Owns one JDBC connection, opened on first use and dropped after a failure that
 * {@link SqlErrors} calls retriable, so the next call reconnects. Not thread-safe: one writer per
 * sink task. Failures are thrown as the driver's {@link SQLException} for the caller to classify
 * with {@link SqlErrors#classify}; the transaction is rolled back first, so a failed call leaves
 * nothing half-written.
 */
public final class WorklistWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorklistWriter.class);

    private final String url;
    private final Properties connectionProperties;
    private Connection connection;
    private PreparedStatement upsert;
    private PreparedStatement archive;
    private PreparedStatement writeLock;

    /**
     * A writer for the database at {@code url} (a {@code jdbc:postgresql:} URL) with driver
     * {@code connectionProperties} (user, password, timeouts); it connects on the first write.
     */
    public WorklistWriter(String url, Properties connectionProperties) {
        this.url = Objects.requireNonNull(url, "url");
        this.connectionProperties = new Properties();
        this.connectionProperties.putAll(connectionProperties);
    }

    /**
     * Applies {@code changes} in order in one transaction. Consecutive upserts go to Postgres as one
     * JDBC batch and consecutive tombstones as one statement; within such a run only the newest
     * version of a study is sent, which is what the version guard would keep anyway and keeps the
     * batch valid should the driver rewrite it into one multi-row INSERT.
     */
    public WriteResult write(List<WorklistChange> changes) throws SQLException {
        if (changes.isEmpty()) {
            return WriteResult.EMPTY;
        }
        Connection c = connection();
        try {
            // Shared with every other writer; a purge batch takes it exclusively (see ArchivePurger).
            writeLockStatement(c).execute();
            WriteResult result = WriteResult.EMPTY;
            int start = 0;
            while (start < changes.size()) {
                boolean tombstones = changes.get(start).isTombstone();
                int end = start;
                while (end < changes.size() && changes.get(end).isTombstone() == tombstones) {
                    end++;
                }
                List<WorklistChange> run = changes.subList(start, end);
                result = result.plus(tombstones ? archive(c, run) : upsert(c, run));
                start = end;
            }
            c.commit();
            log.debug("Wrote {} worklist changes: {}", changes.size(), result);
            return result;
        } catch (SQLException e) {
            rollback(e);
            throw e;
        }
    }

    private WriteResult upsert(Connection c, List<WorklistChange> run) throws SQLException {
        Map<String, WorklistChange> newest = new LinkedHashMap<>();
        for (WorklistChange change : run) {
            newest.merge(change.studyInstanceUid(), change,
                    (a, b) -> b.entry().getVersion() > a.entry().getVersion() ? b : a);
        }
        PreparedStatement statement = upsertStatement(c);
        for (WorklistChange change : newest.values()) {
            bind(c, statement, WorklistRow.of(change.entry()));
            statement.addBatch();
        }
        int upserted = 0;
        for (int count : statement.executeBatch()) {
            // SUCCESS_NO_INFO (-2) only comes back from rewritten batches; count it as written.
            if (count > 0 || count == PreparedStatement.SUCCESS_NO_INFO) {
                upserted++;
            }
        }
        return new WriteResult(upserted, run.size() - upserted, 0);
    }

    private WriteResult archive(Connection c, List<WorklistChange> run) throws SQLException {
        Set<String> uids = new LinkedHashSet<>();
        for (WorklistChange change : run) {
            uids.add(change.studyInstanceUid());
        }
        PreparedStatement statement = archiveStatement(c);
        Array array = c.createArrayOf("text", uids.toArray(new String[0]));
        try {
            statement.setArray(1, array);
            return new WriteResult(0, 0, statement.executeUpdate());
        } finally {
            array.free();
        }
    }

    private static void bind(Connection c, PreparedStatement statement, WorklistRow row) throws SQLException {
        List<Object> values = row.values();
        for (int i = 0; i < values.size(); i++) {
            int index = i + 1;
            Object value = values.get(i);
            if (value == null) {
                statement.setNull(index, WorklistSql.UPSERT_COLUMNS.get(i).equals("study_score")
                        ? Types.DOUBLE : Types.VARCHAR);
            } else if (value instanceof String[] strings) {
                statement.setArray(index, c.createArrayOf("text", strings));
            } else if (value instanceof OffsetDateTime time) {
                statement.setObject(index, time, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                statement.setObject(index, value);
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            closeQuietly();
            connection = Connections.openTransactional(url, connectionProperties);
            log.info("Connected to {}", url);
        }
        return connection;
    }

    private PreparedStatement upsertStatement(Connection c) throws SQLException {
        if (upsert == null) {
            upsert = c.prepareStatement(WorklistSql.UPSERT);
        }
        return upsert;
    }

    private PreparedStatement writeLockStatement(Connection c) throws SQLException {
        if (writeLock == null) {
            writeLock = c.prepareStatement("SELECT pg_advisory_xact_lock_shared(?)");
            writeLock.setLong(1, ArchivePurger.WRITE_LOCK);
        }
        return writeLock;
    }

    private PreparedStatement archiveStatement(Connection c) throws SQLException {
        if (archive == null) {
            archive = c.prepareStatement(WorklistSql.ARCHIVE);
        }
        return archive;
    }

    private void rollback(SQLException cause) {
        if (SqlErrors.classify(cause) == SqlFailure.RETRIABLE) {
            // The connection is gone or unusable; a fresh one on the next call is the only cure.
            closeQuietly();
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
            closeQuietly();
        }
    }

    private void closeQuietly() {
        Connections.closeQuietly(connection, url);
        connection = null;
        upsert = null;
        archive = null;
        writeLock = null;
    }

    /** Closes the connection; a later {@link #write} opens a new one. */
    @Override
    public void close() {
        if (connection != null) {
            closeQuietly();
            log.info("Disconnected from {}", url);
        }
    }

    /** Test seam: the open connection, or null. */
    Connection currentConnection() {
        return connection;
    }
}
