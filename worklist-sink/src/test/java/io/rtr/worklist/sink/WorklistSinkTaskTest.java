package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.worklist.TestEntries;
import io.rtr.worklist.db.WorklistChange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The task's mapping and failure handling without a database (its URL points at a closed port). */
class WorklistSinkTaskTest {

    private static final String TOPIC = "rtr.worklist";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerializer<WorklistEntry> serializer = new AvroSerializer<>(registry);
    private final WorklistSinkTask task = new WorklistSinkTask(registry);
    private final RecordingSinkTaskContext context = new RecordingSinkTaskContext(true);

    private void start(Map<String, String> extra) throws IOException {
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG,
                "jdbc:postgresql://127.0.0.1:" + WorklistSinkConnectorTest.closedPort() + "/rtr");
        props.put(WorklistSinkConfig.CONNECTION_TIMEOUT_MS_CONFIG, "1000");
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.putAll(extra);
        task.initialize(context);
        task.start(props);
    }

    @AfterEach
    void stop() {
        task.stop();
    }

    static SinkRecord record(Object key, Object value, long offset) {
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, key, Schema.OPTIONAL_BYTES_SCHEMA,
                value, offset);
    }

    @Test
    void mapsAFramedValueToAnUpsertAndANullValueToATombstone() throws IOException {
        start(Map.of());
        WorklistEntry entry = TestEntries.entry("rad-a", PriorityClass.SUSPICIOUS, 0.9).build();

        WorklistChange upsert = task.toChange(record(entry.getStudyInstanceUid(),
                serializer.serialize(TOPIC, entry), 0));
        WorklistChange tombstone = task.toChange(record(
                entry.getStudyInstanceUid().getBytes(StandardCharsets.UTF_8), null, 1));

        assertThat(upsert.isTombstone()).isFalse();
        assertThat(upsert.entry()).isEqualTo(entry);
        assertThat(tombstone.isTombstone()).isTrue();
        assertThat(tombstone.studyInstanceUid()).isEqualTo(entry.getStudyInstanceUid());
    }

    @Test
    void rejectsAKeyThatIsNotTheEntrysStudyUid() throws IOException {
        start(Map.of());
        WorklistEntry entry = TestEntries.entry("rad-a", PriorityClass.ROUTINE, 0.1).build();

        assertThatThrownBy(() -> task.toChange(record("1.2.3", serializer.serialize(TOPIC, entry), 0)))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("1.2.3");
    }

    @Test
    void stopsOnAValueConverterThatDoesNotDeliverBytes() throws IOException {
        start(Map.of());

        assertThatThrownBy(() -> task.toChange(record("1.2.3", "not bytes", 0)))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("ByteArrayConverter");
    }

    @Test
    void deadLettersUndecodableRecordsAndKeylessTombstones() throws IOException {
        start(Map.of());
        SinkRecord garbage = record("1.2.3", new byte[] {0, 0, 0, 0, 42, 1}, 0);
        SinkRecord notFramed = record("1.2.4", "{\"json\":true}".getBytes(StandardCharsets.UTF_8), 1);
        SinkRecord keyless = record(null, null, 2);

        // Nothing decodes, so nothing reaches the (unreachable) database.
        task.put(List.of(garbage, notFramed, keyless));

        assertThat(context.reported).extracting(RecordingSinkTaskContext.Reported::record)
                .containsExactly(garbage, notFramed, keyless);
    }

    @Test
    void retriesWithGrowingBackoffWhileTheDatabaseIsDownThenFails() throws IOException {
        start(Map.of(WorklistSinkConfig.MAX_RETRIES_CONFIG, "2"));
        WorklistEntry entry = TestEntries.entry("rad-a", PriorityClass.STAT, 1.0).build();
        List<SinkRecord> batch = List.of(record(entry.getStudyInstanceUid(), serializer.serialize(TOPIC, entry), 0));

        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class);
        assertThatThrownBy(() -> task.put(batch))
                .isInstanceOf(ConnectException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasMessageContaining("Gave up after 2 retries");

        assertThat(context.timeouts).containsExactly(100L, 200L);
        assertThat(context.reported).isEmpty();
    }

    @Test
    void failsWhenARecordMustBeDeadLetteredButNoReporterExists() throws IOException {
        RecordingSinkTaskContext withoutReporter = new RecordingSinkTaskContext(false);
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        task.initialize(withoutReporter);
        task.start(props);

        assertThatThrownBy(() -> task.put(List.of(record(null, null, 0))))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("errors.deadletterqueue.topic.name");
    }
}
