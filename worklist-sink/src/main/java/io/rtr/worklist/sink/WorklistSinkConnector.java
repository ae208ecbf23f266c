package io.rtr.worklist.sink;

import io.rtr.worklist.db.SqlErrors;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Connect sink that writes the compacted {@code rtr.worklist} topic into the Postgres
 * worklist tables; all work happens in {@link WorklistSinkTask}.
 *
 * <p>Example configuration: {@code connector.class=io.rtr.worklist.sink.WorklistSinkConnector},
 * {@code topics=rtr.worklist}, {@code connection.url=jdbc:postgresql://127.0.0.1:5433/rtr},
 * {@code schema.registry.url=http://127.0.0.1:8081},
 * {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter},
 * {@code key.converter=org.apache.kafka.connect.storage.StringConverter},
 * {@code errors.tolerance=all}, {@code errors.deadletterqueue.topic.name=rtr.worklist.dlq}.
 */
public final class WorklistSinkConnector extends SinkConnector {

    /** Version reported to Connect for the connector and its tasks. */
    public static final String VERSION = "0.1.0";

    static final String VALUE_CONVERTER_CONFIG = "value.converter";
    static final String BYTE_ARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

    private static final Logger log = LoggerFactory.getLogger(WorklistSinkConnector.class);

    private Map<String, String> props;

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        // Parsed only to fail fast on a bad configuration; the tasks parse their own copy.
        new WorklistSinkConfig(props);
        this.props = Map.copyOf(props);
        log.info("Worklist sink connector started");
    }

    @Override
    public Class<? extends Task> taskClass() {
        return WorklistSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        // Every task writes any study: the version guard, not partition ownership, orders writes.
        List<Map<String, String>> configs = new ArrayList<>(maxTasks);
        for (int i = 0; i < maxTasks; i++) {
            configs.add(new HashMap<>(props));
        }
        return configs;
    }

    @Override
    public void stop() {
        log.info("Worklist sink connector stopped");
    }

    @Override
    public ConfigDef config() {
        return WorklistSinkConfig.CONFIG_DEF;
    }

    /**
     * Checks each key, then the rules spanning keys, then that the database can be reached and has
     * the worklist schema; a problem is reported on the key that causes it (the database on
     * connection.url) instead of being thrown, so the Connect REST API shows it next to the field.
     */
    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config result = super.validate(connectorConfigs);
        Map<String, ConfigValue> values = new HashMap<>();
        for (ConfigValue value : result.configValues()) {
            values.put(value.name(), value);
        }
        String converter = connectorConfigs.get(VALUE_CONVERTER_CONFIG);
        if (converter != null && !converter.trim().equals(BYTE_ARRAY_CONVERTER)) {
            ConfigValue value = new ConfigValue(VALUE_CONVERTER_CONFIG, converter, List.of(), new ArrayList<>());
            value.addErrorMessage("must be " + BYTE_ARRAY_CONVERTER
                    + ": the task decodes the Confluent wire format itself");
            result.configValues().add(value);
        }
        boolean keysValid = result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
        if (!keysValid) {
            return result;
        }
        WorklistSinkConfig config;
        try {
            config = new WorklistSinkConfig(connectorConfigs);
        } catch (ConfigException e) {
            values.get(WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG).addErrorMessage(e.getMessage());
            return result;
        }
        databaseProblem(config).ifPresent(problem ->
                values.get(WorklistSinkConfig.CONNECTION_URL_CONFIG).addErrorMessage(problem));
        return result;
    }

    /** Why the configured database cannot take writes, or empty when it can. */
    static Optional<String> databaseProblem(WorklistSinkConfig config) {
        try (Connection connection = DriverManager.getConnection(config.connectionUrl(),
                config.connectionProperties());
             PreparedStatement statement = connection.prepareStatement("SELECT to_regclass('worklist_entry')");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            if (rows.getString(1) == null && !config.autoMigrate()) {
                return Optional.of("database has no worklist_entry table: apply the migrations"
                        + " (or set " + WorklistSinkConfig.AUTO_MIGRATE_CONFIG + "=true)");
            }
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("cannot connect to the database as " + config.connectionProperties().getProperty("user")
                    + " (" + SqlErrors.describe(e) + ")");
        }
    }
}
