package io.rtr.standalone;

import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Stops what was started, last first, without letting one failure keep the rest running. */
public final class Shutdown {

    private Shutdown() {
    }

    /**
     * Closes and removes every element of {@code running} from its head (the last one pushed);
     * each failure is added to {@code failure} as a suppressed exception.
     */
    public static void closeAll(Deque<AutoCloseable> running, Exception failure) {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Closes {@code closeable} on a daemon thread of its own and waits for it at most {@code bound}.
     * A close that takes longer is left to finish on that thread, which cannot keep the JVM alive,
     * and reported as a {@link TimeoutException}, so that what comes after it still stops.
     *
     * @param what names it in the thread and the exception
     */
    public static void closeWithin(AutoCloseable closeable, Duration bound, String what) throws Exception {
        FutureTask<Void> close = new FutureTask<>(() -> {
            closeable.close();
            return null;
        });
        Thread thread = new Thread(close, "rtr-stop-" + what.replace(' ', '-'));
        thread.setDaemon(true);
        thread.start();
        try {
            close.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException(what + " did not stop within " + bound.toSeconds() + " s; going on without it");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
