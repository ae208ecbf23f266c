package io.rtr.standalone.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresIT {

    @TempDir
    static Path dir;

    /** Shared by the tests; the restart test replaces it with the restarted server. */
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgres.builder(dir.resolve("postgres")).port(0).start();
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void servesTheRtrDatabaseWithLogicalReplication() throws SQLException {
        assertThat(postgres.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/rtr");
        assertThat(postgres.username()).isEqualTo("rtr");
        assertThat(postgres.password()).isEqualTo("rtr");
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SHOW wal_level")).isEqualTo("logical");
            assertThat(single(statement, "SELECT current_database()")).isEqualTo("rtr");
            assertThat(single(statement,
                    "SELECT rolreplication::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("true");
            assertThat(Integer.parseInt(single(statement, "SHOW max_replication_slots"))).isPositive();
        }
    }

    @Test
    void keepsDataAcrossRestarts() throws SQLException {
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (uid text PRIMARY KEY)");
            statement.execute("INSERT INTO kept VALUES ('1.2.840.1')");
        }
        postgres.close();

        postgres = EmbeddedPostgres.builder(dir.resolve("postgres")).port(0).start();

        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SELECT uid FROM kept")).isEqualTo("1.2.840.1");
        }
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as("a row from %s", sql).isTrue();
            return rows.getString(1);
        }
    }
}
