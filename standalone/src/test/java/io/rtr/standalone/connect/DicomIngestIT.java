package io.rtr.standalone.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.network.MultipleInstanceTransferStatusHandler;
import com.pixelmed.network.StorageSOPClassSCU;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.ingest.BlobStore;
import io.rtr.ingest.DicomSourceTask;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DICOM source connector in a real Kafka Connect worker on the embedded platform: real SCUs
 * (PixelMed's and dcmtk's storescu) send studies over 127.0.0.1, and every instance must appear
 * exactly once on rtr.instances with a blob whose digest matches.
 */
class DicomIngestIT {

    private static final String CONNECTOR = "dicom-ingest";
    private static final String AE = "RTR";

    @TempDir
    Path dir;

    private Platform platform;
    private EmbeddedConnect connect;
    private int dicomPort;

    @BeforeEach
    void start() throws IOException {
        platform = Platform.start(PlatformConfig.forTests(dir.resolve("data")));
        dicomPort = freePort();
    }

    @AfterEach
    void stop() {
        if (connect != null) {
            connect.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void everyInstanceSentByPixelmedAndStorescuAppearsOnceWithMatchingBlob() throws Exception {
        startConnector();
        List<Path> pixelmedStudy = PhantomGenerator.writeStudy(Files.createDirectories(dir.resolve("a")),
                101, 96, 80, Lesion.MASS, Laterality.L, View.CC);
        List<Path> dcmtkStudy = PhantomGenerator.writeStudy(Files.createDirectories(dir.resolve("b")),
                102, 96, 80, Lesion.NONE, Laterality.R, View.MLO);

        sendWithPixelmed(pixelmedStudy);
        boolean dcmtk = Files.isExecutable(Path.of("/usr/bin/storescu"));
        if (dcmtk) {
            sendWithStorescu(dcmtkStudy);
        }

        List<Path> sent = new ArrayList<>(pixelmedStudy);
        if (dcmtk) {
            sent.addAll(dcmtkStudy);
        }
        Map<String, InstanceReceived> bySop = awaitInstances(sent.size());
        for (Path file : sent) {
            AttributeList list = read(file);
            String sop = value(list, TagFromName.SOPInstanceUID);
            InstanceReceived event = bySop.get(sop);
            assertThat(event).as("event for %s", file).isNotNull();
            assertThat(event.getStudyInstanceUid()).isEqualTo(value(list, TagFromName.StudyInstanceUID));
            assertThat(event.getSeriesInstanceUid()).isEqualTo(value(list, TagFromName.SeriesInstanceUID));
            assertThat(event.getModality()).isEqualTo("MG");
            assertThat(event.getViewPosition()).isEqualTo(value(list, TagFromName.ViewPosition));
            assertThat(event.getImageLaterality()).isEqualTo(value(list, TagFromName.ImageLaterality));
            assertThat(event.getAccessionNumber()).isEqualTo(value(list, TagFromName.AccessionNumber));
            assertThat(event.getSource()).isEqualTo(IngestSource.DIMSE);
            assertThat(event.getCalledAeTitle()).isEqualTo(AE);
            assertThat(event.getPatientPseudonym()).hasSize(64)
                    .doesNotContain(value(list, TagFromName.PatientID));
            assertThat(event.toString()).doesNotContain(value(list, TagFromName.PatientName))
                    .doesNotContain(value(list, TagFromName.PatientID));
            Path blob = Path.of(URI.create(event.getBlobUri()));
            assertThat(BlobStore.sha256(blob)).isEqualTo(event.getSha256());
            assertThat(Files.size(blob)).isEqualTo(event.getBlobSizeBytes());
            // The blob holds the same image the SCU sent (the meta header is ours, the data set theirs).
            assertThat(read(blob).get(TagFromName.PixelData).getByteValues(false))
                    .isEqualTo(list.get(TagFromName.PixelData).getByteValues(false));
        }
        assertThat(bySop.values()).filteredOn(e -> "PIXELMEDSCU".equals(e.getCallingAeTitle())).hasSize(4);
        if (dcmtk) {
            assertThat(bySop.values()).filteredOn(e -> "DCMTK".equals(e.getCallingAeTitle())).hasSize(4);
        }
    }

    @Test
    void instancesAnsweredWithSuccessBeforeACrashAreEmittedExactlyOnceAfterRestart() throws Exception {
        // Phase 1: the task receives a study and answers Success (the objects are in the durable
        // spool), then the process dies before any record reaches Kafka: poll() never ran and
        // nothing was acknowledged.
        DicomSourceTask crashed = new DicomSourceTask();
        crashed.start(connectorConfig());
        List<Path> study = PhantomGenerator.writeStudy(Files.createDirectories(dir.resolve("c")),
                103, 96, 80, Lesion.CALCIFICATIONS, Laterality.R, View.CC);
        sendWithPixelmed(study);
        crashed.stop();

        // Phase 2: a real Connect worker starts the connector on the same spool.
        startConnector();
        Map<String, InstanceReceived> bySop = awaitInstances(study.size());
        for (Path file : study) {
            assertThat(bySop).containsKey(value(read(file), TagFromName.SOPInstanceUID));
        }
        // Sending the same study again is no new event: same SOP instances, same digests.
        sendWithPixelmed(study);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> readAll().size() == study.size());
    }

    private void startConnector() {
        connect = EmbeddedConnect.start(platform.bootstrapServers(), dir.resolve("connect"));
        Map<String, String> config = new HashMap<>(connectorConfig());
        config.put("connector.class", "io.rtr.ingest.DicomSourceConnector");
        config.put("tasks.max", "1");
        connect.putConnector(CONNECTOR, config);
    }

    private Map<String, String> connectorConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("dicom.host", "127.0.0.1");
        config.put("dicom.port", Integer.toString(dicomPort));
        config.put("dicom.ae.title", AE);
        config.put("spool.dir", dir.resolve("data/spool").toString());
        config.put("blob.dir", dir.resolve("data/blobs").toString());
        config.put("patient.pseudonym.secret", "integration-test-secret-0123456789");
        config.put("stow.enabled", "false");
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        return config;
    }

