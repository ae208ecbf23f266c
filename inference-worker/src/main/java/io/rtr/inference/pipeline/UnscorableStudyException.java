package io.rtr.inference.pipeline;

import java.util.Objects;

/** A study (or one of its images) that cannot be scored, with the reason its dead letter carries. */
public final class UnscorableStudyException extends Exception {

    private static final long serialVersionUID = 1L;

    private final UnscorableReason reason;

    public UnscorableStudyException(UnscorableReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public UnscorableStudyException(UnscorableReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public UnscorableReason reason() {
        return reason;
    }
}
