package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class TriageConfigTest {

    private static TriageConfig config(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
        props.putAll(overrides);
        return new TriageConfig(props);
    }

    @Test
    void streamsRunExactlyOnceV2() {
        Properties streams = config(Map.of()).streamsProperties();

        assertThat(streams).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, TriageConfig.APPLICATION_ID_DEFAULT)
                .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, TriageConfig.BOOTSTRAP_SERVERS_DEFAULT);
    }

    @Test
    void streamsPrefixedSettingsReachKafkaStreamsWithoutThePrefix() {
        Properties streams = config(Map.of("streams.state.dir", "/tmp/rtr-state")).streamsProperties();

        assertThat(streams).containsEntry(StreamsConfig.STATE_DIR_CONFIG, "/tmp/rtr-state");
    }

    @Test
    void producerLingersUpToTheCommitIntervalInLargeBatches() {
        Properties streams = config(Map.of()).streamsProperties();

        assertThat(streams).containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100")
                .containsEntry(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "100")
                .containsEntry(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), "262144")
                .containsEntry(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "33554432");
    }

    @Test
    void mainConsumerFetchesAQuarterMegabytePerPartition() {
        Properties streams = config(Map.of()).streamsProperties();

        assertThat(streams).containsEntry(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), "262144");
    }

    @Test
    void streamsPrefixedSettingsOverrideTheDefaults() {
        Properties streams = config(Map.of("streams.producer.linger.ms", "5", "streams.commit.interval.ms", "1000"))
                .streamsProperties();

        assertThat(streams).containsEntry("producer.linger.ms", "5")
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
    }

    @Test
    void producerLingerFollowsAnOverriddenCommitInterval() {
        Properties streams = config(Map.of("streams.commit.interval.ms", "1000")).streamsProperties();

        assertThat(streams).containsEntry(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "1000");
    }

    @Test
    void defaultsDescribeScreeningMammography() {
        AssemblyPolicy policy = config(Map.of()).assemblyPolicy();

        assertThat(policy.expectedViews()).containsEntry("MG", Set.of("L-CC", "L-MLO", "R-CC", "R-MLO"));
        assertThat(policy.quietPeriod("MG")).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.quietPeriod("CT")).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void malformedExpectedViewsNameTheKey() {
        assertThatThrownBy(() -> config(Map.of(TriageConfig.EXPECTED_VIEWS_CONFIG, "MG=LCC")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(TriageConfig.EXPECTED_VIEWS_CONFIG)
                .hasMessageContaining("'LCC' is not LATERALITY-VIEWPOSITION");
    }

    @Test
    void nonPositiveQuietPeriodNamesTheKey() {
        assertThatThrownBy(() -> config(Map.of(TriageConfig.QUIET_PERIOD_BY_MODALITY_CONFIG, "MG=0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(TriageConfig.QUIET_PERIOD_BY_MODALITY_CONFIG);
    }

    @Test
    void topologyUsesNamedStoresAndAccessionKeyedRepartitionTopics() {
        TopologyDescription description = TriageTopology.build(config(Map.of())).describe();
        String text = description.toString();

        assertThat(text).contains(TriageTopology.STUDY_STORE, TriageTopology.ORDER_STORE, TriageTopology.JOINED_STUDY_STORE,
                TriageTopology.STUDIES_BY_ACCESSION + "-repartition",
                TriageTopology.ORDERS_BY_ACCESSION + "-repartition",
                Topics.INSTANCES.name(), Topics.CLINIC_ORDERS.name(), Topics.STUDIES.name(),
                Topics.INSTANCES_REJECTED.name(), Topics.TRIAGE_DLQ.name());
    }
}
