package io.rtr.worklist.api;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * How the worklist API connects to Postgres: the size and timeouts of its connection pool and the
 * driver settings of every connection, parsed once. Every key has a default, so an empty map is a
 * working configuration ({@link #defaults()}).
 *
 * <p>The defaults aim at a quick answer rather than a long queue: a request waits at most
 * {@value #POOL_WAIT_TIMEOUT_MS_DEFAULT} ms for a connection and then gets a 503, which is also
 * what it gets while Postgres is down.
 */
public final class WorklistPoolConfig extends AbstractConfig {

    private static final String POOL_GROUP = "Pool";
    private static final String CONNECTION_GROUP = "Connection";

    public static final String POOL_MAX_SIZE_CONFIG = "pool.max.size";
    public static final int POOL_MAX_SIZE_DEFAULT = 10;
    public static final String POOL_MAX_SIZE_DOC = "Connections the pool keeps open (it is a fixed-size pool:"
            + " idle ones are kept, not closed). Requests beyond this many at once wait for a free one."
            + " Every one is a Postgres backend process, and the change listener holds one more outside"
            + " the pool: keep the sum of all clients below the server's max_connections.";

    public static final String POOL_WAIT_TIMEOUT_MS_CONFIG = "pool.wait.timeout.ms";
    public static final long POOL_WAIT_TIMEOUT_MS_DEFAULT = 2_000L;
    public static final String POOL_WAIT_TIMEOUT_MS_DOC = "Milliseconds a request waits for a pooled connection"
            + " before it is answered 503 database_unavailable; it bounds the answer time while Postgres is"
            + " down or unreachable too, since the pool then has no connection to give. At least 250.";

    public static final String POOL_VALIDATION_TIMEOUT_MS_CONFIG = "pool.validation.timeout.ms";
    public static final long POOL_VALIDATION_TIMEOUT_MS_DEFAULT = 1_000L;
    public static final String POOL_VALIDATION_TIMEOUT_MS_DOC = "Milliseconds the pool gives a connection to"
            + " prove it is alive (it checks one that has been idle for more than half a second before"
            + " lending it, so that connections broken by a Postgres restart are replaced, not used)."
            + " At least 250 and below pool.wait.timeout.ms.";

    public static final String POOL_MAX_LIFETIME_MS_CONFIG = "pool.max.lifetime.ms";
    public static final long POOL_MAX_LIFETIME_MS_DEFAULT = 1_800_000L;
    public static final String POOL_MAX_LIFETIME_MS_DOC = "Milliseconds after which an idle connection is"
            + " closed and replaced; keep it some seconds below any idle-connection cutoff of the network or"
            + " the database. At least 30000.";

    public static final String POOL_KEEPALIVE_MS_CONFIG = "pool.keepalive.ms";
    public static final long POOL_KEEPALIVE_MS_DEFAULT = 120_000L;
    public static final String POOL_KEEPALIVE_MS_DOC = "Milliseconds between liveness checks of idle connections,"
            + " which finds broken ones before a request does and keeps firewalls from dropping them;"
            + " 0 turns it off, otherwise at least 30000 and below pool.max.lifetime.ms.";

    public static final String CONNECTION_TIMEOUT_MS_CONFIG = "connection.timeout.ms";
    public static final long CONNECTION_TIMEOUT_MS_DEFAULT = 10_000L;
    public static final String CONNECTION_TIMEOUT_MS_DOC = "Milliseconds to open a new connection and log in"
            + " (the driver's connectTimeout and loginTimeout, rounded up to whole seconds). The pool opens"
            + " connections in the background, so this does not lengthen a request's wait; HikariCP also caps"
            + " the login of pooled connections at pool.wait.timeout.ms plus half a second.";

    public static final String CONNECTION_SOCKET_TIMEOUT_MS_CONFIG = "connection.socket.timeout.ms";
    public static final long CONNECTION_SOCKET_TIMEOUT_MS_DEFAULT = 30_000L;
    public static final String CONNECTION_SOCKET_TIMEOUT_MS_DOC = "Milliseconds a query may wait for the"
            + " server's answer before its connection counts as broken (the driver's socketTimeout, rounded"
            + " up to whole seconds): without it a request on a connection whose server vanished (host down,"
            + " network cut) would wait forever. The API's queries take milliseconds; 0 waits forever.";

    public static final String CONNECTION_PREPARE_THRESHOLD_CONFIG = "connection.prepare.threshold";
    public static final int CONNECTION_PREPARE_THRESHOLD_DEFAULT = 5;
    public static final String CONNECTION_PREPARE_THRESHOLD_DOC = "Executions of a statement on one connection"
            + " after which the driver prepares it on the server and reuses the plan (the driver's"
            + " prepareThreshold; pooled connections live long enough for this to matter). 0 turns server-side"
            + " prepared statements off, which a transaction-mode PgBouncer in front of Postgres needs.";

    /** application_name of the API's connections, so pg_stat_activity tells them apart. */
    public static final String APPLICATION_NAME = "rtr-worklist-api";

    /** Every key, with type, default, validator and documentation. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(POOL_MAX_SIZE_CONFIG, ConfigDef.Type.INT, POOL_MAX_SIZE_DEFAULT,
                    ConfigDef.Range.between(1, 1000), ConfigDef.Importance.HIGH, POOL_MAX_SIZE_DOC,
                    POOL_GROUP, 1, ConfigDef.Width.SHORT, "Pool size")
            .define(POOL_WAIT_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, POOL_WAIT_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.atLeast(250), ConfigDef.Importance.HIGH, POOL_WAIT_TIMEOUT_MS_DOC,
                    POOL_GROUP, 2, ConfigDef.Width.SHORT, "Wait for a connection (ms)")
            .define(POOL_VALIDATION_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, POOL_VALIDATION_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.atLeast(250), ConfigDef.Importance.LOW, POOL_VALIDATION_TIMEOUT_MS_DOC,
                    POOL_GROUP, 3, ConfigDef.Width.SHORT, "Validation timeout (ms)")
            .define(POOL_MAX_LIFETIME_MS_CONFIG, ConfigDef.Type.LONG, POOL_MAX_LIFETIME_MS_DEFAULT,
                    ConfigDef.Range.atLeast(30_000), ConfigDef.Importance.LOW, POOL_MAX_LIFETIME_MS_DOC,
                    POOL_GROUP, 4, ConfigDef.Width.SHORT, "Max connection lifetime (ms)")
            .define(POOL_KEEPALIVE_MS_CONFIG, ConfigDef.Type.LONG, POOL_KEEPALIVE_MS_DEFAULT,
                    ConfigDef.LambdaValidator.with(WorklistPoolConfig::ensureKeepalive, () -> "0 or at least 30000"),
                    ConfigDef.Importance.LOW, POOL_KEEPALIVE_MS_DOC, POOL_GROUP, 5, ConfigDef.Width.SHORT,
                    "Keepalive (ms)")
            .define(CONNECTION_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, CONNECTION_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.between(1, Integer.MAX_VALUE), ConfigDef.Importance.LOW,
                    CONNECTION_TIMEOUT_MS_DOC, CONNECTION_GROUP, 1, ConfigDef.Width.SHORT, "Connect timeout (ms)")
            .define(CONNECTION_SOCKET_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, CONNECTION_SOCKET_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.between(0, Integer.MAX_VALUE), ConfigDef.Importance.MEDIUM,
                    CONNECTION_SOCKET_TIMEOUT_MS_DOC, CONNECTION_GROUP, 2, ConfigDef.Width.SHORT,
                    "Socket timeout (ms)")
            .define(CONNECTION_PREPARE_THRESHOLD_CONFIG, ConfigDef.Type.INT, CONNECTION_PREPARE_THRESHOLD_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW, CONNECTION_PREPARE_THRESHOLD_DOC,
                    CONNECTION_GROUP, 3, ConfigDef.Width.SHORT, "Prepare threshold");

    /**
     * Parses and checks {@code props}.
     *
     * @throws ConfigException when a key is invalid, pool.validation.timeout.ms is not below
     *     pool.wait.timeout.ms, or pool.keepalive.ms is not below pool.max.lifetime.ms
     */
    public WorklistPoolConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props);
        if (validationTimeout().compareTo(waitTimeout()) >= 0) {
            throw new ConfigException(POOL_VALIDATION_TIMEOUT_MS_CONFIG, getLong(POOL_VALIDATION_TIMEOUT_MS_CONFIG),
                    "must be below " + POOL_WAIT_TIMEOUT_MS_CONFIG + " (" + getLong(POOL_WAIT_TIMEOUT_MS_CONFIG) + ")");
        }
        if (!keepalive().isZero() && keepalive().compareTo(maxLifetime()) >= 0) {
            throw new ConfigException(POOL_KEEPALIVE_MS_CONFIG, getLong(POOL_KEEPALIVE_MS_CONFIG),
                    "must be below " + POOL_MAX_LIFETIME_MS_CONFIG + " (" + getLong(POOL_MAX_LIFETIME_MS_CONFIG) + ")");
        }
    }

    /** Every key at its default. */
    public static WorklistPoolConfig defaults() {
        return new WorklistPoolConfig(Map.of());
    }

    /** Connections in the pool. */
    public int maxSize() {
        return getInt(POOL_MAX_SIZE_CONFIG);
    }

    /** Longest wait of a request for a pooled connection. */
    public Duration waitTimeout() {
        return Duration.ofMillis(getLong(POOL_WAIT_TIMEOUT_MS_CONFIG));
    }

    /** Longest liveness check of a connection. */
    public Duration validationTimeout() {
        return Duration.ofMillis(getLong(POOL_VALIDATION_TIMEOUT_MS_CONFIG));
    }

    /** Age at which an idle connection is replaced. */
    public Duration maxLifetime() {
        return Duration.ofMillis(getLong(POOL_MAX_LIFETIME_MS_CONFIG));
    }

    /** Interval of liveness checks of idle connections; zero when off. */
    public Duration keepalive() {
        return Duration.ofMillis(getLong(POOL_KEEPALIVE_MS_CONFIG));
    }

    /**
     * pgjdbc properties of every connection (pooled or the listener's): timeouts, TCP keepalive,
     * the prepare threshold and the application name; user and password are not among them.
     */
    Properties driverProperties() {
        Properties properties = new Properties();
        String connectSeconds = Long.toString(seconds(getLong(CONNECTION_TIMEOUT_MS_CONFIG)));
        properties.setProperty("connectTimeout", connectSeconds);
        properties.setProperty("loginTimeout", connectSeconds);
        properties.setProperty("socketTimeout", Long.toString(seconds(getLong(CONNECTION_SOCKET_TIMEOUT_MS_CONFIG))));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("prepareThreshold", Integer.toString(getInt(CONNECTION_PREPARE_THRESHOLD_CONFIG)));
        properties.setProperty("ApplicationName", APPLICATION_NAME);
        // Keeps row values out of exception messages, which the API logs.
        properties.setProperty("logServerErrorDetail", "false");
        return properties;
    }

    /** Whole seconds for the driver, rounded up; 0 stays 0 (no timeout). */
    private static long seconds(long millis) {
        return (millis + 999) / 1000;
    }

    private static void ensureKeepalive(String name, Object value) {
        long millis = value instanceof Long l ? l : -1;
        if (millis != 0 && millis < 30_000) {
            throw new ConfigException(name, value, "must be 0 (off) or at least 30000");
        }
    }
}
