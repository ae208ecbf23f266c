package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.triage.priority.PrioritizationConfig;
import io.rtr.triage.priority.PrioritizationTopology;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalTopicsTest {

    @Test
    void triageReadsInstancesAndOrdersAndWritesStudiesRejectionsAndDeadLetters() {
        TriageConfig config = new TriageConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG,
                new SwitchableRegistry()));

        assertThat(ExternalTopics.of(TriageTopology.build(config).describe())).containsExactlyInAnyOrder(
                Topics.INSTANCES.name(), Topics.CLINIC_ORDERS.name(), Topics.STUDIES.name(),
                Topics.INSTANCES_REJECTED.name(), Topics.TRIAGE_DLQ.name());
    }

    @Test
    void prioritizationLeavesItsRoutingRepartitionTopicToKafkaStreams() {
        PrioritizationConfig config = new PrioritizationConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG,
                new SwitchableRegistry()));

        assertThat(ExternalTopics.of(PrioritizationTopology.build(config).describe())).containsExactlyInAnyOrder(
                Topics.STUDIES.name(), Topics.SCORES.name(), Topics.WORKLIST_ACTIONS.name(), Topics.WORKLIST.name(),
                Topics.TRIAGE_DLQ.name());
    }
}
