package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The production topology in a TopologyTestDriver with an in-memory registry and explicit time:
 * record timestamps are given per record, the wall clock starts at {@link #START} and moves only
 * through {@link #advanceWallClock}.
 */
final class TriageDriver implements AutoCloseable {

    static final Instant START = Instant.parse("2026-11-22T09:00:00Z");

    final TopologyTestDriver driver;
    final SwitchableRegistry registry = new SwitchableRegistry();
    final TestInputTopic<String, InstanceReceived> instances;
    final TestInputTopic<byte[], byte[]> rawInstances;
    final TestInputTopic<String, String> orders;
    final TestOutputTopic<String, StudyAssembled> studies;
    final TestOutputTopic<String, InstanceRejected> rejected;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    private Instant recordTime = START;

    TriageDriver(Path stateDir) {
        this(stateDir, Map.of());
    }

    TriageDriver(Path stateDir, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry);
        props.put(TriageConfig.QUIET_PERIOD_BY_MODALITY_CONFIG, "MG=60000");
        props.put(TriageConfig.QUIET_PERIOD_MS_CONFIG, 120_000L);
        props.put(TriageConfig.PUNCTUATE_INTERVAL_MS_CONFIG, 1_000L);
        props.putAll(overrides);
        TriageConfig config = new TriageConfig(props);

        Properties streams = new Properties();
        streams.put(StreamsConfig.APPLICATION_ID_CONFIG, "triage-test");
        streams.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        streams.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(TriageTopology.build(config), streams, START);

        Map<String, Object> serde = config.serdeConfig();
        instances = driver.createInputTopic(Topics.INSTANCES.name(), new StringSerializer(),
                Topics.INSTANCES.valueSerde(serde).serializer());
        rawInstances = driver.createInputTopic(Topics.INSTANCES.name(), new ByteArraySerializer(),
                new ByteArraySerializer());
        orders = driver.createInputTopic(Topics.CLINIC_ORDERS.name(), new StringSerializer(), new StringSerializer());
        studies = driver.createOutputTopic(Topics.STUDIES.name(), new StringDeserializer(),
                Topics.STUDIES.valueSerde(serde).deserializer());
        rejected = driver.createOutputTopic(Topics.INSTANCES_REJECTED.name(), new StringDeserializer(),
                Topics.INSTANCES_REJECTED.valueSerde(serde).deserializer());
        deadLetters = driver.createOutputTopic(Topics.TRIAGE_DLQ.name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** Pipes {@code instance} keyed by its study, one second of record time after the previous one. */
    void send(InstanceReceived instance) {
        recordTime = recordTime.plusSeconds(1);
        instances.pipeInput(new TestRecord<>(instance.getStudyInstanceUid(), instance, recordTime));
    }

    /** Pipes {@code instance} with record time {@code at}; later sends continue from there. */
    void sendAt(InstanceReceived instance, Instant at) {
        recordTime = at;
        instances.pipeInput(new TestRecord<>(instance.getStudyInstanceUid(), instance, recordTime));
    }

    void sendOrder(String json) {
        recordTime = recordTime.plusSeconds(1);
        orders.pipeInput(new TestRecord<>("{\"id\":1}", json, recordTime));
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    List<StudyAssembled> emittedStudies() {
        return studies.readValuesToList();
    }

    @Override
    public void close() {
        driver.close();
    }
}
