package io.rtr.schemas;

import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic described once: its name, how its keys and values are (de)serialized, and how it
 * should be created. The serde factories return a fresh, unconfigured serde on every call; use
 * {@link #keySerde(Map)} and {@link #valueSerde(Map)} to get configured ones.
 *
 * @param name topic name
 * @param keySerdeFactory makes a new key serde
 * @param valueSerdeFactory makes a new value serde
 * @param compacted whether the topic uses {@code cleanup.policy=compact} (latest value per key)
 * @param partitions suggested partition count when the topic is created
 */
public record Topic<K, V>(String name, Supplier<Serde<K>> keySerdeFactory,
                          Supplier<Serde<V>> valueSerdeFactory, boolean compacted, int partitions) {

    /** Validates the description. */
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerdeFactory, "keySerdeFactory");
        Objects.requireNonNull(valueSerdeFactory, "valueSerdeFactory");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name is blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be >= 1, was " + partitions);
        }
    }

    /** A key serde configured with no settings; enough for the String and byte[] keys RTR uses. */
    public Serde<K> keySerde() {
        return keySerde(Map.of());
    }

    /** A new key serde configured with {@code serdeConfig} (e.g. the schema registry URL). */
    public Serde<K> keySerde(Map<String, ?> serdeConfig) {
        Serde<K> serde = keySerdeFactory.get();
        serde.configure(serdeConfig, true);
        return serde;
    }

    /**
     * A new value serde configured with {@code serdeConfig}; Avro values need
     * {@code schema.registry.url} or {@code rtr.schema.registry.client} (see
     * {@link io.rtr.schemas.serde.AvroSerdeConfig}).
     */
    public Serde<V> valueSerde(Map<String, ?> serdeConfig) {
        Serde<V> serde = valueSerdeFactory.get();
        serde.configure(serdeConfig, false);
        return serde;
    }

    /**
     * Topic-level configs to create the topic with: the cleanup policy and, for a topic that is not
     * compacted, no time limit ({@code retention.ms=-1}). The log is the audit trail, and audits
     * and replays read back months (ARCHITECTURE.md); the broker's default retention (7 days)
     * would silently cut them short. An operator who needs a limit sets one on the topic.
     */
    public Map<String, String> topicConfigs() {
        if (compacted) {
            return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, "-1");
    }

    /** An admin-client request creating this topic with its suggested partitions and configs. */
    public NewTopic newTopic(short replicationFactor) {
        return new NewTopic(name, partitions, replicationFactor).configs(topicConfigs());
    }

    @Override
    public String toString() {
        return name;
    }
}
