package io.rtr.worklist;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The migrated test database: its URL, the owner (superuser) and helpers to connect. */
public record TestDatabase(String url, String user, int port) {

    /** Driver properties for the owner. */
    public Properties ownerProperties() {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("connectTimeout", "5");
        return properties;
    }

    /** An unpooled DataSource connecting as the owner, as the API is given in production. */
    public DataSource ownerDataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser(user);
        ds.setConnectTimeout(5);
        return ds;
    }

    /** A new auto-commit connection as the owner. */
    public Connection connectAsOwner() throws SQLException {
        return DriverManager.getConnection(url, ownerProperties());
    }

    /** A new connection as {@code role}; the embedded server trusts local connections, so no password. */
    public Connection connectAs(String role) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", role);
        return DriverManager.getConnection(url, properties);
    }

    /** Creates a login role for {@code radiologist} in the radiologist group, as an operator would. */
    public void createRadiologistRole(String radiologist) throws SQLException {
        try (Connection c = connectAsOwner(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE \"" + radiologist + "\" LOGIN IN ROLE radiologist");
        }
    }
}
