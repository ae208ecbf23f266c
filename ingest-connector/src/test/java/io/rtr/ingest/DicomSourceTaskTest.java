package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DicomSourceTaskTest {

    @TempDir
    Path dir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroDeserializer<InstanceReceived> instances = new AvroDeserializer<>(InstanceReceived.class, registry);
    private final AvroDeserializer<InstanceRejected> rejections = new AvroDeserializer<>(InstanceRejected.class, registry);
    private final List<DicomSourceTask> tasks = new ArrayList<>();

    @AfterEach
    void stopTasks() {
        tasks.forEach(DicomSourceTask::stop);
    }

    private DicomSourceTask startTask() {
        return startTask(Map.of());
    }

    private DicomSourceTask startTask(Map<String, String> overrides) {
        Map<String, String> props = DicomSourceConfigTest.minimal(dir);
        props.put(DicomSourceConfig.SPOOL_MIN_FREE_BYTES_CONFIG, "0");
        props.put(DicomSourceConfig.DICOM_PORT_CONFIG, "0");
        props.put(DicomSourceConfig.STOW_PORT_CONFIG, "0");
        props.put(DicomSourceConfig.POLL_WAIT_MS_CONFIG, "50");
        props.put(DicomSourceConfig.DICOM_CLINIC_BY_CALLING_AE_CONFIG, "SCU=north");
        props.putAll(overrides);
        DicomSourceTask task = new DicomSourceTask(registry);
        task.start(props);
        tasks.add(task);
        return task;
    }

    @Test
    void emitsOneEventPerStoredInstanceKeyedByStudyWithABlobOfMatchingDigest() throws Exception {
        DicomSourceTask task = startTask();
        String study = TestDicom.newUid();
        List<String> sops = List.of(TestDicom.newUid(), TestDicom.newUid(), TestDicom.newUid());
        for (String sop : sops) {
            store(task, study, sop, "L");
        }

        List<SourceRecord> records = pollUntil(task, 3);

        assertThat(records).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo(Topics.INSTANCES.name());
            assertThat(r.key()).isEqualTo(study);
        });
        List<InstanceReceived> events = decode(records);
        assertThat(events).extracting(InstanceReceived::getSopInstanceUid).containsExactlyInAnyOrderElementsOf(sops);
        for (InstanceReceived event : events) {
            Path blob = Paths.get(URI.create(event.getBlobUri()));
            assertThat(BlobStore.sha256(blob)).isEqualTo(event.getSha256());
            assertThat(event.getCallingAeTitle()).isEqualTo("SCU");
            assertThat(event.getClinicId()).isEqualTo("north");
            assertThat(event.getReplacement()).isFalse();
            assertThat(event.getPatientPseudonym()).hasSize(64);
        }
    }

    @Test
    void removesTheSpoolEntryOnlyWhenKafkaAcknowledges() throws Exception {
        DicomSourceTask task = startTask();
        store(task, TestDicom.newUid(), TestDicom.newUid(), "L");
        List<SourceRecord> records = pollUntil(task, 1);
        Spool spool = new Spool(dir.resolve("spool"));
        assertThat(spool.pending()).hasSize(1);

        task.commitRecord(records.get(0), null);

        assertThat(spool.pending()).isEmpty();
    }

    @Test
    void reEmitsUnacknowledgedEntriesAfterRestart() throws Exception {
        DicomSourceTask first = startTask();
        String acked = TestDicom.newUid();
        String unacked = TestDicom.newUid();
        store(first, TestDicom.newUid(), acked, "L");
        store(first, TestDicom.newUid(), unacked, "R");
        List<SourceRecord> records = pollUntil(first, 2);
        SourceRecord ackedRecord = records.stream()
                .filter(r -> decode(List.of(r)).get(0).getSopInstanceUid().equals(acked)).findFirst().orElseThrow();
        first.commitRecord(ackedRecord, null);
        first.stop();
        tasks.remove(first);

        DicomSourceTask second = startTask();
        List<SourceRecord> again = pollUntil(second, 1);

        assertThat(decode(again)).extracting(InstanceReceived::getSopInstanceUid).containsExactly(unacked);
    }

    @Test
    void sameInstanceWithSameDigestYieldsNoSecondEventAndDifferentDigestAReplacement() throws Exception {
        DicomSourceTask task = startTask();
        String study = TestDicom.newUid();
        String series = TestDicom.newUid();
        String sop = TestDicom.newUid();
        Path original = TestDicom.writeMammogram(Files.createDirectories(dir.resolve("v1")), study, series, sop, "L", "CC", 16);
        storeFile(task, sop, original);
        SourceRecord first = pollUntil(task, 1).get(0);
        task.commitRecord(first, null);

        storeFile(task, sop, original);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<SourceRecord> none = task.poll();
            assertThat(none).isNull();
            return new Spool(dir.resolve("spool")).pending().isEmpty();
        });

        Path changed = TestDicom.writeMammogram(Files.createDirectories(dir.resolve("v2")), study, series, sop, "R", "CC", 16);
        storeFile(task, sop, changed);
        InstanceReceived replacement = decode(pollUntil(task, 1)).get(0);

        assertThat(replacement.getReplacement()).isTrue();
        assertThat(replacement.getImageLaterality()).isEqualTo("R");
        assertThat(replacement.getSha256()).isNotEqualTo(decode(List.of(first)).get(0).getSha256());
    }

    @Test
    void emitsARejectionForARefusedObject() throws Exception {
        DicomSourceTask task = startTask();
        String study = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.write(TestDicom.mammogram(study, TestDicom.newUid(), null, "L",
                "CC", 8), dir.resolve("nosop.dcm")));
        try (RawScu scu = new RawScu(task.port())) {
            scu.associate("SCU", "RTR");
            assertThat(scu.store("1.2.3.4", dataSet).status()).isEqualTo(0xA900);
        }

        List<SourceRecord> records = pollUntil(task, 1);

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.INSTANCES_REJECTED.name());
            assertThat(r.key()).isEqualTo(study);
            InstanceRejected rejection = rejections.deserialize(r.topic(), (byte[]) r.value());
            assertThat(rejection.getReasonCode()).isEqualTo(RejectReason.MISSING_ATTRIBUTE);
        });
    }

    @Test
    void refusesNewAssociationsWhileKafkaDoesNotAcknowledgeAndAcceptsAgainAfterwards() throws Exception {
        DicomSourceTask task = startTask(Map.of(DicomSourceConfig.UNACKNOWLEDGED_TIMEOUT_MS_CONFIG, "200"));
        store(task, TestDicom.newUid(), TestDicom.newUid(), "L");
        SourceRecord unacknowledged = pollUntil(task, 1).get(0);

        await().atMost(Duration.ofSeconds(10)).until(() -> associate(task) == Pdu.ASSOCIATE_RJ);
        task.commitRecord(unacknowledged, null);

        assertThat(associate(task)).isEqualTo(Pdu.ASSOCIATE_AC);
    }

    private static int associate(DicomSourceTask task) throws Exception {
        try (RawScu scu = new RawScu(task.port())) {
            return scu.associate("SCU", "RTR").type();
        }
    }

    private void store(DicomSourceTask task, String study, String sop, String laterality) throws Exception {
        Path file = TestDicom.writeMammogram(dir, study, TestDicom.newUid(), sop, laterality, "CC", 16);
        storeFile(task, sop, file);
    }

    private static void storeFile(DicomSourceTask task, String sop, Path file) throws Exception {
        try (RawScu scu = new RawScu(task.port())) {
            scu.associate("SCU", "RTR");
            assertThat(scu.store(sop, TestDicom.dataSet(file)).status()).isZero();
            scu.release();
        }
    }

    private static List<SourceRecord> pollUntil(DicomSourceTask task, int count) {
        List<SourceRecord> all = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                all.addAll(batch);
            }
            return all.size() >= count;
        });
        assertThat(all).hasSize(count);
        return all;
    }

    private List<InstanceReceived> decode(List<SourceRecord> records) {
        return records.stream().map(r -> instances.deserialize(r.topic(), (byte[]) r.value())).toList();
    }
}
