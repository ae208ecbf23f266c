package io.rtr.worklist.sink;

import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Configuration of the worklist sink connector and its tasks, parsed once. */
public final class WorklistSinkConfig extends AbstractConfig {

    private static final String CONNECTION_GROUP = "Connection";
    private static final String WRITES_GROUP = "Writes";
    private static final String RETRIES_GROUP = "Retries";
    private static final String REGISTRY_GROUP = "Schema registry";
    private static final String RETENTION_GROUP = "Retention";

    public static final String CONNECTION_URL_CONFIG = "connection.url";
    public static final String CONNECTION_URL_DOC = "JDBC URL of the worklist database,"
            + " e.g. jdbc:postgresql://127.0.0.1:5433/rtr.";

    public static final String CONNECTION_USER_CONFIG = "connection.user";
    public static final String CONNECTION_USER_DEFAULT = "rtr";
    public static final String CONNECTION_USER_DOC = "Database user; it should own the worklist tables"
            + " (row-level security does not restrict the owner).";

    public static final String CONNECTION_PASSWORD_CONFIG = "connection.password";
    public static final String CONNECTION_PASSWORD_DOC = "Password of connection.user; empty for trust authentication.";

    public static final String CONNECTION_TIMEOUT_MS_CONFIG = "connection.timeout.ms";
    public static final long CONNECTION_TIMEOUT_MS_DEFAULT = 10_000L;
    public static final String CONNECTION_TIMEOUT_MS_DOC = "Milliseconds to connect and log in before the"
            + " attempt counts as a retriable failure (rounded up to whole seconds for the driver).";

    public static final String AUTO_MIGRATE_CONFIG = "auto.migrate";
    public static final boolean AUTO_MIGRATE_DEFAULT = false;
    public static final String AUTO_MIGRATE_DOC = "Whether each task applies the worklist schema migrations"
            + " on start; needs a user allowed to create tables and roles. Off by default so that"
            + " production schema changes stay an operator's decision.";

    public static final String BATCH_SIZE_CONFIG = "batch.size";
    public static final int BATCH_SIZE_DEFAULT = 1000;
    public static final String BATCH_SIZE_DOC = "Most records written in one transaction; a put() with more"
            + " is written in several.";

    public static final String MAX_RETRIES_CONFIG = "max.retries";
    public static final int MAX_RETRIES_DEFAULT = 10;
    public static final String MAX_RETRIES_DOC = "Retries of a batch after a retriable database failure"
            + " (unreachable, restarting, serialization failure) before the task fails.";

    public static final String RETRY_BACKOFF_MS_CONFIG = "retry.backoff.ms";
    public static final long RETRY_BACKOFF_MS_DEFAULT = 1_000L;
    public static final String RETRY_BACKOFF_MS_DOC = "Milliseconds before the first retry; doubles with"
            + " each retry up to retry.backoff.max.ms.";

    public static final String RETRY_BACKOFF_MAX_MS_CONFIG = "retry.backoff.max.ms";
    public static final long RETRY_BACKOFF_MAX_MS_DEFAULT = 30_000L;
    public static final String RETRY_BACKOFF_MAX_MS_DOC = "Longest wait between retries; at least retry.backoff.ms."
            + " With the defaults a task rides out about 3 minutes of database downtime.";

    public static final String ARCHIVE_RETENTION_MS_CONFIG = "archive.retention.ms";
    public static final long ARCHIVE_RETENTION_MS_DEFAULT = Duration.ofDays(30).toMillis();
    public static final String ARCHIVE_RETENTION_MS_DOC = "Milliseconds an archived worklist row (a study"
            + " whose tombstone arrived) is kept before the sink purges it with its reading_action rows;"
            + " a marker of the study's UID and last version stays, so a replayed old record cannot reopen"
            + " it. -1 keeps archived rows forever. Default 30 days. The Kafka topics remain the audit"
            + " trail; this only bounds the tables.";

    public static final String ARCHIVE_PURGE_INTERVAL_MS_CONFIG = "archive.purge.interval.ms";
    public static final long ARCHIVE_PURGE_INTERVAL_MS_DEFAULT = Duration.ofHours(1).toMillis();
    public static final String ARCHIVE_PURGE_INTERVAL_MS_DOC = "Milliseconds between purges of archived rows;"
            + " a task also purges once when it starts. One task purges at a time (a Postgres advisory"
            + " lock); the others skip that run.";

    public static final String ARCHIVE_PURGE_BATCH_SIZE_CONFIG = "archive.purge.batch.size";
    public static final int ARCHIVE_PURGE_BATCH_SIZE_DEFAULT = 1000;
    public static final String ARCHIVE_PURGE_BATCH_SIZE_DOC = "Most archived rows deleted in one transaction;"
            + " a backlog is purged in as many short transactions as it takes, so no purge holds locks"
            + " for long.";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_DOC = AvroSerdeConfig.SCHEMA_REGISTRY_URL_DOC;

