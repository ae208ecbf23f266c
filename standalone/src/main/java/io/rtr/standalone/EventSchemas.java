package io.rtr.standalone;

import io.rtr.schemas.Topic;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerializer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;

/**
 * Registers the value schema of every Avro topic under its TopicNameStrategy subject, so the
 * registry knows the pipeline's events before the first producer runs (and producers configured
 * with {@code auto.register.schemas=false} find them).
 */
final class EventSchemas {

    private EventSchemas() {
    }

    /** The value schema of each Avro topic among {@code topics}, by subject. */
    static Map<String, Schema> bySubject(List<Topic<?, ?>> topics) {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        for (Topic<?, ?> topic : topics) {
            // Unconfigured serdes are enough: only the reader schema of the generated class is read.
            try (Serde<?> serde = topic.valueSerdeFactory().get();
                 Deserializer<?> deserializer = serde.deserializer()) {
                if (deserializer instanceof AvroDeserializer<?> avro) {
                    subjects.put(AvroSerializer.subject(topic.name(), false), avro.readerSchema());
                }
            }
        }
        return subjects;
    }

    /** Registers every schema of {@code topics}; registering an existing schema returns its id. */
    static Map<String, Integer> register(SchemaRegistryClient client, List<Topic<?, ?>> topics) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        bySubject(topics).forEach((subject, schema) -> ids.put(subject, client.register(subject, schema)));
        return ids;
    }
}
