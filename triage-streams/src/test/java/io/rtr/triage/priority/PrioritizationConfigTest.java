package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.triage.SwitchableRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class PrioritizationConfigTest {

    private static PrioritizationConfig config(Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
        props.putAll(overrides);
        return new PrioritizationConfig(props);
    }

    @Test
    void defaultsRunExactlyOnceWithEverythingInThePool() {
        PrioritizationConfig config = config(Map.of());

        assertThat(config.streamsProperties()).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.EXACTLY_ONCE_V2).containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "rtr-prioritization");
        assertThat(config.assignmentRules().choose("clinic-north", "breast", r -> 0).radiologist())
                .isEqualTo("reading-pool");
    }

    @Test
    void streamsPrefixedSettingsArePassedThrough() {
        assertThat(config(Map.of("streams.state.dir", "/tmp/x")).streamsProperties())
                .containsEntry("state.dir", "/tmp/x");
    }

    @Test
    void rejectsAReaderRuleWithoutReaders() {
        assertThatThrownBy(() -> config(Map.of(PrioritizationConfig.SITE_READERS_CONFIG, "clinic-north=")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(PrioritizationConfig.SITE_READERS_CONFIG);
    }

    @Test
    void rejectsASiteListedTwice() {
        assertThatThrownBy(() -> config(Map.of(PrioritizationConfig.SITE_READERS_CONFIG, "a=dr-a,a=dr-b")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listed twice");
    }

    @Test
    void rejectsThePoolAsARadiologistOnDuty() {
        assertThatThrownBy(() -> config(Map.of(PrioritizationConfig.ON_DUTY_CONFIG, "dr-a,reading-pool")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(PrioritizationConfig.POOL_CONFIG);
    }

    @Test
    void rejectsANegativeAgingRate() {
        assertThatThrownBy(() -> config(Map.of(PrioritizationConfig.AGING_PER_MINUTE_CONFIG, -1.0)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(PrioritizationConfig.AGING_PER_MINUTE_CONFIG);
    }
}
