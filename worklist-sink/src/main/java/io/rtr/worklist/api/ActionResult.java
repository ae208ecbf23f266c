package io.rtr.worklist.api;

/** The answer to claim, release and complete: the entry's new state and the recorded action (null when none was needed). */
record ActionResult(String studyInstanceUid, String radiologistId, String action, String status, String claimedBy,
                    String actionId) {
}
