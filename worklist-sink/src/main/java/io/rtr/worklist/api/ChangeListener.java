package io.rtr.worklist.api;

import io.rtr.worklist.db.WorklistSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one Postgres connection that LISTENs on {@link WorklistSchema#CHANGE_CHANNEL} and hands each
 * notification's payload (a radiologist id) to a callback, on a dedicated thread. When the
 * connection fails it reconnects with doubling backoff and then calls {@code onReconnect}, because
 * notifications sent while nobody listened are lost and every open page must re-read its list.
 */
final class ChangeListener implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeListener.class);
    /** How long one getNotifications call blocks; bounds how late {@link #close} is noticed. */
    private static final int POLL_MILLIS = 500;

    private final DataSource dataSource;
    private final Consumer<String> onChange;
    private final Runnable onReconnect;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean listening;

    ChangeListener(DataSource dataSource, Consumer<String> onChange, Runnable onReconnect,
                   Duration initialBackoff, Duration maxBackoff) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.onReconnect = Objects.requireNonNull(onReconnect, "onReconnect");
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.thread = new Thread(this::run, "worklist-listen");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Whether the LISTEN connection is up right now (for /health). */
    boolean isListening() {
        return listening;
    }

    private void run() {
        Duration backoff = initialBackoff;
        boolean first = true;
        while (stopped.getCount() > 0) {
            try (Connection c = dataSource.getConnection()) {
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + WorklistSchema.CHANGE_CHANNEL);
                }
                listening = true;
                backoff = initialBackoff;
                log.info("Listening for worklist changes on channel {}", WorklistSchema.CHANGE_CHANNEL);
                if (!first) {
                    onReconnect.run();
                }
                first = false;
                while (stopped.getCount() > 0) {
                    PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification n : notifications) {
                        onChange.accept(n.getParameter());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                first = false;
                if (stopped.getCount() == 0) {
                    break;
                }
                log.warn("Worklist change listener lost its connection ({}); reconnecting in {} ms."
                        + " Pages update again once Postgres is reachable.", e.toString(), backoff.toMillis());
                if (await(backoff)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
        listening = false;
    }

    /** Waits out a backoff; true when closed meanwhile. */
    private boolean await(Duration delay) {
        try {
            return stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public void close() {
        stopped.countDown();
        try {
            thread.join(POLL_MILLIS * 4L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
