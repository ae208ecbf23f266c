package io.rtr.worklist.sink;

import io.rtr.worklist.db.ArchivePurger;
import io.rtr.worklist.db.ArchivePurger.PurgeResult;
import io.rtr.worklist.db.SqlErrors;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a sink task's {@link ArchivePurger} on a thread of its own, once at start and then every
 * purge interval, so that put() never waits for a purge. A failed run is logged and the next one
 * tries again: the purge is housekeeping, and a database that is down is the writes' problem to
 * report.
 */
final class ArchivePurgeSchedule implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ArchivePurgeSchedule.class);

    /** Longest wait in {@link #close} for a run in flight; it ends after its current batch anyway. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private final ArchivePurger purger;
    private final Duration retention;
    private final int batchSize;
    private final Duration interval;
    private final ScheduledExecutorService executor;
    private volatile boolean stopping;

    ArchivePurgeSchedule(ArchivePurger purger, Duration retention, int batchSize, Duration interval) {
        this.purger = Objects.requireNonNull(purger, "purger");
        this.retention = Objects.requireNonNull(retention, "retention");
        this.batchSize = batchSize;
        this.interval = Objects.requireNonNull(interval, "interval");
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "rtr-worklist-purge");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Schedules the first run now and the next ones an interval after each ends. */
    void start() {
        executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One purge; never throws, so that a failure does not cancel the later runs. */
    PurgeResult runOnce() {
        try {
            PurgeResult result = purger.purge(retention, batchSize, () -> !stopping);
            if (result.entries() > 0) {
                log.info("Purged {} archived worklist rows and {} reading actions archived more than {} ago,"
                        + " in {} batches", result.entries(), result.actions(), retention, result.batches());
            } else {
                log.debug("Archive purge: {}", result.skipped() ? "another task is purging" : "nothing to purge");
            }
            return result;
        } catch (SQLException e) {
            log.warn("Purge of archived worklist rows failed ({}); batches committed before stay purged, the rest"
                    + " is retried in {}. If it keeps failing, check that the V6 migration is applied and the user"
                    + " owns the tables.", SqlErrors.describe(e), interval);
        } catch (RuntimeException e) {
            log.error("Purge of archived worklist rows failed unexpectedly; retried in {}", interval, e);
        } finally {
            // Runs are an interval apart (an hour by default): no idle backend per task in between,
            // and no connection that went stale meanwhile.
            purger.close();
        }
        return null;
    }

    /**
     * Stops the schedule: no new run starts, and a run in flight stops after its current batch
     * (which commits or rolls back as a whole) and closes its connection, as every run does. Waits
     * for it a bounded time, within Connect's graceful task shutdown.
     */
    @Override
    public void close() {
        stopping = true;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.info("Archive purge still finishing a batch after {}; it stops after it", STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
