package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerde;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The triage topology, a pure function of {@link TriageConfig}:
 * <pre>
 * rtr.instances (bytes) -> decode --undecodable--> rtr.triage.dlq
 *   -> filter rules --rejected--> rtr.instances.rejected
 *   -> dedupe + assemble (by StudyInstanceUID) --exact repeat--> rtr.instances.rejected
 *   -> repartition by accession number ("studies-by-accession")
 *   -> join with orders, number revisions -> rtr.studies (key StudyInstanceUID)
 * rtr.clinic.orders (Debezium JSON) -> parse --unusable--> rtr.triage.dlq
 *   -> repartition by accession number ("orders-by-accession") -> join (above)
 * </pre>
 *
 * <p><b>Keying.</b> Studies are keyed by StudyInstanceUID and orders by accession number; an order
 * does not know its study UID, so the join cannot happen on the study side. Both sides are
 * therefore repartitioned by accession number into internal topics with the same partition count
 * ({@link TriageConfig#JOIN_PARTITIONS_CONFIG}), and the join stage is the single owner of revision
 * numbers, so a late instance and a late order can never both claim the same revision. Its
 * output is keyed by StudyInstanceUID again. The cost is one more hop for study snapshots (not for
 * instances) and a copy of the last revision per study in {@link #JOINED_STUDY_STORE}.
 *
 * <p>State stores (all persistent, changelogged, cached so that the writes of one commit interval
 * reach the changelog once per key; punctuations and range scans read through the cache):
 * {@link #STUDY_STORE}, {@link #ORDER_STORE}, {@link #JOINED_STUDY_STORE}; the quiet-period and
 * expiry indexes live in memory, rebuilt from these stores (see {@link DeadlineIndex}). Time: quiet periods use wall-clock punctuation (see
 * {@code StudyAssemblyProcessor}); state retention uses stream-time punctuation; nothing else
 * depends on time.
 */
public final class TriageTopology {

    /** Study UID -> study being assembled (instances so far, quiet deadline, expiry). */
    public static final String STUDY_STORE = "triage-study-assembly";
    /** Accession number -> latest order from the clinic. */
    public static final String ORDER_STORE = "triage-orders-by-accession";
    /** Accession number + study UID -> last emitted revision of the study. */
    public static final String JOINED_STUDY_STORE = "triage-joined-studies";

    /** Name of the internal repartition topic of study snapshots (prefixed by the application id). */
    public static final String STUDIES_BY_ACCESSION = "studies-by-accession";
    /** Name of the internal repartition topic of orders (prefixed by the application id). */
    public static final String ORDERS_BY_ACCESSION = "orders-by-accession";

    private TriageTopology() {
    }

    /** Builds the topology; calls nothing outside the process. */
    public static Topology build(TriageConfig config) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        AvroSerde<InstanceReceived> instanceSerde = avroSerde(InstanceReceived.class, serdeConfig);
        Serde<InstanceRejected> rejectedSerde = Topics.INSTANCES_REJECTED.valueSerde(serdeConfig);
        AvroSerde<StudyAssembled> studySerde = avroSerde(StudyAssembled.class, serdeConfig);
        // Studies on the repartition topic and rtr.studies are StudyAssembled in the wire format,
        // written and read as SplicedStudy so that no instance is decoded or encoded on the way.
        SplicedStudy.Serde splicedStudySerde = new SplicedStudy.Serde(studySerde);
        Serde<OrderContext> orderSerde = avroSerde(OrderContext.class, serdeConfig);
        Serde<String> keys = Serdes.String();

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STUDY_STORE), keys,
                new StudyState.StoreSerde(studySerde, instanceSerde)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ORDER_STORE), keys,
                new Timed.StoreSerde<>(orderSerde)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOINED_STUDY_STORE),
                keys, new Timed.StoreSerde<>(new JoinedStudy.StoreSerde(studySerde, orderSerde)))
                .withCachingEnabled());

        // Instances: bytes first, so an undecodable record is a dead letter, not a stopped app.
        KStream<String, ReceivedInstance> decoded = sideToDeadLetters(builder
                .stream(Topics.INSTANCES.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("instances-source"))
                .process(() -> new InstanceDecodeProcessor(Topics.INSTANCES.name(), instanceSerde.deserializer()),
                        Named.as("instance-decoder")), "instance-dead-letters");

        KStream<String, ReceivedInstance> accepted = splitSide(decoded
                        .process(() -> new InstanceFilterProcessor(config.rules()), Named.as("instance-filter")),
                "filter-", side -> side.to(Topics.INSTANCES_REJECTED.name(),
                        Produced.with(keys, rejectedSerde).withName("rejected-by-rule")));

        KStream<String, SplicedStudy> snapshots = splitSide(accepted
                        .process(() -> new StudyAssemblyProcessor(config.assemblyPolicy(), config.punctuateInterval(),
                                        config.stateRetention(), instanceSerde.deserializer()),
                                Named.as("study-assembler"), STUDY_STORE),
                "assembler-", side -> side.to(Topics.INSTANCES_REJECTED.name(),
                        Produced.with(keys, rejectedSerde).withName("rejected-as-duplicate")));

        KStream<String, StudySnapshot> studiesByAccession = snapshots
                .mapValues(study -> new StudySnapshot(study, null), Named.as("study-snapshots"))
                .repartition(Repartitioned.with(keys, new StudySnapshot.Serde(splicedStudySerde))
                        .withName(STUDIES_BY_ACCESSION).withNumberOfPartitions(config.joinPartitions()));

        // Orders: Debezium JSON text, re-keyed by accession number by the parser.
        KStream<String, OrderContext> ordersByAccession = sideToDeadLetters(builder
                .stream(Topics.CLINIC_ORDERS.name(), Consumed.with(keys, Serdes.String()).withName("orders-source"))
                .process(OrderParseProcessor::new, Named.as("order-parser")), "order-dead-letters")
                .repartition(Repartitioned.with(keys, orderSerde).withName(ORDERS_BY_ACCESSION)
                        .withNumberOfPartitions(config.joinPartitions()));

        JoinState.Indexes joinIndexes = new JoinState.Indexes();
        KStream<String, SplicedStudy> joinedStudies = studiesByAccession.process(
                () -> new StudyJoinProcessor(config.stateRetention(), config.punctuateInterval(), joinIndexes),
                Named.as("study-order-join"), ORDER_STORE, JOINED_STUDY_STORE);
        KStream<String, SplicedStudy> enrichedStudies = ordersByAccession.process(
                () -> new OrderJoinProcessor(config.stateRetention(), splicedStudySerde.deserializer(), joinIndexes),
                Named.as("order-study-join"), ORDER_STORE, JOINED_STUDY_STORE);
        joinedStudies.merge(enrichedStudies, Named.as("studies-merge"))
                .to(Topics.STUDIES.name(), Produced.with(keys, splicedStudySerde).withName("studies-sink"));

        return builder.build();
    }

    private static <K, M, S> KStream<K, M> splitSide(KStream<K, Outcome<M, S>> stream, String prefix,
                                                     Consumer<KStream<K, S>> side) {
        Map<String, KStream<K, Outcome<M, S>>> branches = stream.split(Named.as(prefix))
                .branch((key, outcome) -> outcome.isSide(), Branched.as("side"))
                .defaultBranch(Branched.as("main"));
        side.accept(branches.get(prefix + "side").mapValues(Outcome::side, Named.as(prefix + "side-value")));
        return branches.get(prefix + "main").mapValues(Outcome::main, Named.as(prefix + "main-value"));
    }

    private static <M> KStream<String, M> sideToDeadLetters(KStream<String, Outcome<M, DeadLetter>> stream,
                                                            String name) {
        return splitSide(stream, name + "-", side -> side
                .map((key, letter) -> KeyValue.pair(letter.key(), letter.value()), Named.as(name + "-bytes"))
                .to(Topics.TRIAGE_DLQ.name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(name + "-sink")));
    }

    private static <T extends SpecificRecord> AvroSerde<T> avroSerde(Class<T> type, Map<String, Object> serdeConfig) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(serdeConfig, false);
        return serde;
    }
}
