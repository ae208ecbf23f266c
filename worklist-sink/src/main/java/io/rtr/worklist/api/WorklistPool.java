package io.rtr.worklist.api;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The worklist API's connections to one Postgres database: a HikariCP pool for requests and an
 * unpooled data source, with the same driver settings, for the change listener's one long-lived
 * LISTEN connection.
 *
 * <p>The listener stays outside the pool on purpose: it holds its connection for as long as the
 * API runs, so from the pool it would only shrink the pool by one for good, it must reconnect on
 * its own schedule (not fail after the pool's short wait when the pool is busy), and its session
 * carries a LISTEN registration that no pooled request should inherit.
 */
final class WorklistPool implements AutoCloseable {

    /** Name of the pool and prefix of its threads. */
    static final String POOL_NAME = "rtr-worklist-api";

    private final PGSimpleDataSource direct;
    private final HikariDataSource pooled;

    private WorklistPool(PGSimpleDataSource direct, HikariDataSource pooled) {
        this.direct = direct;
        this.pooled = pooled;
    }

    /**
     * Opens the pool. It starts without a connection when Postgres is unreachable and keeps trying
     * in the background, so the API can start (and answer 503) before the database is up.
     */
    static WorklistPool open(String jdbcUrl, String user, String password, WorklistPoolConfig config) {
        PGSimpleDataSource direct = dataSource(jdbcUrl, user, password, config);
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(POOL_NAME);
        // An instance of its own: HikariCP sets its login timeout to the pool's wait (plus 0.5 s),
        // which must not shorten the listener's.
        hikari.setDataSource(dataSource(jdbcUrl, user, password, config));
        hikari.setMaximumPoolSize(config.maxSize());
        hikari.setConnectionTimeout(config.waitTimeout().toMillis());
        hikari.setValidationTimeout(config.validationTimeout().toMillis());
        hikari.setMaxLifetime(config.maxLifetime().toMillis());
        hikari.setKeepaliveTime(config.keepalive().toMillis());
        // Start even when Postgres is down: the API answers 503 until it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.setAutoCommit(true);
        return new WorklistPool(direct, new HikariDataSource(hikari));
    }

    /** An unpooled data source with the driver settings of {@code config}: the listener's, or a bench's baseline. */
    static PGSimpleDataSource dataSource(String jdbcUrl, String user, String password, WorklistPoolConfig config) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
        ds.setUser(Objects.requireNonNull(user, "user"));
        if (password != null) {
            ds.setPassword(password);
        }
        for (Map.Entry<Object, Object> e : config.driverProperties().entrySet()) {
            String key = e.getKey().toString();
            // A parameter of the URL wins over these defaults (setUrl has already applied it).
            if (!urlHas(jdbcUrl, key)) {
                try {
                    ds.setProperty(key, e.getValue().toString());
                } catch (SQLException impossible) {
                    throw new IllegalStateException("pgjdbc does not know property " + key, impossible);
                }
            }
        }
        return ds;
    }

    /** For requests: each borrows a connection and gives it back when closed. */
    HikariDataSource pooled() {
        return pooled;
    }

    /**
     * Publishes the pool's gauges and timers to {@code registry} (HikariCP's {@code hikaricp.*}
     * meters, tagged {@code pool=} the pool's name); once per pool.
     */
    void bindMetrics(MeterRegistry registry) {
        pooled.setMetricRegistry(Objects.requireNonNull(registry, "registry"));
    }

    /** For the change listener: a new connection of its own each time. */
    PGSimpleDataSource direct() {
        return direct;
    }

    /**
     * Closes the idle connections and those in use once they are given back: after one was found
     * broken the others most likely died with it (a Postgres restart), and checking each would cost
     * a request each.
     */
    void evictAll() {
        HikariPoolMXBean pool = pooled.getHikariPoolMXBean();
        if (pool != null) {
            pool.softEvictConnections();
        }
    }

    /** Closes every pooled connection and stops the pool's threads. */
    @Override
    public void close() {
        pooled.close();
    }

    private static boolean urlHas(String jdbcUrl, String key) {
        int query = jdbcUrl.indexOf('?');
        if (query < 0) {
            return false;
        }
        for (String parameter : jdbcUrl.substring(query + 1).split("&")) {
            if (parameter.startsWith(key + "=")) {
                return true;
            }
        }
        return false;
    }
}
