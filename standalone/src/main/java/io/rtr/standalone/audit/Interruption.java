package io.rtr.standalone.audit;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C during a scan: the JVM runs shutdown hooks on SIGINT, so the hook wakes the consumer up
 * (its blocking poll then throws {@code WakeupException}), and waits until the command has printed
 * what it read so far; the JVM exits only after the hook returns, so that output is never cut off.
 */
final class Interruption implements AutoCloseable {

    /** How long the hook waits for the command to print its partial result before the JVM exits anyway. */
    private static final long FLUSH_WAIT_SECONDS = 30;

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Runnable onInterrupt = () -> { };
    private final Thread hook;

    private Interruption(boolean installHook) {
        hook = installHook ? new Thread(this::fromShutdownHook, "rtr-log-interrupt") : null;
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /** Installs the Ctrl-C hook until {@link #close()}. */
    static Interruption onCtrlC() {
        return new Interruption(true);
    }

    /** No hook: for tests and benchmarks that call {@link #interrupt()} themselves. */
    static Interruption manual() {
        return new Interruption(false);
    }

    /** What stops the running scan; called from the interrupting thread. */
    void onInterrupt(Runnable action) {
        this.onInterrupt = action;
        if (requested.get()) {
            action.run();
        }
    }

    /** Asks the running scan to stop; what was read so far is still reported. */
    void interrupt() {
        if (requested.compareAndSet(false, true)) {
            onInterrupt.run();
        }
    }

    boolean requested() {
        return requested.get();
    }

    private void fromShutdownHook() {
        interrupt();
        try {
            finished.await(FLUSH_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command has printed its result: the hook may let the JVM exit, and is removed when it did not run. */
    @Override
    public void close() {
        finished.countDown();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is exiting (Ctrl-C): the hook is running and returns now that we counted down.
            }
        }
    }
}
