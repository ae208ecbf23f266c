package io.rtr.worklist.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Opening the sink's own (unpooled) Postgres connections. */
final class Connections {

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
}