    /** application_name of the sink's connections, so pg_stat_activity tells them apart. */
    public static final String APPLICATION_NAME = "rtr-worklist-sink";

    /** Every key of the connector; the Connect REST API and validate() use it. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONNECTION_URL_CONFIG, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.LambdaValidator.with(WorklistSinkConfig::ensurePostgresUrl,
                            () -> "a jdbc:postgresql: URL"),
                    ConfigDef.Importance.HIGH, CONNECTION_URL_DOC, CONNECTION_GROUP, 1,
                    ConfigDef.Width.LONG, "JDBC URL")
            .define(CONNECTION_USER_CONFIG, ConfigDef.Type.STRING, CONNECTION_USER_DEFAULT,
                    new ConfigDef.NonEmptyString(), ConfigDef.Importance.HIGH, CONNECTION_USER_DOC,
                    CONNECTION_GROUP, 2, ConfigDef.Width.MEDIUM, "User")
            .define(CONNECTION_PASSWORD_CONFIG, ConfigDef.Type.PASSWORD, "", null,
                    ConfigDef.Importance.HIGH, CONNECTION_PASSWORD_DOC, CONNECTION_GROUP, 3,
                    ConfigDef.Width.MEDIUM, "Password")
            .define(CONNECTION_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, CONNECTION_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.between(1, Integer.MAX_VALUE), ConfigDef.Importance.LOW,
                    CONNECTION_TIMEOUT_MS_DOC, CONNECTION_GROUP, 4, ConfigDef.Width.SHORT, "Connect timeout (ms)")
            .define(AUTO_MIGRATE_CONFIG, ConfigDef.Type.BOOLEAN, AUTO_MIGRATE_DEFAULT, null,
                    ConfigDef.Importance.MEDIUM, AUTO_MIGRATE_DOC, CONNECTION_GROUP, 5,
                    ConfigDef.Width.SHORT, "Apply migrations on start")
            .define(BATCH_SIZE_CONFIG, ConfigDef.Type.INT, BATCH_SIZE_DEFAULT, ConfigDef.Range.between(1, 100_000),
                    ConfigDef.Importance.MEDIUM, BATCH_SIZE_DOC, WRITES_GROUP, 1, ConfigDef.Width.SHORT,
                    "Batch size")
            .define(MAX_RETRIES_CONFIG, ConfigDef.Type.INT, MAX_RETRIES_DEFAULT, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.MEDIUM, MAX_RETRIES_DOC, RETRIES_GROUP, 1, ConfigDef.Width.SHORT,
                    "Max retries")
            .define(RETRY_BACKOFF_MS_CONFIG, ConfigDef.Type.LONG, RETRY_BACKOFF_MS_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW, RETRY_BACKOFF_MS_DOC, RETRIES_GROUP, 2,
                    ConfigDef.Width.SHORT, "Retry backoff (ms)")
            .define(RETRY_BACKOFF_MAX_MS_CONFIG, ConfigDef.Type.LONG, RETRY_BACKOFF_MAX_MS_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW, RETRY_BACKOFF_MAX_MS_DOC, RETRIES_GROUP, 3,
                    ConfigDef.Width.SHORT, "Max retry backoff (ms)")
            .define(ARCHIVE_RETENTION_MS_CONFIG, ConfigDef.Type.LONG, ARCHIVE_RETENTION_MS_DEFAULT,
                    ConfigDef.Range.atLeast(-1), ConfigDef.Importance.MEDIUM, ARCHIVE_RETENTION_MS_DOC,
                    RETENTION_GROUP, 1, ConfigDef.Width.MEDIUM, "Archived row retention (ms)")
            .define(ARCHIVE_PURGE_INTERVAL_MS_CONFIG, ConfigDef.Type.LONG, ARCHIVE_PURGE_INTERVAL_MS_DEFAULT,
                    ConfigDef.Range.between(1_000, Integer.MAX_VALUE), ConfigDef.Importance.LOW,
                    ARCHIVE_PURGE_INTERVAL_MS_DOC, RETENTION_GROUP, 2, ConfigDef.Width.SHORT, "Purge interval (ms)")
            .define(ARCHIVE_PURGE_BATCH_SIZE_CONFIG, ConfigDef.Type.INT, ARCHIVE_PURGE_BATCH_SIZE_DEFAULT,
                    ConfigDef.Range.between(1, 100_000), ConfigDef.Importance.LOW, ARCHIVE_PURGE_BATCH_SIZE_DOC,
                    RETENTION_GROUP, 3, ConfigDef.Width.SHORT, "Purge batch size")
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
                    ConfigDef.LambdaValidator.with(WorklistSinkConfig::ensureNonEmptyList,
                            () -> "one or more URLs"),
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC, REGISTRY_GROUP, 1,
                    ConfigDef.Width.LONG, "Schema registry URLs");

    /**
     * Parses and checks {@code props}.
     *
     * @throws ConfigException when a key is missing or invalid, or retry.backoff.max.ms is below
     *     retry.backoff.ms
     */
    public WorklistSinkConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props);
        if (retryBackoffMax().compareTo(retryBackoff()) < 0) {
            throw new ConfigException(RETRY_BACKOFF_MAX_MS_CONFIG, getLong(RETRY_BACKOFF_MAX_MS_CONFIG),
                    "must be at least " + RETRY_BACKOFF_MS_CONFIG + " (" + getLong(RETRY_BACKOFF_MS_CONFIG) + ")");
        }
    }

    /** The JDBC URL. */
    public String connectionUrl() {
        return getString(CONNECTION_URL_CONFIG);
    }

    /**
     * Driver properties: user, password, connect and login timeouts, and an application name so
     * that pg_stat_activity shows which connections are the sink's.
     */
    public Properties connectionProperties() {
        Properties properties = new Properties();
        properties.setProperty("user", getString(CONNECTION_USER_CONFIG));
        Password password = getPassword(CONNECTION_PASSWORD_CONFIG);
        if (password != null && !password.value().isEmpty()) {
            properties.setProperty("password", password.value());
        }
        long timeoutSeconds = Math.max(1, (getLong(CONNECTION_TIMEOUT_MS_CONFIG) + 999) / 1000);
        properties.setProperty("connectTimeout", Long.toString(timeoutSeconds));
        properties.setProperty("loginTimeout", Long.toString(timeoutSeconds));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        // One multi-row INSERT per batch instead of one statement per row: 3-4x the upserts/s
        // (about 7,000/s without, 20,000-30,000/s with, on the 2-core dev machine). The writer
        // keeps only the newest version of a study per run, which a multi-row ON CONFLICT needs.
        // A URL parameter reWriteBatchedInserts=false overrides it.
        properties.setProperty("reWriteBatchedInserts", "true");
        // Keeps row values (Postgres's "Failing row contains ...") and bound parameters out of
        // exception messages, which end up in logs and dead-letter reasons.
        properties.setProperty("logServerErrorDetail", "false");
        return properties;
    }

    /** Whether tasks apply migrations on start. */
    public boolean autoMigrate() {
        return getBoolean(AUTO_MIGRATE_CONFIG);
    }

    /** Most records per transaction. */
    public int batchSize() {
        return getInt(BATCH_SIZE_CONFIG);
    }

    /** Retries of a batch before the task fails. */
    public int maxRetries() {
        return getInt(MAX_RETRIES_CONFIG);
    }

    /** Wait before the first retry. */
    public Duration retryBackoff() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MS_CONFIG));
    }

    /** Longest wait between retries. */
    public Duration retryBackoffMax() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS_CONFIG));
    }

    /**
     * The wait before retry number {@code attempt} (1 for the first): retry.backoff.ms doubled per
     * earlier retry, capped at retry.backoff.max.ms.
     */
    public Duration backoffBefore(int attempt) {
        long base = getLong(RETRY_BACKOFF_MS_CONFIG);
        long max = getLong(RETRY_BACKOFF_MAX_MS_CONFIG);
        int doublings = Math.max(0, Math.min(attempt - 1, 62));
        long wait = base == 0 ? 0 : (doublings >= Long.numberOfLeadingZeros(base) - 1 ? max : base << doublings);
        return Duration.ofMillis(Math.min(wait, max));
    }

    /** How long archived rows are kept before they are purged; empty when they are kept forever (-1). */
    public Optional<Duration> archiveRetention() {
        long ms = getLong(ARCHIVE_RETENTION_MS_CONFIG);
        return ms < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
    }

    /** Time between purges. */
    public Duration archivePurgeInterval() {
        return Duration.ofMillis(getLong(ARCHIVE_PURGE_INTERVAL_MS_CONFIG));
    }

    /** Most archived rows per purge transaction. */
    public int archivePurgeBatchSize() {
        return getInt(ARCHIVE_PURGE_BATCH_SIZE_CONFIG);
    }

    /** The settings the Avro deserializer reads (schema.registry.* keys; the rest it ignores). */
    public Map<String, Object> serdeConfigs() {
        return originals();
    }

    private static void ensurePostgresUrl(String name, Object value) {
        if (value == null || !value.toString().startsWith("jdbc:postgresql:")) {
            throw new ConfigException(name, value, "must be a jdbc:postgresql: URL; only Postgres is supported");
        }
    }

    private static void ensureNonEmptyList(String name, Object value) {
        if (!(value instanceof List<?> list) || list.stream().allMatch(v -> v.toString().isBlank())) {
            throw new ConfigException(name, value, "at least one schema registry URL is required");
        }
    }
}
