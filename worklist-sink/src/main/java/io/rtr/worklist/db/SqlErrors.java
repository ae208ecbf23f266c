package io.rtr.worklist.db;

import java.io.IOException;
import java.net.SocketException;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;

/**
 * Classifies {@link SQLException}s from Postgres into {@link SqlFailure}s by SQLState, so that a
 * database that is down is retried and a record that breaks a constraint is dead-lettered instead
 * of both being retried blindly.
 */
public final class SqlErrors {

    /**
     * Single SQLStates outside the always-retriable classes that a retry can cure: serialization
     * failure and deadlock (40001, 40P01), admin/crash shutdown and "starting up" (57P01-57P03),
     * statement cancelled or timed out (57014), lock not available (55P03).
     */
    private static final Set<String> RETRIABLE_STATES =
            Set.of("40001", "40P01", "57P01", "57P02", "57P03", "57014", "55P03");

    private SqlErrors() {
    }

    /**
     * The kind of {@code failure}. A {@link BatchUpdateException} from pgjdbc says only "batch
     * entry n was aborted": the reason is its next exception, so the chain is searched for the
     * first SQLState.
     */
    public static SqlFailure classify(SQLException failure) {
        String state = sqlState(failure);
        if (state == null) {
            // No SQLState: pgjdbc raises these for I/O failures (socket closed mid-query) and the
            // driver's own transient conditions, both worth a retry; anything else is unexplained.
            return isTransient(failure) ? SqlFailure.RETRIABLE : SqlFailure.FATAL;
        }
        String sqlClass = state.length() >= 2 ? state.substring(0, 2) : state;
        switch (sqlClass) {
            case "08": // connection exception
            case "53": // insufficient resources: too many connections, disk full, out of memory
            case "58": // system error (I/O error in the server)
                return SqlFailure.RETRIABLE;
            case "22": // data exception: value too long, invalid datetime, numeric out of range
            case "23": // integrity constraint violation: check, not null, foreign key, unique
                return SqlFailure.BAD_RECORD;
            default:
                return RETRIABLE_STATES.contains(state) ? SqlFailure.RETRIABLE : SqlFailure.FATAL;
        }
    }

    /** The first SQLState on the exception chain (the cause and next-exception links), or null. */
    public static String sqlState(SQLException failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * One line for logs and dead-letter reasons: the SQLState and the message of the exception that
     * carries it. For a failed batch that is the server's error rather than pgjdbc's "Batch entry n
     * ... was aborted", which repeats the whole statement.
     */
    public static String describe(SQLException failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && !(sql instanceof BatchUpdateException)) {
                return "SQLState " + sql.getSQLState() + ": " + sql.getMessage();
            }
        }
        return "no SQLState: " + failure;
    }

    private static boolean isTransient(SQLException failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SocketException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable next(Throwable t) {
        if (t instanceof SQLException sql && sql.getNextException() != null && sql.getNextException() != t) {
            return sql.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }
}
