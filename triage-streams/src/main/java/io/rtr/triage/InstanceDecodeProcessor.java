package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.registry.SchemaRegistryException;
import io.rtr.schemas.serde.AvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First node of the instance path: reads rtr.instances as bytes and decodes them here rather than
 * in the source node, so a record that cannot be decoded becomes a dead letter with its reason in
 * headers and the stream goes on (a deserialization handler could skip it, but could not say why
 * on the record itself in a way the TopologyTestDriver and the DLQ tooling share). A registry
 * that cannot be reached is not the record's fault: that failure stops the task instead.
 */
final class InstanceDecodeProcessor
        implements Processor<byte[], byte[], String, Outcome<ReceivedInstance, DeadLetter>> {

    static final String STAGE = "triage-streams/decode";
    private static final Logger log = LoggerFactory.getLogger(InstanceDecodeProcessor.class);

    private final String topic;
    private final AvroDeserializer<InstanceReceived> deserializer;
    private ProcessorContext<String, Outcome<ReceivedInstance, DeadLetter>> context;

    InstanceDecodeProcessor(String topic, AvroDeserializer<InstanceReceived> deserializer) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
    }

    @Override
    public void init(ProcessorContext<String, Outcome<ReceivedInstance, DeadLetter>> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            deadLetter(record, key, DeadLetter.NULL_VALUE, "record on " + topic + " has no value", null);
            return;
        }
        InstanceReceived instance;
        try {
            // Partition and offset go into the message, so the operator can find the original.
            int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
            long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L);
            instance = deserializer.deserialize(topic, partition, offset, record.value());
        } catch (SerializationException e) {
            if (SchemaRegistryException.retriableCause(e)) {
                // The record may be fine and the registry merely down: dead-lettering it would
                // lose a good instance. Failing the task aborts the transaction, so the app
                // resumes from the last commit once restarted with the registry back.
                throw new StreamsException("Schema registry unavailable while decoding a record of " + topic
                        + "; stopping rather than dead-lettering it. Restore the registry and restart.", e);
            }
            deadLetter(record, key, DeadLetter.DESERIALIZATION, e.getMessage(), e);
            return;
        }
        if (!instance.getStudyInstanceUid().equals(key)) {
            // Study state is partitioned by the key; a record keyed otherwise would be assembled
            // into the wrong partition's state, so it is parked instead.
            deadLetter(record, key, DeadLetter.KEY_MISMATCH, "key '" + key + "' is not the StudyInstanceUID "
                    + instance.getStudyInstanceUid() + " of SOP instance " + instance.getSopInstanceUid(), null);
            return;
        }
        context.forward(record.withKey(key).withValue(
                Outcome.mainValue(new ReceivedInstance(instance, record.value()))));
    }

    private void deadLetter(Record<byte[], byte[]> record, String key, String reason, String message,
                            Throwable cause) {
        log.warn("Instance event sent to the dead-letter topic ({}): {}. Inspect it there, fix the producer "
                + "and replay it.", reason, message);
        context.forward(new Record<String, Outcome<ReceivedInstance, DeadLetter>>(key,
                Outcome.sideValue(new DeadLetter(record.key(), record.value())), record.timestamp(),
                DeadLetter.headers(record.headers(), context, STAGE, reason, message, cause)));
    }
}
