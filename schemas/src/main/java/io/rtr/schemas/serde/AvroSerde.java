package io.rtr.schemas.serde;

import io.rtr.schemas.registry.SchemaRegistryClient;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * Kafka {@link Serde} pairing {@link AvroSerializer} and {@link AvroDeserializer} for one
 * SpecificRecord class, e.g. for Kafka Streams; both halves share one registry client.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;
    private final boolean clientGiven;

    /**
     * For Kafka to instantiate by class name (e.g. {@code default.value.serde}); {@link #configure}
     * must name the class ({@value AvroSerdeConfig#SPECIFIC_AVRO_VALUE_TYPE_CONFIG}) and the registry.
     */
    public AvroSerde() {
        this.serializer = new AvroSerializer<>();
        this.deserializer = new AvroDeserializer<>();
        this.clientGiven = false;
    }

    /** A serde for {@code type}; {@link #configure} must supply the registry. */
    public AvroSerde(Class<T> type) {
        this.serializer = new AvroSerializer<>();
        this.deserializer = new AvroDeserializer<>(type);
        this.clientGiven = false;
    }

    /** A value serde for {@code type} using {@code client}; {@link #configure} is optional. */
    public AvroSerde(Class<T> type, SchemaRegistryClient client) {
        this.serializer = new AvroSerializer<>(client);
        this.deserializer = new AvroDeserializer<>(type, client);
        this.clientGiven = true;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Map<String, Object> shared = new HashMap<>(configs);
        boolean configNamesRegistry = configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG)
                || configs.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
        if (!clientGiven || configNamesRegistry) {
            // One client for both halves: one HTTP client and one cache instead of two.
            shared.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new AvroSerdeConfig(configs).registryClient());
        }
        serializer.configure(shared, isKey);
        deserializer.configure(shared, isKey);
    }

    @Override
    public AvroSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public AvroDeserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
