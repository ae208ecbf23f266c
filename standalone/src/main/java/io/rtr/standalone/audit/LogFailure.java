package io.rtr.standalone.audit;

/**
 * A log command that cannot go on. The message is the one line the user sees: it names the input
 * that was wrong and what to do about it; the exit code tells scripts which kind of failure it was.
 */
final class LogFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Nothing matched (unknown study, empty time range, unreachable cluster). */
    static final int EXIT_FAILED = 1;
    /** The command line itself was wrong (missing flag, malformed time or path). */
    static final int EXIT_USAGE = 2;

    private final int exitCode;

    private LogFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static LogFailure usage(String message) {
        return new LogFailure(EXIT_USAGE, message, null);
    }

    static LogFailure failed(String message) {
        return new LogFailure(EXIT_FAILED, message, null);
    }

    static LogFailure failed(String message, Throwable cause) {
        return new LogFailure(EXIT_FAILED, message, cause);
    }

    int exitCode() {
        return exitCode;
    }
}
