package io.rtr.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Map<String, Object> serdeConfig = AvroSerdeConfig.forRegistryClient(registry);

    @Test
    void everyTopicHasAUniqueRtrName() {
        List<String> names = Topics.ALL.stream().map(Topic::name).toList();

        assertThat(names).doesNotHaveDuplicates().allMatch(name -> name.startsWith("rtr."));
        assertThat(names).containsExactlyInAnyOrder("rtr.instances", "rtr.instances.rejected", "rtr.studies",
                "rtr.scores", "rtr.scores.dlq", "rtr.worklist", "rtr.worklist.actions", "rtr.clinic.orders",
                "rtr.triage.dlq", "rtr.worklist.dlq");
    }

    @Test
    void everyTopicConstantIsInAllSoThatItGetsCreated() throws IllegalAccessException {
        // The brokers create no topic on first use: a constant left out of ALL would never be created.
        List<Topic<?, ?>> constants = new ArrayList<>();
        for (Field field : Topics.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && Topic.class.isAssignableFrom(field.getType())) {
                constants.add((Topic<?, ?>) field.get(null));
            }
        }

        assertThat(constants).hasSizeGreaterThanOrEqualTo(10);
        assertThat(Topics.ALL).containsExactlyInAnyOrderElementsOf(constants);
    }

    @Test
    void studyKeyedTopicsShareOnePartitionCountSoJoinsAreCoPartitioned() {
        assertThat(List.of(Topics.INSTANCES, Topics.INSTANCES_REJECTED, Topics.STUDIES, Topics.SCORES,
                Topics.WORKLIST, Topics.WORKLIST_ACTIONS))
                .allSatisfy(topic -> assertThat(topic.partitions()).isEqualTo(Topics.STUDY_PARTITIONS));
    }

    @Test
    void onlyTheWorklistIsCompacted() {
        assertThat(Topics.ALL).filteredOn(Topic::compacted).containsExactly(Topics.WORKLIST);
        NewTopic worklist = Topics.WORKLIST.newTopic((short) 1);
        assertThat(worklist.configs()).containsEntry("cleanup.policy", "compact");
        assertThat(worklist.numPartitions()).isEqualTo(Topics.STUDY_PARTITIONS);
        assertThat(Topics.SCORES.topicConfigs()).containsEntry("cleanup.policy", "delete");
    }

    @Test
    void eventLogsKeepTheirRecordsWithoutTimeLimitBecauseTheyAreTheAuditTrail() {
        assertThat(Topics.ALL).filteredOn(topic -> !topic.compacted())
                .allSatisfy(topic -> assertThat(topic.topicConfigs()).containsEntry("retention.ms", "-1"));
        assertThat(Topics.WORKLIST.topicConfigs()).doesNotContainKey("retention.ms");
    }

    @Test
    void avroTopicsRoundTripTheirEventAndRegisterUnderTheValueSubject() {
        assertRoundTrip(Topics.INSTANCES, SampleEvents.instanceReceived("1.2.3.4"));
        assertRoundTrip(Topics.INSTANCES_REJECTED, SampleEvents.instanceRejected());
        assertRoundTrip(Topics.STUDIES, SampleEvents.studyAssembled());
        assertRoundTrip(Topics.SCORES, SampleEvents.studyScored());
        assertRoundTrip(Topics.WORKLIST, SampleEvents.worklistEntry());
        assertRoundTrip(Topics.WORKLIST_ACTIONS, SampleEvents.readingAction());

        assertThat(registry.subjects()).containsExactlyInAnyOrder("rtr.instances-value",
                "rtr.instances.rejected-value", "rtr.studies-value", "rtr.scores-value", "rtr.worklist-value",
                "rtr.worklist.actions-value");
    }

    private <V extends SpecificRecord> void assertRoundTrip(Topic<String, V> topic, V value) {
        Serde<String> keys = topic.keySerde();
        Serde<V> values = topic.valueSerde(serdeConfig);
        String key = SampleEvents.STUDY_UID;

        byte[] keyBytes = keys.serializer().serialize(topic.name(), key);
        byte[] valueBytes = values.serializer().serialize(topic.name(), value);

        assertThat(keyBytes).isEqualTo(key.getBytes(StandardCharsets.UTF_8));
        assertThat(valueBytes[0]).isZero();
        assertThat(keys.deserializer().deserialize(topic.name(), keyBytes)).isEqualTo(key);
        assertThat(values.deserializer().deserialize(topic.name(), valueBytes)).isEqualTo(value);
    }

    @Test
    void deadLetterTopicsKeepTheOriginalBytesUnchanged() {
        byte[] original = {0, 0, 0, 0, 1, 42};

        for (Topic<byte[], byte[]> dlq : List.of(Topics.SCORES_DLQ, Topics.TRIAGE_DLQ)) {
            Serde<byte[]> values = dlq.valueSerde(Map.of());
            assertThat(values.deserializer().deserialize(dlq.name(),
                    values.serializer().serialize(dlq.name(), original))).isEqualTo(original);
        }
    }

    @Test
    void clinicOrdersCarryDebeziumJsonText() {
        Serde<String> values = Topics.CLINIC_ORDERS.valueSerde(Map.of());
        String json = "{\"payload\":{\"accession_number\":\"ACC-0001\"}}";

        assertThat(values.deserializer().deserialize("rtr.clinic.orders",
                json.getBytes(StandardCharsets.UTF_8))).isEqualTo(json);
        assertThat(values.deserializer().deserialize("rtr.clinic.orders", null)).isNull();
    }
}
