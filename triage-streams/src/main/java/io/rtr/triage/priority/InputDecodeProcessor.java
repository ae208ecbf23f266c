package io.rtr.triage.priority;

import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.SchemaRegistryException;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.triage.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First node of the prioritization app: reads rtr.scores, rtr.studies and rtr.worklist.actions as
 * bytes and decodes them here rather than in the source node, so a record that cannot be decoded
 * becomes a dead letter with its reason in headers and the stream goes on. A registry that cannot
 * be reached is not the record's fault: that failure stops the task instead, and exactly-once
 * processing resumes from the last commit once the registry is back.
 */
final class InputDecodeProcessor implements Processor<byte[], byte[], String, InputDecodeProcessor.Decoded> {

    static final String STAGE = "triage-streams/prioritization-decode";
    private static final Logger log = LoggerFactory.getLogger(InputDecodeProcessor.class);

    /** A decoded input, or the dead letter of one that could not be decoded. */
    record Decoded(PriorityInput input, DeadLetter letter) {
    }

    private final Map<String, AvroDeserializer<? extends SpecificRecord>> deserializers;
    private ProcessorContext<String, Decoded> context;

    /** {@code deserializers}: by input topic name. */
    InputDecodeProcessor(Map<String, AvroDeserializer<? extends SpecificRecord>> deserializers) {
        this.deserializers = Map.copyOf(Objects.requireNonNull(deserializers, "deserializers"));
    }

    @Override
    public void init(ProcessorContext<String, Decoded> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            if (Topics.WORKLIST_ACTIONS.name().equals(topic)) {
                // Debezium follows a deleted reading_action row with a tombstone: expected, not poison.
                log.trace("Skipping a tombstone on {}", topic);
                return;
            }
            deadLetter(record, key, DeadLetter.NULL_VALUE, "record on " + topic + " has no value", null);
            return;
        }
        AvroDeserializer<? extends SpecificRecord> deserializer = deserializers.get(topic);
        if (deserializer == null) {
            throw new IllegalStateException("no deserializer for input topic " + topic + "; topology wiring bug");
        }
        PriorityInput input;
        try {
            int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
            long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
            input = PriorityInput.of(deserializer.deserialize(topic, partition, offset, record.value()));
        } catch (SerializationException e) {
            if (SchemaRegistryException.retriableCause(e)) {
                throw new StreamsException("Schema registry unavailable while decoding a record of " + topic
                        + "; stopping rather than dead-lettering it. Restore the registry and restart.", e);
            }
            deadLetter(record, key, DeadLetter.DESERIALIZATION, e.getMessage(), e);
            return;
        }
        if (!input.studyInstanceUid().equals(key)) {
            // Per-study state is partitioned by the key; a record keyed otherwise would update the
            // wrong partition's state, so it is parked instead.
            deadLetter(record, key, DeadLetter.KEY_MISMATCH, "key '" + key + "' on " + topic
                    + " is not the StudyInstanceUID " + input.studyInstanceUid(), null);
            return;
        }
        context.forward(record.withKey(key).withValue(new Decoded(input, null)));
    }

    private void deadLetter(Record<byte[], byte[]> record, String key, String reason, String message,
                            Throwable cause) {
        log.warn("Prioritization input sent to the dead-letter topic ({}): {}. Inspect it there, fix the producer "
                + "and replay it.", reason, message);
        context.forward(new Record<>(key, new Decoded(null, new DeadLetter(record.key(), record.value())),
                record.timestamp(), DeadLetter.headers(record.headers(), context, STAGE, reason, message, cause)));
    }
}
