package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The join's expiry index lives in memory, one per task, shared by its study and order
 * processors: it must be rebuilt from the stores a task starts on (TopologyTestDriver wipes its
 * state when closed, so this drives the processors directly), and an entry written by either
 * processor must be expired by the study side's punctuation.
 */
class JoinExpiryTest {

    private static final long T0 = 1_800_000_000_000L;
    private static final Duration RETENTION = Duration.ofDays(7);

    private final Map<String, Object> serdeConfig =
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
    private final AvroSerde<StudyAssembled> studySerde = new AvroSerde<>(StudyAssembled.class);
    private final AvroSerde<OrderContext> orderSerde = new AvroSerde<>(OrderContext.class);
    private final JoinState.Indexes indexes = new JoinState.Indexes();
    private MockProcessorContext<String, SplicedStudy> context;
    private KeyValueStore<String, Timed<OrderContext>> orders;
    private KeyValueStore<String, Timed<JoinedStudy>> studies;

    @BeforeEach
    void stores() {
        orderSerde.configure(serdeConfig, false);
        studySerde.configure(serdeConfig, false);
        context = new MockProcessorContext<>();
        context.setCurrentStreamTimeMs(T0);
        orders = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TriageTopology.ORDER_STORE),
                Serdes.String(), new Timed.StoreSerde<>(orderSerde)).withLoggingDisabled().build();
        studies = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(TriageTopology.JOINED_STUDY_STORE),
                Serdes.String(), new Timed.StoreSerde<>(new JoinedStudy.StoreSerde(studySerde, orderSerde)))
                .withLoggingDisabled().build();
        orders.init(context.getStateStoreContext(), orders);
        studies.init(context.getStateStoreContext(), studies);
        context.addStateStore(orders);
        context.addStateStore(studies);
    }

    @Test
    void entriesOfTheStoresATaskStartsOnExpireWhenTheirRetentionEnds() {
        orders.put("ACC-1", new Timed<>(order("ACC-1"), T0 + 1_000));
        String studyKey = JoinState.studyKey("ACC-1", "1.2.3");
        studies.put(studyKey, new Timed<>(new JoinedStudy(1, null, new byte[] {1}), T0 + 2_000));
        initBothProcessors();

        expiry().punctuate(T0 + 999);
        assertThat(orders.get("ACC-1")).isNotNull();

        expiry().punctuate(T0 + 1_000);
        assertThat(orders.get("ACC-1")).isNull();
        assertThat(studies.get(studyKey)).isNotNull();

        expiry().punctuate(T0 + 2_000);
        assertThat(studies.get(studyKey)).isNull();
    }

    @Test
    void orderStoredByTheOrderSideIsExpiredByTheStudySide() {
        OrderJoinProcessor orderSide = initBothProcessors();

        orderSide.process(new Record<>("ACC-2", order("ACC-2"), T0));

        expiry().punctuate(T0 + RETENTION.toMillis() - 1);
        assertThat(orders.get("ACC-2")).isNotNull();
        expiry().punctuate(T0 + RETENTION.toMillis());
        assertThat(orders.get("ACC-2")).isNull();
    }

    @Test
    void aRewrittenEntryExpiresARetentionAfterItsLastWrite() {
        OrderJoinProcessor orderSide = initBothProcessors();

        orderSide.process(new Record<>("ACC-3", order("ACC-3"), T0));
        context.setCurrentStreamTimeMs(T0 + 5_000);
        orderSide.process(new Record<>("ACC-3", orderBuilder("ACC-3").setOrderingSite("north").build(), T0 + 5_000));

        expiry().punctuate(T0 + RETENTION.toMillis());
        assertThat(orders.get("ACC-3")).isNotNull();
        expiry().punctuate(T0 + 5_000 + RETENTION.toMillis());
        assertThat(orders.get("ACC-3")).isNull();
    }

    @Test
    void theIndexIsRebuiltWhicheverJoinProcessorIsInitializedFirst() {
        orders.put("ACC-4", new Timed<>(order("ACC-4"), T0 + 1_000));
        OrderJoinProcessor orderSide = orderSide();
        orderSide.init(context);
        new StudyJoinProcessor(RETENTION, Duration.ofSeconds(1), indexes).init(context);

        orderSide.process(new Record<>("ACC-5", order("ACC-5"), T0));
        expiry().punctuate(T0 + 1_000);
        assertThat(orders.get("ACC-4")).isNull();
        expiry().punctuate(T0 + RETENTION.toMillis());
        assertThat(orders.get("ACC-5")).isNull();
    }

    private OrderJoinProcessor initBothProcessors() {
        StudyJoinProcessor studySide = new StudyJoinProcessor(RETENTION, Duration.ofSeconds(1), indexes);
        OrderJoinProcessor orderSide = orderSide();
        studySide.init(context);
        orderSide.init(context);
        return orderSide;
    }

    private OrderJoinProcessor orderSide() {
        return new OrderJoinProcessor(RETENTION, new SplicedStudy.Serde(studySerde).deserializer(), indexes);
    }

    private Punctuator expiry() {
        return context.scheduledPunctuators().stream().filter(p -> p.getType() == PunctuationType.STREAM_TIME)
                .findFirst().orElseThrow().getPunctuator();
    }

    private static OrderContext.Builder orderBuilder(String accession) {
        return OrderContext.newBuilder().setAccessionNumber(accession).setOrderPriority(OrderPriority.ROUTINE);
    }

    private static OrderContext order(String accession) {
        return orderBuilder(accession).build();
    }
}
