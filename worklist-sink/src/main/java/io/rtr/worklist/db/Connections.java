package io.rtr.worklist.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opening and dropping the sink's own (unpooled) Postgres connections. */
final class Connections {

    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private Connections() {
    }

    /** A new connection to {@code url} whose transactions the caller commits (auto-commit off). */
    static Connection openTransactional(String url, Properties properties) throws SQLException {
        Connection opened = DriverManager.getConnection(url, properties);
        try {
            opened.setAutoCommit(false);
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
        return opened;
    }

    /**
     * Closes {@code connection} (to {@code url}, for the log), if any, ignoring a failure: closing a
     * broken connection fails often and there is nothing left to save on it.
     */
    static void closeQuietly(Connection connection, String url) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("Ignoring failure to close a broken connection to {}: {}", url, e.toString());
        }
    }
}
