package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.triage.SwitchableRegistry;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class TopologyShapeTest {

    @Test
    void joinsTheThreeStudyKeyedInputsInOneSubTopologyAndRoutesThroughASecond() {
        TopologyDescription description = PrioritizationTopology.build(new PrioritizationConfig(
                Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry()))).describe();

        assertThat(description.subtopologies()).hasSize(2)
                .extracting(TopologyShapeTest::sourceTopics)
                .containsExactlyInAnyOrder(
                        Set.of(Topics.STUDIES.name(), Topics.SCORES.name(), Topics.WORKLIST_ACTIONS.name()),
                        Set.of(PrioritizationTopology.ROUTING_TOPIC + "-repartition"));
        assertThat(description.toString()).contains(PrioritizationTopology.STUDY_STORE,
                PrioritizationTopology.ASSIGNMENT_STORE, PrioritizationTopology.QUEUE_STORE);
    }

    private static Set<String> sourceTopics(TopologyDescription.Subtopology subtopology) {
        return subtopology.nodes().stream()
                .filter(node -> node instanceof TopologyDescription.Source)
                .flatMap(node -> ((TopologyDescription.Source) node).topicSet().stream())
                .collect(Collectors.toSet());
    }
}
