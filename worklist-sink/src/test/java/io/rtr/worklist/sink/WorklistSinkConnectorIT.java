package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The connector's validate() against a real server: a good database, and one without the schema. */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistSinkConnectorIT {

    private final TestDatabase db;

    WorklistSinkConnectorIT(TestDatabase db) {
        this.db = db;
    }

    private Map<String, String> configFor(String url) {
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, url);
        props.put(WorklistSinkConfig.CONNECTION_USER_CONFIG, db.user());
        return props;
    }

    private static ConfigValue connectionUrl(Config config) {
        return WorklistSinkConnectorTest.value(config, WorklistSinkConfig.CONNECTION_URL_CONFIG).orElseThrow();
    }

    @Test
    void acceptsAMigratedDatabase() {
        Config result = new WorklistSinkConnector().validate(configFor(db.url()));

        assertThat(result.configValues()).allSatisfy(v -> assertThat(v.errorMessages()).as(v.name()).isEmpty());
    }

    @Test
    void reportsADatabaseWithoutTheWorklistSchemaUnlessItWillMigrate() throws SQLException {
        String database = "empty_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = db.connectAsOwner(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String url = db.url().substring(0, db.url().lastIndexOf('/') + 1) + database;

        Config withoutMigration = new WorklistSinkConnector().validate(configFor(url));
        Map<String, String> migrating = configFor(url);
        migrating.put(WorklistSinkConfig.AUTO_MIGRATE_CONFIG, "true");
        Config withMigration = new WorklistSinkConnector().validate(migrating);

        assertThat(connectionUrl(withoutMigration).errorMessages()).singleElement().asString()
                .contains("no worklist_entry table");
        assertThat(connectionUrl(withMigration).errorMessages()).isEmpty();
    }
}
