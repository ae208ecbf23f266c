package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The assembler's deadline indexes live in memory: a task that starts on a store restored from
 * its changelog (a restart, a rebalance, an aborted transaction) must rebuild them from the study
 * states, or a study waiting for its quiet period would never be emitted and an old one never
 * expire. TopologyTestDriver wipes its state when closed, so this drives the processor directly
 * on a store that holds what the changelog would restore.
 */
class StudyAssemblyRestartTest {

    private static final Instant NOW = Instant.parse("2026-11-22T09:00:00Z");
    private static final Duration RETENTION = Duration.ofDays(7);

    private final Map<String, Object> serdeConfig =
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
    private final Serde<InstanceReceived> instanceSerde = Topics.INSTANCES.valueSerde(serdeConfig);
    private final Serde<StudyAssembled> studySerde = Topics.STUDIES.valueSerde(serdeConfig);
    private MockProcessorContext<String, Outcome<SplicedStudy, InstanceRejected>> context;
    private KeyValueStore<String, StudyState> store;

    @BeforeEach
    void restoredStore() {
        context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(NOW.toEpochMilli());
        context.setCurrentStreamTimeMs(NOW.toEpochMilli());
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TriageTopology.STUDY_STORE),
                Serdes.String(), new StudyState.StoreSerde(studySerde, instanceSerde)).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }

    @Test
    void studyWaitingForItsQuietPeriodIsEmittedWhenItEnds() {
        store.put("waiting", state("waiting", 2, 0, NOW.plusSeconds(30).toEpochMilli(), NOW.toEpochMilli()));
        store.put("emitted", state("emitted", 4, 1, StudyState.NONE, NOW.toEpochMilli()));
        StudyAssemblyProcessor processor = initializedProcessor();

        wallClockPunctuation().punctuate(NOW.plusSeconds(29).toEpochMilli());
        assertThat(context.forwarded()).isEmpty();

        wallClockPunctuation().punctuate(NOW.plusSeconds(30).toEpochMilli());
        assertThat(context.forwarded()).singleElement().satisfies(forwarded -> {
            SplicedStudy study = forwarded.record().value().main();
            assertThat(study.studyInstanceUid()).isEqualTo("waiting");
            assertThat(study.completenessReason()).isEqualTo(CompletenessReason.QUIET_PERIOD_ELAPSED);
            assertThat(study.instances().count()).isEqualTo(2);
        });
        assertThat(store.get("waiting").emitted()).isTrue();
        processor.close();
    }

    @Test
    void studyStateExpiresARetentionAfterItsLastInstance() {
        long expiresAt = NOW.plus(RETENTION).toEpochMilli();
        store.put("old", state("old", 4, 1, StudyState.NONE, expiresAt));
        initializedProcessor();

        streamTimePunctuation().punctuate(expiresAt - 1);
        assertThat(store.get("old")).isNotNull();

        streamTimePunctuation().punctuate(expiresAt);
        assertThat(store.get("old")).isNull();
        assertThat(context.forwarded()).as("an emitted study expires silently").isEmpty();
    }

    @Test
    void indexesFollowTheStoreAgainWhenTheTaskIsInitializedAnew() {
        store.put("waiting", state("waiting", 1, 0, NOW.plusSeconds(30).toEpochMilli(), NOW.toEpochMilli()));
        StudyAssemblyProcessor processor = initializedProcessor();
        processor.close();
        // What an aborted transaction leaves: the store rolled back to a state the index never saw.
        store.put("waiting", state("waiting", 1, 0, NOW.plusSeconds(90).toEpochMilli(), NOW.toEpochMilli()));
        context.resetForwards();
        List<MockProcessorContext.CapturedPunctuator> before = context.scheduledPunctuators();
        processor.init(context);
        MockProcessorContext.CapturedPunctuator wallClock = context.scheduledPunctuators().get(before.size());

        wallClock.getPunctuator().punctuate(NOW.plusSeconds(60).toEpochMilli());
        assertThat(context.forwarded()).isEmpty();
        wallClock.getPunctuator().punctuate(NOW.plusSeconds(90).toEpochMilli());
        assertThat(context.forwarded()).hasSize(1);
    }

    private StudyAssemblyProcessor initializedProcessor() {
        TriageConfig config = new TriageConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG,
                serdeConfig.get(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG)));
        AvroSerde<InstanceReceived> serde = new AvroSerde<>(InstanceReceived.class);
        serde.configure(serdeConfig, false);
        StudyAssemblyProcessor processor = new StudyAssemblyProcessor(config.assemblyPolicy(), Duration.ofSeconds(1),
                RETENTION, serde.deserializer());
        processor.init(context);
        return processor;
    }

    private org.apache.kafka.streams.processor.Punctuator wallClockPunctuation() {
        return punctuator(PunctuationType.WALL_CLOCK_TIME);
    }

    private org.apache.kafka.streams.processor.Punctuator streamTimePunctuation() {
        return punctuator(PunctuationType.STREAM_TIME);
    }

    private org.apache.kafka.streams.processor.Punctuator punctuator(PunctuationType type) {
        return context.scheduledPunctuators().stream().filter(p -> p.getType() == type).findFirst()
                .orElseThrow().getPunctuator();
    }

    private StudyState state(String uid, int views, int emitted, long quietDeadlineMs, long expiresAtMs) {
        StudyState state = new StudyState(uid);
        String[][] all = {{"L", "CC"}, {"L", "MLO"}, {"R", "CC"}, {"R", "MLO"}};
        for (int i = 0; i < views; i++) {
            InstanceReceived instance = TestInstances.view(uid, all[i][0], all[i][1]).build();
            state.put(StudyState.Instance.of(new ReceivedInstance(instance,
                    instanceSerde.serializer().serialize(Topics.INSTANCES.name(), instance))));
            state.fillAttributes(instance);
        }
        for (int i = 0; i < emitted; i++) {
            state.nextSnapshot(CompletenessReason.EXPECTED_VIEWS_COMPLETE, new SplicedStudy.Instances.Builder().build(),
                    0L);
        }
        state.quietDeadlineMs(quietDeadlineMs);
        state.expiresAtMs(expiresAtMs);
        return state;
    }
}
