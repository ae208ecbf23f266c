package io.rtr.standalone.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.inference.reference.ReferenceModel;
import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rtr replay} on the real embedded platform. The live history was scored by a made-up
 * model "rtr-live" that got both phantom studies wrong (the lesion study L low, the clean study C
 * high); the shadow model is the bundled reference model, which is known to judge these two
 * phantoms right. So the A/B differences are known in advance: L becomes suspicious (in clinic)
 * and moves to the top of dr-a's queue, C drops to routine and to the bottom. A third study's
 * blob is missing (unscorable), and study X, assembled before the window, keeps its place.
 */
class ReplayIT {

    static {
        // Copying generated records makes Avro load nested classes by name, which its class guard
        // allows only once a deserializer has trusted the package.
        new AvroDeserializer<>(StudyAssembled.class).close();
    }

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final Instant T2 = T0.plusSeconds(60);
    /** Seeds the reference model judges right (see the inference worker's ScoringPipelineTest). */
    private static final long LESION_SEED = 2_000_000_000L;
    private static final long CLEAN_SEED = 2_000_000_001L;
    private static final String Y = "1.2.826.0.1.3680043.8.498.77";
    private static final String X = "1.2.826.0.1.3680043.8.498.88";
    private static final String W = "1.2.826.0.1.3680043.8.498.99";

    @TempDir
    static Path dir;

    private static Platform platform;
    private static Map<String, Object> serdeConfig;
    private static Path model;
    private static String lesionUid;
    private static String cleanUid;

