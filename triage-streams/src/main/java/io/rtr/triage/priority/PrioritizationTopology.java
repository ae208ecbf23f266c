package io.rtr.triage.priority;

import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import java.util.List;
import java.util.Map;
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
 * The prioritization topology, a pure function of {@link PrioritizationConfig}:
 * <pre>
 * rtr.studies + rtr.scores + rtr.worklist.actions (bytes, all keyed by StudyInstanceUID)
 *   -> decode --undecodable--> rtr.triage.dlq
 *   -> study prioritizer (per study partition; store priority-studies; aging punctuator)
 *   -> repartition into ONE partition ("priority-routing")
 *   -> worklist router (stores priority-assignments, priority-queue-lengths)
 *   -> rtr.worklist (key StudyInstanceUID; tombstone on completion)
 * </pre>
 *
 * <p><b>Per-study state.</b> The three inputs share the study key and
 * {@link Topics#STUDY_PARTITIONS}, so one task sees every event of a study and joins them in
 * {@link #STUDY_STORE} without a repartition. Ranking, aging and versioning happen there and scale
 * with the study partitions. The version counter lives in the same store, and a completed study
 * leaves a marker with its last version, so versions only grow and a late score or revision
 * cannot resurrect it.
 *
 * <p><b>Queue lengths need a global view.</b> Balancing by shortest queue must count every open
 * study of a radiologist, whichever partition it lives in. Alternatives considered: a GlobalKTable
 * of queue lengths fed back from rtr.worklist is cheap but stale by at least one commit interval,
 * so a burst of new studies would all see the same lengths and land on the same radiologist;
 * per-partition counts are simply wrong. Chosen: every entry, already ranked, passes through a
 * single-partition internal topic to one router task that owns the assignments and the counts, so
 * every assignment sees every earlier one (exact, no double assignment, and the counts commit
 * atomically with the output under exactly-once). The cost is one extra hop (about a commit
 * interval of latency) and a single task for routing; its work is one small record per worklist
 * change (studies arrive at ~10/s, aging adds at most one update per entry per interval), far below
 * what one task handles. Per-study order is kept: a study's updates leave one task in order and
 * travel one partition.
 *
 * <p><b>Orders.</b> rtr.clinic.orders is not read here: the triage app joins it by accession number
 * (the order does not know its study UID) and publishes every order change as a new
 * {@code ORDER_ENRICHED} revision on rtr.studies, so a patient checking out or a changed priority
 * reaches this topology as a revision, already keyed by study.
 *
 * <p>State stores (all persistent, changelogged): {@link #STUDY_STORE}, {@link #ASSIGNMENT_STORE},
 * {@link #QUEUE_STORE}. Time: aging uses wall-clock punctuation (see {@code StudyPrioritizer}).
 */
public final class PrioritizationTopology {

    /** Study UID -> per-study prioritization state (revision, score, order, status, version). */
    public static final String STUDY_STORE = "priority-studies";
    /** Study UID -> the radiologist whose worklist holds it, and why (order, rule or pool). */
    public static final String ASSIGNMENT_STORE = "priority-assignments";
    /** Radiologist id -> number of open (unread or claimed) studies on their worklist. */
    public static final String QUEUE_STORE = "priority-queue-lengths";
    /**
     * Name of the single-partition internal topic to the router; on the broker it is
     * {@code <application.id>-priority-routing-repartition}.
     */
    public static final String ROUTING_TOPIC = "priority-routing";

    private PrioritizationTopology() {
    }

    /** Builds the topology; calls nothing outside the process. */
    public static Topology build(PrioritizationConfig config) {
        Map<String, Object> serdeConfig = config.serdeConfig();
        Serde<String> keys = Serdes.String();
        Serde<WorklistEntry> worklistSerde = Topics.WORKLIST.valueSerde(serdeConfig);
        Map<String, AvroDeserializer<? extends SpecificRecord>> deserializers = Map.of(
                Topics.STUDIES.name(), deserializer(Topics.STUDIES.valueSerde(serdeConfig)),
                Topics.SCORES.name(), deserializer(Topics.SCORES.valueSerde(serdeConfig)),
                Topics.WORKLIST_ACTIONS.name(), deserializer(Topics.WORKLIST_ACTIONS.valueSerde(serdeConfig)));

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STUDY_STORE), keys,
                StudyPriorityState.SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ASSIGNMENT_STORE), keys,
                Assignment.SERDE));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QUEUE_STORE), keys,
                Serdes.Long()));

        // Bytes first, so an undecodable record is a dead letter, not a stopped app.
        KStream<String, InputDecodeProcessor.Decoded> decoded = builder
                .stream(List.of(Topics.STUDIES.name(), Topics.SCORES.name(), Topics.WORKLIST_ACTIONS.name()),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("priority-inputs"))
                .process(() -> new InputDecodeProcessor(deserializers), Named.as("priority-decoder"));
        Map<String, KStream<String, InputDecodeProcessor.Decoded>> branches = decoded
                .split(Named.as("priority-decoded-"))
                .branch((key, value) -> value.letter() != null, Branched.as("dead-letters"))
                .defaultBranch(Branched.as("inputs"));
        branches.get("priority-decoded-dead-letters")
                .map((key, value) -> KeyValue.pair(value.letter().key(), value.letter().value()),
                        Named.as("priority-dead-letter-bytes"))
                .to(Topics.TRIAGE_DLQ.name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName("priority-dead-letter-sink"));

        branches.get("priority-decoded-inputs")
                .mapValues(InputDecodeProcessor.Decoded::input, Named.as("priority-input-values"))
                .process(() -> new StudyPrioritizer(config.policy(), config.agingInterval(), config.agingMinChange(),
                        config.completedRetention()), Named.as("study-prioritizer"), STUDY_STORE)
                .repartition(Repartitioned.with(keys, RoutingRequest.SERDE).withName(ROUTING_TOPIC)
                        .withNumberOfPartitions(1))
                .process(() -> new WorklistRouter(config.assignmentRules()), Named.as("worklist-router"),
                        ASSIGNMENT_STORE, QUEUE_STORE)
                .to(Topics.WORKLIST.name(), Produced.with(keys, worklistSerde).withName("worklist-sink"));
        return builder.build();
    }

    private static AvroDeserializer<? extends SpecificRecord> deserializer(Serde<? extends SpecificRecord> serde) {
        return (AvroDeserializer<? extends SpecificRecord>) serde.deserializer();
    }
}
