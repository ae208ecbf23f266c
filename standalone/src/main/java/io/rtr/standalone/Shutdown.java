package io.rtr.standalone;

import java.util.Deque;

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
}