    @BeforeAll
    static void startAndWriteHistory() throws Exception {
        platform = Platform.start(PlatformConfig.forTests(dir.resolve("platform")));
        serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        model = ReferenceModel.extractTo(dir.resolve("candidate"));
        Path blobs = dir.resolve("blobs");
        StudyAssembled lesion = study(blobs, LESION_SEED, Lesion.MASS, 1,
                order("ACC-L", T0, null), CompletenessReason.EXPECTED_VIEWS_COMPLETE, 10);
        StudyAssembled clean1 = study(blobs, CLEAN_SEED, Lesion.NONE, 1,
                order("ACC-C", T0, T0.plusSeconds(5)), CompletenessReason.EXPECTED_VIEWS_COMPLETE, 12);
        StudyAssembled clean2 = study(blobs, CLEAN_SEED, Lesion.NONE, 2,
                order("ACC-C", T0, T0.plusSeconds(5)), CompletenessReason.ORDER_ENRICHED, 20);
        lesionUid = lesion.getStudyInstanceUid();
        cleanUid = clean1.getStudyInstanceUid();
        InstanceReceived missing = SampleEvents.instanceReceived(Y + ".1.1");
        missing.setStudyInstanceUid(Y);
        missing.setBlobUri(blobs.resolve("gone.dcm").toUri().toString());
        StudyAssembled unscorable = assembled(Y, 1, List.of(missing), null, CompletenessReason.QUIET_PERIOD_ELAPSED, 25);
        StudyAssembled before = assembled(X, 1, List.of(SampleEvents.instanceReceived(X + ".1.1")), null,
                CompletenessReason.QUIET_PERIOD_ELAPSED, -100);

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            send(producer, Topics.STUDIES, -100, X, before);
            send(producer, Topics.SCORES, -99, X, score(X, 1, 0.10, -99));
            send(producer, Topics.WORKLIST, -98, X, entry(X, "dr-a", PriorityClass.ROUTINE, 50.0, 0.10, 1, -100));
            send(producer, Topics.WORKLIST, -97, W, entry(W, "dr-b", PriorityClass.ROUTINE, 40.0, 0.10, 1, -97));
            send(producer, Topics.STUDIES, 10, lesionUid, lesion);
            send(producer, Topics.SCORES, 11, lesionUid, score(lesionUid, 1, 0.20, 11));
            send(producer, Topics.WORKLIST, 11, lesionUid,
                    entry(lesionUid, "dr-a", PriorityClass.ROUTINE, 20.0, 0.20, 1, 10));
            send(producer, Topics.STUDIES, 12, cleanUid, clean1);
            send(producer, Topics.SCORES, 13, cleanUid, score(cleanUid, 1, 0.80, 13));
            send(producer, Topics.WORKLIST, 13, cleanUid,
                    entry(cleanUid, "dr-a", PriorityClass.SUSPICIOUS, 80.0, 0.80, 1, 12));
            send(producer, Topics.STUDIES, 20, cleanUid, clean2);
            send(producer, Topics.SCORES, 21, cleanUid, score(cleanUid, 2, 0.80, 21));
            send(producer, Topics.WORKLIST, 21, cleanUid,
                    entry(cleanUid, "dr-a", PriorityClass.SUSPICIOUS, 85.0, 0.85, 2, 12));
            send(producer, Topics.STUDIES, 25, Y, unscorable);
            // After the window: a re-score of revision 2 (the latest live score counts) and a
            // reassignment that the queues at the window's end must not see.
            send(producer, Topics.SCORES, 70, cleanUid, score(cleanUid, 2, 0.85, 70));
            send(producer, Topics.WORKLIST, 80, lesionUid,
                    entry(lesionUid, "dr-b", PriorityClass.ROUTINE, 20.0, 0.20, 1, 10));
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void shadowRunReportsTheExpectedDifferencesAndLeavesLiveTopicsUnchanged() throws Exception {
        Map<String, List<String>> before = liveTopics();
        Path csv = dir.resolve("replay.csv");

        LogCliRun run = cli("replay", "--model", model.toString(), "--from", T0.toString(), "--to", T2.toString(),
                "--csv", csv.toString());

        assertThat(run.code()).as(run.err()).isZero();
        Matcher header = Pattern.compile("^Replay (\\S+): ").matcher(run.out());
        assertThat(header.find()).as(run.out()).isTrue();
        String shadowTopic = Replay.SHADOW_TOPIC_PREFIX + header.group(1);
        assertThat(run.out())
                .contains(": 4 revision(s) of 3 studies on rtr.studies from 2026-01-01T10:00:00Z to 2026-01-01T10:01:00Z"
                        + " re-scored with rtr-reference-cnn 1.0.0 (sha256 ")
                .contains("into " + shadowTopic)
                .contains("3 scored, 1 could not be scored, 0 scored without a live score to compare")
                .contains("Score distributions over the 3 revision(s) scored by both");
        assertThat(line(run.out(), "  model ")).contains("rtr-live 0.9.0").contains("rtr-reference-cnn 1.0.0");
        assertThat(line(run.out(), "  count ")).matches("\\s+count\\s+3\\s+3");
        // Live: 0.20, 0.80 and 0.85 (the re-score after the window is the latest for revision 2).
        assertThat(line(run.out(), "  mean ")).startsWith("  mean               0.617 ");
        assertThat(line(run.out(), "  p50 ")).startsWith("  p50                0.800 ");
        assertThat(line(run.out(), "  p90 ")).startsWith("  p90                0.850 ");
        assertThat(line(run.out(), "  share suspicious ")).contains("66.7% (2)").endsWith("33.3% (1)");

        assertThat(run.out()).contains("Priority class changed: 3 of 3 revision(s)");
        assertThat(line(run.out(), "  " + lesionUid + " ")).contains("rev 1").contains("ACC-L")
                .contains("ROUTINE (0.200) -> SUSPICIOUS_IN_CLINIC (");
        assertThat(run.out().lines().filter(l -> l.startsWith("  " + cleanUid + " ")))
                .hasSize(2).allMatch(l -> l.contains("SUSPICIOUS (0.8") && l.contains("-> ROUTINE ("));

        // dr-a at the window's end, live: C (suspicious), X (routine 50), L (routine 20).
        assertThat(run.out()).contains("1 queue(s) hold re-scored studies")
                .contains("  dr-a: 3 studies, 1 moved up, 1 moved down");
        assertThat(line(run.out(), "    up ")).contains(lesionUid).contains(" 3 -> 1 ")
                .contains("ROUTINE 20.000 -> SUSPICIOUS_IN_CLINIC");
        assertThat(line(run.out(), "    down ")).contains(cleanUid).contains(" 1 -> 3 ")
                .contains("SUSPICIOUS 85.000 -> ROUTINE");
        assertThat(run.out()).doesNotContain("dr-b:").doesNotContain(X);
        assertThat(line(run.out(), "  " + Y + " ")).contains("BLOB_MISSING");

        List<String> rows = Files.readAllLines(csv);
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).isEqualTo(String.join(",", ReplayReport.CSV_COLUMNS));
        Map<String, String> lesionRow = csvRow(rows, lesionUid, "1");
        assertThat(lesionRow).containsEntry("accessionNumber", "ACC-L")
                .containsEntry("assembledRecordTime", "2026-01-01T10:00:10Z")
                .containsEntry("liveModel", "rtr-live").containsEntry("liveScore", "0.2")
                .containsEntry("liveClass", "ROUTINE").containsEntry("shadowModel", "rtr-reference-cnn")
                .containsEntry("shadowSuspicious", "true").containsEntry("shadowClass", "SUSPICIOUS_IN_CLINIC")
                .containsEntry("classChanged", "true").containsEntry("radiologistId", "dr-a")
                .containsEntry("livePosition", "3").containsEntry("shadowPosition", "1")
                .containsEntry("unscorable", "");
        // Revision 1 of C is no longer on any queue at the window's end: revision 2 is.
        assertThat(csvRow(rows, cleanUid, "1")).containsEntry("radiologistId", "").containsEntry("shadowClass", "ROUTINE");
        assertThat(csvRow(rows, cleanUid, "2")).containsEntry("liveScore", "0.85").containsEntry("livePosition", "1")
                .containsEntry("shadowPosition", "3");
        assertThat(csvRow(rows, Y, "1").get("unscorable")).startsWith("BLOB_MISSING: ");
        assertThat(csvRow(rows, Y, "1")).containsEntry("shadowScore", "").containsEntry("liveScore", "");

        List<ConsumerRecord<byte[], byte[]>> shadow = readAll(shadowTopic);
        assertThat(shadow).hasSize(3);
        try (AvroDeserializer<StudyScored> scores = new AvroDeserializer<>(StudyScored.class)) {
            scores.configure(serdeConfig, false);
            List<String> revisions = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : shadow) {
                StudyScored score = scores.deserialize(record);
                String key = new String(record.key(), StandardCharsets.UTF_8);
                assertThat(key).isEqualTo(score.getStudyInstanceUid());
                assertThat(record.partition()).isEqualTo(LogScanner.partitionForKey(key, Topics.STUDY_PARTITIONS));
                assertThat(score.getModelName()).isEqualTo("rtr-reference-cnn");
                assertThat(score.getInstanceScores()).hasSize(4);
                assertThat(score.getSuspicious()).isEqualTo(key.equals(lesionUid));
                revisions.add(key + "#" + score.getStudyRevision());
            }
            assertThat(revisions).containsExactlyInAnyOrder(lesionUid + "#1", cleanUid + "#1", cleanUid + "#2");
        }

