package io.rtr.schemas.serde;

import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing a SpecificRecord in the Confluent wire format, registering (or looking
 * up) its schema under the TopicNameStrategy subject {@code <topic>-value} or {@code <topic>-key}.
 *
 * <p>The schema id is cached per (subject, schema), so only the first record of each schema and
 * topic calls the registry. A null record serializes to null (a tombstone). Failures throw
 * Kafka's {@code SerializationException} naming the topic and the cause.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final ConcurrentMap<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    private final ConcurrentMap<Class<?>, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private SchemaRegistryClient client;
    private boolean autoRegister = AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_DEFAULT;
    private boolean isKey;

    /** For Kafka to instantiate by class name; {@link #configure} must then supply the registry. */
    public AvroSerializer() {
    }

    /** A value serializer using {@code client} that auto-registers; {@link #configure} is optional. */
    public AvroSerializer(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        this.autoRegister = config.autoRegisterSchemas();
        if (client == null || configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG)
                || configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG)) {
            this.client = config.registryClient();
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        Schema schema = data.getSchema();
        int id = schemaId(topic, schema);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            byte[] header = new byte[WireFormat.HEADER_LENGTH];
            WireFormat.writeHeader(header, id);
            out.write(header);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            writer(data).write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            // A RuntimeException here is a record that violates its own schema (e.g. null in a
            // required field): a bug in the producer, reported with the topic and schema.
            throw SerializationErrors.serialization(topic, isKey,
                    "record of " + schema.getFullName() + " (schema id " + id + ") cannot be encoded", e);
        }
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        return serialize(topic, data);
    }

    /** The TopicNameStrategy subject for {@code topic}. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }

    /**
     * The id that records of {@code schema} carry on {@code topic}, registered (or looked up) under
     * the topic's subject on first use and cached: for writers that frame an Avro body they spliced
     * together themselves instead of encoding a record.
     */
    public int schemaId(String topic, Schema schema) {
        if (client == null) {
            throw new IllegalStateException("AvroSerializer is not configured: no schema registry");
        }
        String subject = subject(topic, isKey);
        SubjectSchema cacheKey = new SubjectSchema(subject, schema);
        Integer cached = ids.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        int id;
        try {
            id = autoRegister ? client.register(subject, schema) : client.getId(subject, schema);
        } catch (SchemaRegistryException e) {
            String action = autoRegister ? "register" : "look up";
            String hint = !autoRegister && e.isNotFound()
                    ? "; it is not registered and " + AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG + " is false"
                    : "";
            throw SerializationErrors.serialization(topic, isKey, "cannot " + action + " schema "
                    + schema.getFullName() + " under subject " + subject + hint, e);
        }
        ids.putIfAbsent(cacheKey, id);
        return id;
    }

    private DatumWriter<T> writer(T data) {
        // The class's own SpecificData (its MODEL$) carries the logical-type conversions (Instant)
        // and is found without loading classes by name, which Avro's class guard would refuse.
        return writers.computeIfAbsent(data.getClass(),
                c -> new SpecificDatumWriter<>(data.getSchema(), SpecificData.getForClass(c)));
    }

    @Override
    public void close() {
        // The registry client may be shared (rtr.schema.registry.client) and holds no resources
        // that outlive the JVM's HTTP client, so there is nothing to release here.
    }

    /** Cache key; Schema caches its hash and compares identical instances first, so lookups are cheap. */
    private record SubjectSchema(String subject, Schema schema) {
    }
}
