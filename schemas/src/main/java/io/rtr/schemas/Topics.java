package io.rtr.schemas;

import io.rtr.schemas.serde.AvroSerde;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every RTR topic, typed: use these instead of topic-name strings. Study-scoped topics are keyed
 * by StudyInstanceUID and share {@link #STUDY_PARTITIONS} so that their joins are co-partitioned.
 */
public final class Topics {

    /** Partition count of every topic keyed by StudyInstanceUID; they must match for joins. */
    public static final int STUDY_PARTITIONS = 6;
    /** Partition count of low-volume side topics (dead letters, CDC of one table). */
    public static final int SIDE_PARTITIONS = 1;

    /** Accepted DICOM instances from the ingest connector. */
    public static final Topic<String, InstanceReceived> INSTANCES = new Topic<>("rtr.instances",
            Serdes::String, () -> new AvroSerde<>(InstanceReceived.class), false, STUDY_PARTITIONS);

    /** Instances rejected by ingest or the triage filter, with reason and rule. */
    public static final Topic<String, InstanceRejected> INSTANCES_REJECTED = new Topic<>("rtr.instances.rejected",
            Serdes::String, () -> new AvroSerde<>(InstanceRejected.class), false, STUDY_PARTITIONS);

    /** Assembled (and re-assembled) studies ready to score. */
    public static final Topic<String, StudyAssembled> STUDIES = new Topic<>("rtr.studies",
            Serdes::String, () -> new AvroSerde<>(StudyAssembled.class), false, STUDY_PARTITIONS);

    /** Model scores per study revision. */
    public static final Topic<String, StudyScored> SCORES = new Topic<>("rtr.scores",
            Serdes::String, () -> new AvroSerde<>(StudyScored.class), false, STUDY_PARTITIONS);

    /**
     * Studies the inference worker could not score: the consumed rtr.studies record's key and
     * value bytes unchanged (still Confluent-framed, so they can be decoded later even when they
     * failed to decode now), the reason in {@link DeadLetterHeaders}.
     */
    public static final Topic<byte[], byte[]> SCORES_DLQ = new Topic<>("rtr.scores.dlq",
            Serdes::ByteArray, Serdes::ByteArray, false, SIDE_PARTITIONS);

    /** Per-study worklist state; compacted, a tombstone removes the row once read. */
    public static final Topic<String, WorklistEntry> WORKLIST = new Topic<>("rtr.worklist",
            Serdes::String, () -> new AvroSerde<>(WorklistEntry.class), true, STUDY_PARTITIONS);

    /** Radiologists' claim / release / complete actions, captured from Postgres. */
    public static final Topic<String, ReadingAction> WORKLIST_ACTIONS = new Topic<>("rtr.worklist.actions",
            Serdes::String, () -> new AvroSerde<>(ReadingAction.class), false, STUDY_PARTITIONS);

    /**
     * Debezium change events of the clinic RIS order table, as Debezium's JSON converter writes
     * them (key and value are JSON text; a null value is a delete tombstone). Not Avro: the
     * schema is the RIS's, not ours.
     */
    public static final Topic<String, String> CLINIC_ORDERS = new Topic<>("rtr.clinic.orders",
            Serdes::String, Serdes::String, false, SIDE_PARTITIONS);

    /**
     * Records the triage apps could not process: the input record's key and value bytes
     * unchanged, the reason in {@link DeadLetterHeaders}.
     */
    public static final Topic<byte[], byte[]> TRIAGE_DLQ = new Topic<>("rtr.triage.dlq",
            Serdes::ByteArray, Serdes::ByteArray, false, SIDE_PARTITIONS);

    /**
     * Worklist events the Postgres sink connector could never write, as Kafka Connect's dead-letter
     * queue stores them: the original key and value bytes, Connect's error context in headers.
     */
    public static final Topic<byte[], byte[]> WORKLIST_DLQ = new Topic<>("rtr.worklist.dlq",
            Serdes::ByteArray, Serdes::ByteArray, false, SIDE_PARTITIONS);

    /** Every topic above, for creating them all. */
    public static final List<Topic<?, ?>> ALL = List.of(INSTANCES, INSTANCES_REJECTED, STUDIES, SCORES,
            SCORES_DLQ, WORKLIST, WORKLIST_ACTIONS, CLINIC_ORDERS, TRIAGE_DLQ, WORKLIST_DLQ);

    private Topics() {
    }
}