        assertThat(liveTopics()).isEqualTo(before);
        try (Admin admin = admin()) {
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS)).extracting(GroupListing::groupId).isEmpty();
        }
    }

    @Test
    void folderWithoutSavedModelIsOneLineNamingItAndTheFix() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("not-a-model"));

        LogCliRun run = cli("replay", "--model", empty.toString(), "--from", T0.toString(), "--to", T2.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("--model '" + empty + "' is not a SavedModel").contains("export the model");
    }

    @Test
    void savedModelWithoutDescriptorIsOneLineNamingItAndTheFix() throws Exception {
        Path bare = ReferenceModel.extractTo(dir.resolve("bare"));
        Files.delete(bare.resolveSibling(ModelDescriptor.FILE_NAME));

        LogCliRun run = cli("replay", "--model", bare.toString(), "--from", T0.toString(), "--to", T2.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("--model '" + bare + "' has no model descriptor")
                .contains("put the model's rtr-model.properties");
    }

    @Test
    void descriptorNotMatchingTheModelIsOneLineNamingItAndTheFix() throws Exception {
        Path other = ReferenceModel.extractTo(dir.resolve("mismatch"));
        Path descriptorFile = other.resolveSibling(ModelDescriptor.FILE_NAME);
        Properties descriptor = ModelDescriptor.load(descriptorFile).toProperties();
        descriptor.setProperty("input.name", "pixels");
        ModelDescriptor.fromProperties(descriptor, "test").store(descriptorFile, "input renamed");

        LogCliRun run = cli("replay", "--model", other.toString(), "--from", T0.toString(), "--to", T2.toString());

        assertThat(run.code()).isEqualTo(2);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("--model '" + other + "'").contains("does not match its descriptor")
                .contains("expects input 'pixels'").contains("fix " + descriptorFile.toAbsolutePath());
    }

    @Test
    void windowWithoutStudiesIsOneLineNamingItAndTheFix() {
        LogCliRun run = cli("replay", "--model", model.toString(), "--from", "2026-01-02T00:00:00Z",
                "--to", "2026-01-03T00:00:00Z");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("no studies on rtr.studies from 2026-01-02T00:00:00Z to 2026-01-03T00:00:00Z")
                .contains("first record is at 2026-01-01T09:58:20Z").contains("widen --from/--to");
    }

    @Test
    void ctrlCBeforeTheScanExits130WithOneLineAndNoShadowTopic() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Set<String> topicsBefore;
        try (Admin admin = admin()) {
            topicsBefore = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        }
        int code;
        try (Interruption interruption = Interruption.manual()) {
            // As if Ctrl-C came while the model loaded: the scanner's first call wakes up.
            interruption.interrupt();
            code = new LogCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), interruption).run("replay", List.of(
                    "--model", model.toString(), "--from", T0.toString(), "--to", T2.toString(),
                    "--bootstrap", platform.bootstrapServers(), "--registry", platform.schemaRegistryUrl()));
        }

        assertThat(code).isEqualTo(130);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).hasLineCount(1)
                .contains("rtr replay: interrupted before any record was read");
        try (Admin admin = admin()) {
            Set<String> created = new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            created.removeAll(topicsBefore);
            assertThat(created).noneMatch(name -> name.startsWith(Replay.SHADOW_TOPIC_PREFIX));
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    private static LogCliRun cli(String command, String... words) {
        return LogCliRun.run(platform, command, words);
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + prefix + "' in:\n" + text));
    }

    private static Map<String, String> csvRow(List<String> rows, String study, String revision) {
        List<String> columns = ReplayReport.CSV_COLUMNS;
        for (String row : rows.subList(1, rows.size())) {
            // No cell of these rows holds a comma or a quote except the unscorable reason, which is last.
            String[] cells = row.split(",", columns.size());
            if (cells[0].equals(study) && cells[1].equals(revision)) {
                Map<String, String> named = new TreeMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    named.put(columns.get(i), cells[i].replaceAll("^\"|\"$", ""));
                }
                return named;
            }
        }
        throw new AssertionError("no row for " + study + " revision " + revision + " in " + rows);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
    }

    /** Every live topic's records (partition, offset, timestamp, key, value) and end offsets, to compare before and after. */
    private static Map<String, List<String>> liveTopics() {
        Map<String, List<String>> topics = new TreeMap<>();
        for (Topic<?, ?> topic : Topics.ALL) {
            List<String> lines = new ArrayList<>();
            HexFormat hex = HexFormat.of();
            Map<TopicPartition, Long> ends = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
            for (ConsumerRecord<byte[], byte[]> r : readAll(topic.name(), ends)) {
                lines.add(r.partition() + "/" + r.offset() + "/" + r.timestamp() + "/"
                        + (r.key() == null ? "-" : hex.formatHex(r.key())) + "/"
                        + (r.value() == null ? "-" : hex.formatHex(r.value())));
            }
            ends.forEach((tp, end) -> lines.add("end " + tp + "=" + end));
            topics.put(topic.name(), lines);
        }
        return topics;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return readAll(topic, new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition())));
    }

    /** Every record of {@code topic}; its end offsets go into {@code ends}. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Map<TopicPartition, Long> ends) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            ends.putAll(end);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading " + topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(topic)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        return partitions;
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        // No group.id: reading the topics for the comparison must not itself leave a group behind.
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static <V extends SpecificRecord> void send(KafkaProducer<String, byte[]> producer, Topic<String, V> topic,
                                                        int second, String key, V value) throws Exception {
        byte[] bytes = topic.valueSerde(serdeConfig).serializer().serialize(topic.name(), value);
        producer.send(new ProducerRecord<>(topic.name(), null, T0.plusSeconds(second).toEpochMilli(), key, bytes))
                .get(30, TimeUnit.SECONDS);
    }

    private static OrderContext order(String accession, Instant arrived, Instant departed) {
        return OrderContext.newBuilder().setAccessionNumber(accession).setOrderPriority(OrderPriority.ROUTINE)
                .setPatientArrived(arrived).setPatientDeparted(departed).setAssignedReader("dr-a").build();
    }

    /** A four-view phantom study written as blobs, and its revision pointing at them as the ingest connector would. */
    private static StudyAssembled study(Path blobs, long seed, Lesion lesion, int revision, OrderContext order,
                                        CompletenessReason reason, int second) throws Exception {
        Path studyDir = blobs.resolve(Long.toString(seed));
        List<Path> files = Files.isDirectory(studyDir)
                ? List.of(studyDir.resolve("L_CC.dcm"), studyDir.resolve("L_MLO.dcm"), studyDir.resolve("R_CC.dcm"),
                        studyDir.resolve("R_MLO.dcm"))
                : PhantomGenerator.writeStudy(studyDir, seed, 128, 104, lesion, Laterality.L, View.CC);
        List<InstanceReceived> instances = new ArrayList<>();
        String studyUid = null;
        for (Path file : files) {
            AttributeList list = new AttributeList();
            list.read(file.toFile());
            byte[] bytes = Files.readAllBytes(file);
            studyUid = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.StudyInstanceUID);
            InstanceReceived instance = SampleEvents.instanceReceived(
                    Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SOPInstanceUID));
            instance.setStudyInstanceUid(studyUid);
            instance.setSeriesInstanceUid(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.SeriesInstanceUID));
            instance.setViewPosition(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.ViewPosition));
            instance.setImageLaterality(Attribute.getSingleStringValueOrEmptyString(list, TagFromName.ImageLaterality));
            instance.setBlobUri(file.toUri().toString());
            instance.setBlobSizeBytes((long) bytes.length);
            instance.setSha256(BlobFetcher.sha256(bytes));
            instance.setReceivedAt(T0.plusSeconds(second - 1));
            instances.add(instance);
        }
        return assembled(studyUid, revision, instances, order, reason, second);
    }

    private static StudyAssembled assembled(String uid, int revision, List<InstanceReceived> instances,
                                            OrderContext order, CompletenessReason reason, int second) {
        return StudyAssembled.newBuilder().setStudyInstanceUid(uid).setRevision(revision).setCompletenessReason(reason)
                .setInstances(instances).setOrderContext(order).setAssembledAt(T0.plusSeconds(second)).setModality("MG")
                .setAccessionNumber(order == null ? null : order.getAccessionNumber()).build();
    }

    /** A live score by the made-up model the replay is compared against (threshold 0.5). */
    private static StudyScored score(String study, int revision, double value, int second) {
        StudyScored score = SampleEvents.studyScored();
        score.setStudyInstanceUid(study);
        score.setStudyRevision(revision);
        score.setModelName("rtr-live");
        score.setModelVersion("0.9.0");
        score.setStudyScore(value);
        score.setThreshold(0.5);
        score.setSuspicious(value >= 0.5);
        score.setScoredAt(T0.plusSeconds(second));
        return score;
    }

    private static WorklistEntry entry(String study, String radiologist, PriorityClass priority, double priorityScore,
                                       double studyScore, int revision, int waitingSecond) {
        WorklistEntry entry = SampleEvents.worklistEntry();
        entry.setStudyInstanceUid(study);
        entry.setRadiologistId(radiologist);
        entry.setPriorityClass(priority);
        entry.setPriorityScore(priorityScore);
        entry.setStudyScore(studyScore);
        entry.setModelName("rtr-live");
        entry.setModelVersion("0.9.0");
        entry.setStudyRevision(revision);
        entry.setReasons(List.of("score " + studyScore));
        entry.setWaitingSince(T0.plusSeconds(waitingSecond));
        entry.setUpdatedAt(T0.plusSeconds(waitingSecond));
        return entry;
    }
}
