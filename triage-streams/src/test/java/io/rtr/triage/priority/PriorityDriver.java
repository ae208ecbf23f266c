package io.rtr.triage.priority;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.triage.SwitchableRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The production prioritization topology in a TopologyTestDriver with an in-memory registry and
 * explicit time: the wall clock starts at {@link #START} and moves only through
 * {@link #advanceWallClock}; events carry record and event times of the current wall clock.
 */
final class PriorityDriver implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-22T09:00:00Z");
    static final String MODEL = "rtr-reference";
    static final String MODEL_VERSION = "1.0.0";
    static final double THRESHOLD = 0.32;

    final TopologyTestDriver driver;
    final SwitchableRegistry registry = new SwitchableRegistry();
    final TestInputTopic<String, StudyAssembled> studies;
    final TestInputTopic<String, StudyScored> scores;
    final TestInputTopic<String, ReadingAction> actions;
    final TestInputTopic<byte[], byte[]> rawScores;
    final TestOutputTopic<String, WorklistEntry> worklist;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    /** Every worklist record read so far, in order (null value = tombstone). */
    final List<KeyValue<String, WorklistEntry>> emitted = new ArrayList<>();
    private final Map<String, Object> serdeConfig;
    private Instant now = START;

    PriorityDriver(Path stateDir, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry);
        props.put(PrioritizationConfig.AGING_INTERVAL_MS_CONFIG, 60_000L);
        props.putAll(overrides);
        PrioritizationConfig config = new PrioritizationConfig(props);

        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "prioritization-test");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(PrioritizationTopology.build(config), streams, START);

        Map<String, Object> serde = config.serdeConfig();
        serdeConfig = serde;
        studies = driver.createInputTopic(Topics.STUDIES.name(), new StringSerializer(),
                Topics.STUDIES.valueSerde(serde).serializer());
        scores = driver.createInputTopic(Topics.SCORES.name(), new StringSerializer(),
                Topics.SCORES.valueSerde(serde).serializer());
        actions = driver.createInputTopic(Topics.WORKLIST_ACTIONS.name(), new StringSerializer(),
                Topics.WORKLIST_ACTIONS.valueSerde(serde).serializer());
        rawScores = driver.createInputTopic(Topics.SCORES.name(), new ByteArraySerializer(),
                new ByteArraySerializer());
        worklist = driver.createOutputTopic(Topics.WORKLIST.name(), new StringDeserializer(),
                Topics.WORKLIST.valueSerde(serde).deserializer());
        deadLetters = driver.createOutputTopic(Topics.TRIAGE_DLQ.name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    static OrderContext.Builder order(OrderPriority priority) {
        return OrderContext.newBuilder().setAccessionNumber("ACC-" + UUID.randomUUID())
                .setOrderPriority(priority).setOrderingSite("clinic-north");
    }

    /** An order whose patient checked in an hour ago and has not left. */
    static OrderContext.Builder inClinic(OrderPriority priority) {
        return order(priority).setPatientArrived(START.minus(Duration.ofHours(1)));
    }

    /** An order whose patient has already gone home. */
    static OrderContext.Builder departed(OrderPriority priority) {
        return inClinic(priority).setPatientDeparted(START.minus(Duration.ofMinutes(10)));
    }

    void study(String uid, int revision, OrderContext order) {
        StudyAssembled study = StudyAssembled.newBuilder()
                .setStudyInstanceUid(uid)
                .setRevision(revision)
                .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE)
                .setInstances(List.of())
                .setOrderContext(order)
                .setAssembledAt(now)
                .setModality("MG")
                .setClinicId("clinic-north")
                .setAccessionNumber(order == null ? "ACC-" + uid : order.getAccessionNumber())
                .build();
        studies.pipeInput(new TestRecord<>(uid, study, now));
    }

    void score(String uid, int revision, double studyScore) {
        scores.pipeInput(new TestRecord<>(uid, scored(uid, revision, studyScore), now));
    }

    static StudyScored scored(String uid, int revision, double studyScore) {
        return StudyScored.newBuilder()
                .setStudyInstanceUid(uid)
                .setStudyRevision(revision)
                .setModelName(MODEL)
                .setModelVersion(MODEL_VERSION)
                .setModelSha256("00")
                .setInstanceScores(List.of())
                .setStudyScore(studyScore)
                .setThreshold(THRESHOLD)
                .setSuspicious(studyScore >= THRESHOLD)
                .setDevice("/CPU:0")
                .setInferenceLatencyMillis(100L)
                .setScoredAt(START)
                .build();
    }

    /** A score for {@code uid} as framed bytes, registered but never read by the topology. */
    static byte[] scoreBytes(PriorityDriver driver, String uid) {
        return Topics.SCORES.valueSerde(driver.serdeConfig).serializer()
                .serialize(Topics.SCORES.name(), scored(uid, 1, 0.5));
    }

    /** Pipes a reading action and returns its id. */
    String action(String uid, ReadingActionType type, String radiologist) {
        String id = UUID.randomUUID().toString();
        ReadingAction action = ReadingAction.newBuilder()
                .setActionId(id)
                .setStudyInstanceUid(uid)
                .setRadiologistId(radiologist)
                .setAction(type)
                .setAt(now)
                .build();
        actions.pipeInput(new TestRecord<>(uid, action, now));
        return id;
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    /** Worklist records emitted since the last call, in order (null value = tombstone). */
    List<KeyValue<String, WorklistEntry>> drain() {
        List<KeyValue<String, WorklistEntry>> records = worklist.readKeyValuesToList();
        emitted.addAll(records);
        return records;
    }

    /** The latest entry of {@code uid} emitted so far; null if tombstoned or never emitted. */
    WorklistEntry latest(String uid) {
        return current().get(uid);
    }

    /** The compacted view: latest entry per study, tombstoned studies removed. */
    Map<String, WorklistEntry> current() {
        drain();
        Map<String, WorklistEntry> latest = new LinkedHashMap<>();
        for (KeyValue<String, WorklistEntry> record : emitted) {
            if (record.value == null) {
                latest.remove(record.key);
            } else {
                latest.put(record.key, record.value);
            }
        }
        return latest;
    }

    /** Open studies in reading order, as the radiologist_worklist view sorts them. */
    List<String> readingOrder() {
        return current().values().stream()
                .sorted(Comparator.comparing(WorklistEntry::getPriorityClass)
                        .thenComparing(Comparator.comparingDouble(WorklistEntry::getPriorityScore).reversed())
                        .thenComparing(WorklistEntry::getWaitingSince))
                .map(WorklistEntry::getStudyInstanceUid)
                .toList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
