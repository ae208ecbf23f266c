package io.rtr.triage;

import io.rtr.schemas.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * A record the triage or prioritization app gives up on: the input key and value bytes unchanged,
 * so an operator can replay them once the cause is fixed. Both apps write rtr.triage.dlq with the
 * same headers, so one tool explains both.
 *
 * @param key the input record's key bytes
 * @param value the input record's value bytes
 */
public record DeadLetter(byte[] key, byte[] value) {

    /** Reason header value: the bytes are not a readable event. */
    public static final String DESERIALIZATION = "DESERIALIZATION";
    /** Reason header value: the record has no value at all. */
    public static final String NULL_VALUE = "NULL_VALUE";
    /** Reason header value: the key is not the event's StudyInstanceUID, so partitioning would be wrong. */
    public static final String KEY_MISMATCH = "KEY_MISMATCH";
    /** Reason header value: a clinic order change event that cannot be turned into an order. */
    public static final String INVALID_ORDER = "INVALID_ORDER";

    /**
     * The input record's headers plus the {@link DeadLetterHeaders} explaining why, where it was
     * read from and when it failed (wall-clock time of the stream thread).
     */
    public static Headers headers(Headers input, ProcessorContext<?, ?> context, String stage, String reason,
                           String message, Throwable cause) {
        Headers headers = new RecordHeaders(input.toArray());
        put(headers, DeadLetterHeaders.REASON, reason);
        put(headers, DeadLetterHeaders.MESSAGE, message);
        if (cause != null) {
            put(headers, DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName());
        }
        put(headers, DeadLetterHeaders.STAGE, stage);
        context.recordMetadata().ifPresent(metadata -> putSource(headers, metadata));
        put(headers, DeadLetterHeaders.ATTEMPTS, "1");
        put(headers, DeadLetterHeaders.FAILED_AT, Instant.ofEpochMilli(context.currentSystemTimeMs()).toString());
        return headers;
    }

    private static void putSource(Headers headers, RecordMetadata metadata) {
        put(headers, DeadLetterHeaders.SOURCE_TOPIC, metadata.topic());
        put(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(metadata.partition()));
        put(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(metadata.offset()));
    }

    private static void put(Headers headers, String name, String value) {
        // Replace rather than append: a record replayed from the DLQ must not carry two reasons.
        headers.remove(name);
        headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
}