    private void sendWithPixelmed(List<Path> files) throws Exception {
        SetOfDicomFiles set = new SetOfDicomFiles();
        for (Path file : files) {
            set.add(file.toFile());
        }
        AtomicInteger failed = new AtomicInteger(-1);
        new StorageSOPClassSCU("127.0.0.1", dicomPort, AE, "PIXELMEDSCU", set, 0,
                new MultipleInstanceTransferStatusHandler() {
                    @Override
                    public void updateStatus(int remaining, int completed, int nFailed, int warning, String sop) {
                        failed.set(nFailed);
                    }
                });
        assertThat(failed).as("failed C-STOREs").hasValue(0);
    }

    private void sendWithStorescu(List<Path> files) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/storescu", "-aet", "DCMTK", "-aec", AE,
                "127.0.0.1", Integer.toString(dicomPort)));
        files.forEach(f -> command.add(f.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("TCP_NODELAY", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assumeThat(process.waitFor(60, TimeUnit.SECONDS)).as("storescu finished").isTrue();
        assertThat(process.exitValue()).as("storescu exit code; output:%n%s", output).isZero();
    }

    private Map<String, InstanceReceived> awaitInstances(int expected) {
        List<InstanceReceived> all = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            all.clear();
            all.addAll(readAll());
            return all.size() >= expected;
        });
        Map<String, InstanceReceived> bySop = new HashMap<>();
        for (InstanceReceived event : all) {
            assertThat(bySop.put(event.getSopInstanceUid(), event)).as("second event for %s", event.getSopInstanceUid())
                    .isNull();
        }
        return bySop;
    }

    /** Everything on rtr.instances, read without a consumer group. */
    private List<InstanceReceived> readAll() {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        try (KafkaConsumer<String, InstanceReceived> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                Topics.INSTANCES.valueSerde(serdeConfig).deserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(Topics.INSTANCES.name())) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<InstanceReceived> events = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, InstanceReceived> record : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(record.key()).isEqualTo(record.value().getStudyInstanceUid());
                    events.add(record.value());
                }
            }
            return events;
        }
    }

    private static AttributeList read(Path file) throws Exception {
        AttributeList list = new AttributeList();
        list.read(file.toString());
        return list;
    }

    private static String value(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
