package io.rtr.schemas.serde;

import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer reading the Confluent wire format into one SpecificRecord class: the writer
 * schema is fetched from the registry by the record's schema id and resolved to the class's schema
 * (the reader schema), so records written with older or newer compatible schemas read fine.
 *
 * <p>The resolving reader is cached per writer schema id, so each id costs one registry call and
 * one resolution for the life of the deserializer. Null bytes read as null (a tombstone). Every
 * failure is a {@link SerializationException} naming the topic, the partition and offset when the
 * caller knows them ({@link #deserialize(String, int, long, byte[])},
 * {@link #deserialize(ConsumerRecord)}), the schema id and the cause.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final ConcurrentMap<Integer, Resolution<T>> resolutions = new ConcurrentHashMap<>();
    private Class<T> type;
    private Schema readerSchema;
    private String readerParsingForm;
    private SpecificData specificData;
    private SchemaRegistryClient client;
    private boolean isKey;

    /**
     * For Kafka to instantiate by class name; {@link #configure} must then name the class
     * ({@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE_CONFIG} or
     * {@value AvroSerdeConfig#SPECIFIC_AVRO_KEY_TYPE_CONFIG}) and the registry.
     */
    public AvroDeserializer() {
    }

    /** A deserializer into {@code type}; {@link #configure} must supply the registry. */
    public AvroDeserializer(Class<T> type) {
        useType(type);
    }

    /** A value deserializer into {@code type} using {@code client}; {@link #configure} is optional. */
    public AvroDeserializer(Class<T> type, SchemaRegistryClient client) {
        useType(type);
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        AvroSerdeConfig config = new AvroSerdeConfig(configs);
        this.isKey = isKey;
        if (type == null) {
            String key = isKey ? AvroSerdeConfig.SPECIFIC_AVRO_KEY_TYPE_CONFIG
                    : AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG;
            Class<?> configured = config.specificType(isKey);
            if (configured == null) {
                throw new ConfigException(key, null,
                        "the SpecificRecord class to read into is required when the deserializer is built without one");
            }
            if (!SpecificRecord.class.isAssignableFrom(configured)) {
                throw new ConfigException(key, configured.getName(), "is not a SpecificRecord class");
            }
            useType((Class<T>) configured);
        }
        if (client == null || configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG)
                || configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG)) {
            this.client = config.registryClient();
        }
    }

    private void useType(Class<T> type) {
        Objects.requireNonNull(type, "type");
        SpecificData data = SpecificData.getForClass(type);
        Schema schema;
        try {
            schema = data.getSchema(type);
        } catch (AvroRuntimeException e) {
            throw new IllegalArgumentException(type.getName() + " is not a generated SpecificRecord class", e);
        }
        GeneratedClassTrust.trustGeneratedClassesOf(type);
        this.type = type;
        this.specificData = data;
        this.readerSchema = schema;
        this.readerParsingForm = SchemaNormalization.toParsingForm(schema);
    }

    /** The class records are read into. */
    public Class<T> type() {
        return type;
    }

    /** The reader schema: the SCHEMA$ of {@link #type()}. */
    public Schema readerSchema() {
        return readerSchema;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return deserialize(topic, SerializationErrors.UNKNOWN_PARTITION, SerializationErrors.UNKNOWN_OFFSET, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(topic, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, ByteBuffer data) {
        if (data == null) {
            return null;
        }
        if (data.hasArray()) {
            // Decode in place: the consumer hands out a view of its fetch buffer, copying it would
            // double the allocation on the hot path.
            return decode(topic, SerializationErrors.UNKNOWN_PARTITION, SerializationErrors.UNKNOWN_OFFSET,
                    data.array(), data.arrayOffset() + data.position(), data.remaining());
        }
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return deserialize(topic, copy);
    }

    /** Deserializes bytes read from a known partition and offset, which the error message then names. */
    public T deserialize(String topic, int partition, long offset, byte[] data) {
        return decode(topic, partition, offset, data, 0, data == null ? 0 : data.length);
    }

    /** Deserializes the key (when configured for keys) or the value of a raw record. */
    public T deserialize(ConsumerRecord<byte[], byte[]> record) {
        return deserialize(record.topic(), record.partition(), record.offset(),
                isKey ? record.key() : record.value());
    }

    /**
     * Whether an Avro body written with schema {@code schemaId} is also a body of the reader schema:
     * the two have the same parsing canonical form, which is all that decides the binary encoding.
     * Such a body can be copied as it is into a record that embeds the reader schema, instead of
     * being decoded and encoded again. The writer schema is fetched and cached as for
     * {@link #deserialize}; {@code topic} only names the caller in a failure.
     *
     * @throws SerializationException when the registry cannot be asked or does not know the id
     */
    public boolean encodesAsReader(String topic, int schemaId) {
        requireConfigured();
        return resolution(topic, SerializationErrors.UNKNOWN_PARTITION, SerializationErrors.UNKNOWN_OFFSET, schemaId)
                .encodesAsReader();
    }

    private T decode(String topic, int partition, long offset, byte[] buffer, int start, int length) {
        if (buffer == null) {
            return null;
        }
        requireConfigured();
        if (length < WireFormat.HEADER_LENGTH) {
            throw SerializationErrors.deserialization(topic, isKey, partition, offset, "record of " + length
                    + " bytes is shorter than the " + WireFormat.HEADER_LENGTH + "-byte Confluent header", null);
        }
        if (buffer[start] != WireFormat.MAGIC_BYTE) {
            throw SerializationErrors.deserialization(topic, isKey, partition, offset, String.format(
                    "unknown magic byte 0x%02x, expected 0x00: not Confluent wire format", buffer[start] & 0xff),
                    null);
        }
        int schemaId = WireFormat.readSchemaId(buffer, start + 1);
        Resolution<T> resolution = resolution(topic, partition, offset, schemaId);
        if (resolution.reader() == null) {
            throw SerializationErrors.deserialization(topic, isKey, partition, offset, "writer schema id "
                    + schemaId + " (" + resolution.writerName() + ") cannot be read as "
                    + readerSchema.getFullName() + ": " + resolution.incompatibility(), null);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                buffer, start + WireFormat.HEADER_LENGTH, length - WireFormat.HEADER_LENGTH, null);
        T record;
        boolean fullyConsumed;
        try {
            record = resolution.reader().read(null, decoder);
            fullyConsumed = decoder.isEnd();
        } catch (EOFException e) {
            throw SerializationErrors.deserialization(topic, isKey, partition, offset,
                    "Avro body (schema id " + schemaId + ") is truncated", e);
        } catch (IOException | RuntimeException e) {
            // Avro reports garbage as assorted runtime exceptions (negative length, bad union
            // index, array bounds); all mean the same to the caller: this body is not that schema.
            throw SerializationErrors.deserialization(topic, isKey, partition, offset,
                    "Avro body is not valid for writer schema id " + schemaId, e);
        }
        if (!fullyConsumed) {
            throw SerializationErrors.deserialization(topic, isKey, partition, offset,
                    "Avro body is not valid for writer schema id " + schemaId
                            + ": bytes are left over after the record", null);
        }
        return record;
    }

    private void requireConfigured() {
        if (client == null || readerSchema == null) {
            throw new IllegalStateException("AvroDeserializer is not configured: "
                    + (readerSchema == null ? "no target class" : "no schema registry"));
        }
    }

    private Resolution<T> resolution(String topic, int partition, long offset, int schemaId) {
        Resolution<T> cached = resolutions.get(schemaId);
        if (cached != null) {
            return cached;
        }
        Schema writer;
        try {
            writer = client.getSchemaById(schemaId);
        } catch (SchemaRegistryException e) {
            // Not cached: a registry that is down now, or a replica that has not yet seen a new id,
            // may answer later.
            String answer = " (HTTP " + e.httpStatus() + ", error_code " + e.errorCode()
                    + (e.isRetriable() ? ", retriable)" : ")");
            String problem = e.isNotFound()
                    ? "unknown schema id " + schemaId + ": the registry has no such schema" + answer
                    : "cannot fetch writer schema id " + schemaId + " from the registry" + answer;
            throw SerializationErrors.deserialization(topic, isKey, partition, offset, problem, e);
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        Resolution<T> made;
        if (compatibility.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            made = new Resolution<>(new SpecificDatumReader<>(writer, readerSchema, specificData),
                    writer.getFullName(), null, readerParsingForm.equals(SchemaNormalization.toParsingForm(writer)));
        } else {
            // Cached too: an id always names the same schema, so it will never become readable.
            made = new Resolution<>(null, writer.getFullName(), describe(compatibility), false);
        }
        Resolution<T> previous = resolutions.putIfAbsent(schemaId, made);
        return previous != null ? previous : made;
    }

    private static String describe(SchemaCompatibility.SchemaPairCompatibility compatibility) {
        List<String> parts = new ArrayList<>();
        for (SchemaCompatibility.Incompatibility incompatibility
                : compatibility.getResult().getIncompatibilities()) {
            parts.add(incompatibility.getType() + " at " + incompatibility.getLocation() + ": "
                    + incompatibility.getMessage());
        }
        return parts.isEmpty() ? compatibility.getDescription() : String.join("; ", parts);
    }

    @Override
    public void close() {
        // Nothing to release: see AvroSerializer#close.
    }

    /** A writer id's resolving reader, or why there is none; and whether its bodies are reader bodies. */
    private record Resolution<T>(DatumReader<T> reader, String writerName, String incompatibility,
                                 boolean encodesAsReader) {
    }
}
