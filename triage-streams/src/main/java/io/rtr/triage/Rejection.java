package io.rtr.triage;

import io.rtr.schemas.RejectReason;
import java.util.Objects;

/**
 * Why one rule refused one instance.
 *
 * @param ruleId id of the rule from the rules file
 * @param reason machine-readable reason code
 * @param message operator-readable explanation; names attributes, never patient data
 */
record Rejection(String ruleId, RejectReason reason, String message) {

    Rejection {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
