package io.rtr.schemas;

/**
 * Header names every RTR component puts on a dead-letter record, so one tool can explain any
 * dead letter. Values are UTF-8 strings.
 */
public final class DeadLetterHeaders {

    /** Short machine-readable reason, e.g. DESERIALIZATION, BLOB_DIGEST_MISMATCH, MODEL_ERROR. */
    public static final String REASON = "rtr.dlq.reason";
    /** One-line human-readable message for the operator; UIDs allowed, patient data never. */
    public static final String MESSAGE = "rtr.dlq.message";
    /** Fully qualified class name of the exception that sent the record here, when there was one. */
    public static final String EXCEPTION_CLASS = "rtr.dlq.exception.class";
    /** Component that gave up on the record, e.g. inference-worker or triage-streams/assembly. */
    public static final String STAGE = "rtr.dlq.stage";
    /** Topic the record was consumed from. */
    public static final String SOURCE_TOPIC = "rtr.dlq.source.topic";
    /** Partition the record was consumed from, in decimal. */
    public static final String SOURCE_PARTITION = "rtr.dlq.source.partition";
    /** Offset the record was consumed from, in decimal. */
    public static final String SOURCE_OFFSET = "rtr.dlq.source.offset";
    /** Number of attempts made before giving up, in decimal. */
    public static final String ATTEMPTS = "rtr.dlq.attempts";
    /** When the record was dead-lettered, ISO-8601 UTC instant. */
    public static final String FAILED_AT = "rtr.dlq.failed.at";

    private DeadLetterHeaders() {
    }
}
