package io.rtr.standalone.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.inference.reference.ReferenceModel;
import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.WorklistStatus;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log commands on the real embedded platform, over a scripted history with explicit record
 * timestamps: study S1 received (three instances), one rejected, assembled twice, scored by two
 * models, on dr-a's worklist, claimed, completed and removed (tombstone); studies S2 to S5 around
 * it on the worklist, S3 reassigned from dr-a to dr-b.
 */
class AuditCommandsIT {

    static {
        // Copying a generated record (newBuilder(record)) makes Avro load its enum classes by name,
        // which Avro's class guard allows only once a deserializer has trusted the package.
        new AvroDeserializer<>(StudyAssembled.class).close();
    }

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final String S1 = SampleEvents.STUDY_UID;
    private static final String S2 = "1.2.826.0.1.3680043.8.498.2";
    private static final String S3 = "1.2.826.0.1.3680043.8.498.3";
    private static final String S4 = "1.2.826.0.1.3680043.8.498.4";
    private static final String S5 = "1.2.826.0.1.3680043.8.498.5";
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);

    @TempDir
    static Path dataDir;

    private static Platform platform;
    private static Map<String, Object> serdeConfig;
    private static final List<RecordMetadata> written = new ArrayList<>();

    @BeforeAll
    static void startAndWriteHistory() throws Exception {
        platform = Platform.start(PlatformConfig.forTests(dataDir));
        serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            send(producer, Topics.INSTANCES, 0, S1, instance(S1 + ".1.1", "MODALITY1", SHA_A, 0));
            send(producer, Topics.INSTANCES, 1, S1, instance(S1 + ".1.2", "MODALITY1", SHA_B, 1));
            send(producer, Topics.INSTANCES, 2, S1, instance(S1 + ".1.9", "MODALITY2", SHA_A, 2));
            send(producer, Topics.INSTANCES_REJECTED, 3, S1, InstanceRejected.newBuilder(SampleEvents.instanceRejected())
                    .setSopInstanceUid(S1 + ".1.9").setRejectedAt(T0.plusSeconds(3)).build());
            send(producer, Topics.WORKLIST, 5, S2, entry(S2, "dr-a", PriorityClass.ROUTINE, 0.2, 5, 1));
            send(producer, Topics.STUDIES, 10, S1, study(1, CompletenessReason.EXPECTED_VIEWS_COMPLETE, 10,
                    S1 + ".1.1", S1 + ".1.2"));
            send(producer, Topics.SCORES, 12, S1, score(1, "rtr-reference", "1.0.0", SHA_A, 0.91, true, 12));
            send(producer, Topics.WORKLIST, 13, S1, entry(S1, "dr-a", PriorityClass.SUSPICIOUS_IN_CLINIC, 0.91, 13, 1));
            send(producer, Topics.WORKLIST, 15, S3, entry(S3, "dr-a", PriorityClass.SUSPICIOUS, 0.7, 15, 1));
            send(producer, Topics.WORKLIST, 16, S4, entry(S4, "dr-b", PriorityClass.STAT, 0.5, 16, 1));
            send(producer, Topics.INSTANCES, 20, S1, instance(S1 + ".1.3", "MODALITY1", SHA_B, 20));
            send(producer, Topics.STUDIES, 30, S1, study(2, CompletenessReason.LATE_INSTANCE_REVISION, 30,
                    S1 + ".1.1", S1 + ".1.2", S1 + ".1.3"));
            send(producer, Topics.SCORES, 32, S1, score(2, "rtr-candidate", "2.0.0", SHA_B, 0.40, false, 32));
            send(producer, Topics.WORKLIST, 33, S1, entry(S1, "dr-a", PriorityClass.ROUTINE, 0.40, 13, 2));
            send(producer, Topics.WORKLIST, 35, S3, entry(S3, "dr-b", PriorityClass.SUSPICIOUS, 0.7, 15, 2));
            send(producer, Topics.WORKLIST, 36, S5, entry(S5, "dr-a", PriorityClass.ROUTINE, 0.40, 2, 1));
            send(producer, Topics.WORKLIST_ACTIONS, 40, S1, action("act-1", ReadingActionType.CLAIM, 40));
            send(producer, Topics.WORKLIST, 41, S1, WorklistEntry.newBuilder(entry(S1, "dr-a", PriorityClass.ROUTINE, 0.40, 13, 3))
                   .setStatus(WorklistStatus.CLAIMED).setClaimedBy("dr-a").build());
            send(producer, Topics.WORKLIST_ACTIONS, 50, S1, action("act-2", ReadingActionType.COMPLETE, 50));
            send(producer, Topics.WORKLIST, 51, S1, null);
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
    void defaultPartitionerPutsEveryStudyWhereTheAuditLooks() {
        for (RecordMetadata where : written) {
            assertThat(where.partition()).as(where.topic()).isIn(
                    LogScanner.partitionForKey(S1, Topics.STUDY_PARTITIONS),
                    LogScanner.partitionForKey(S2, Topics.STUDY_PARTITIONS),
                    LogScanner.partitionForKey(S3, Topics.STUDY_PARTITIONS),
                    LogScanner.partitionForKey(S4, Topics.STUDY_PARTITIONS),
                    LogScanner.partitionForKey(S5, Topics.STUDY_PARTITIONS));
        }
        RecordMetadata first = written.get(0);
        assertThat(first.partition()).isEqualTo(LogScanner.partitionForKey(S1, Topics.STUDY_PARTITIONS));
    }

    @Test
    void auditStudyJsonGivesTheDecisionChainInTimeOrderFieldByField() throws Exception {
        LogCliRun run = cli("audit", "study", S1, "--json");

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode document = new ObjectMapper().readTree(run.out());
        assertThat(document.get("studyInstanceUid").asText()).isEqualTo(S1);
        assertThat(document.get("complete").asBoolean()).isTrue();
        List<String> types = new ArrayList<>();
        document.get("events").forEach(event -> types.add(event.get("type").asText()));
        assertThat(types).containsExactly("INSTANCE_RECEIVED", "INSTANCE_RECEIVED", "INSTANCE_RECEIVED",
                "INSTANCE_REJECTED", "STUDY_ASSEMBLED", "STUDY_SCORED", "WORKLIST_UPDATED", "INSTANCE_RECEIVED",
                "STUDY_ASSEMBLED", "STUDY_SCORED", "WORKLIST_UPDATED", "READING_ACTION", "WORKLIST_UPDATED",
                "READING_ACTION", "WORKLIST_REMOVED");
        JsonNode[] e = new JsonNode[types.size()];
        for (int i = 0; i < e.length; i++) {
            e[i] = document.get("events").get(i);
        }
        assertThat(e[0].get("time").asText()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(e[0].get("topic").asText()).isEqualTo("rtr.instances");
        assertThat(e[0].get("sopInstanceUid").asText()).isEqualTo(S1 + ".1.1");
        assertThat(e[0].get("callingAeTitle").asText()).isEqualTo("MODALITY1");
        assertThat(e[0].get("sha256").asText()).isEqualTo(SHA_A);
        assertThat(e[0].get("source").asText()).isEqualTo("DIMSE");
        assertThat(e[2].get("callingAeTitle").asText()).isEqualTo("MODALITY2");
        assertThat(e[1].get("sha256").asText()).isEqualTo(SHA_B);

        assertThat(e[3].get("topic").asText()).isEqualTo("rtr.instances.rejected");
        assertThat(e[3].get("sopInstanceUid").asText()).isEqualTo(S1 + ".1.9");
        assertThat(e[3].get("ruleId").asText()).isEqualTo("presentation-intent");
        assertThat(e[3].get("reasonCode").asText()).isEqualTo("NOT_FOR_PRESENTATION");
        assertThat(e[3].get("stage").asText()).isEqualTo("triage-streams/filter");

        assertThat(e[4].get("revision").asInt()).isEqualTo(1);
        assertThat(e[4].get("completenessReason").asText()).isEqualTo("EXPECTED_VIEWS_COMPLETE");
        assertThat(e[4].get("instanceCount").asInt()).isEqualTo(2);
        assertThat(e[8].get("revision").asInt()).isEqualTo(2);
        assertThat(e[8].get("completenessReason").asText()).isEqualTo("LATE_INSTANCE_REVISION");
        assertThat(e[8].get("sopInstanceUids")).hasSize(3);

        assertThat(e[5].get("modelName").asText()).isEqualTo("rtr-reference");
        assertThat(e[5].get("modelVersion").asText()).isEqualTo("1.0.0");
        assertThat(e[5].get("modelSha256").asText()).isEqualTo(SHA_A);
        assertThat(e[5].get("studyScore").asDouble()).isEqualTo(0.91);
        assertThat(e[5].get("suspicious").asBoolean()).isTrue();
        assertThat(e[9].get("modelName").asText()).isEqualTo("rtr-candidate");
        assertThat(e[9].get("modelVersion").asText()).isEqualTo("2.0.0");
        assertThat(e[9].get("modelSha256").asText()).isEqualTo(SHA_B);
        assertThat(e[9].get("studyRevision").asInt()).isEqualTo(2);
        assertThat(e[9].get("suspicious").asBoolean()).isFalse();

        assertThat(e[6].get("radiologistId").asText()).isEqualTo("dr-a");
        assertThat(e[6].get("priorityClass").asText()).isEqualTo("SUSPICIOUS_IN_CLINIC");
        assertThat(e[6].get("priorityScore").asDouble()).isEqualTo(0.91);
        assertThat(e[10].get("priorityClass").asText()).isEqualTo("ROUTINE");
        assertThat(e[12].get("status").asText()).isEqualTo("CLAIMED");
        assertThat(e[12].get("claimedBy").asText()).isEqualTo("dr-a");

        assertThat(e[11].get("action").asText()).isEqualTo("CLAIM");
        assertThat(e[11].get("actionId").asText()).isEqualTo("act-1");
        assertThat(e[11].get("radiologistId").asText()).isEqualTo("dr-a");
        assertThat(e[13].get("action").asText()).isEqualTo("COMPLETE");
        assertThat(e[14].get("topic").asText()).isEqualTo("rtr.worklist");
        assertThat(e[14].get("time").asText()).isEqualTo("2026-01-01T10:00:51Z");
    }

    @Test
    void auditStudyTextHasOneLinePerDecision() {
        LogCliRun run = cli("audit", "study", S1);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Study " + S1 + ": 15 event(s)");
        assertThat(run.out().lines().filter(line -> line.startsWith("2026-01-01T10:00"))).hasSize(15);
        assertThat(run.out())
                .contains("instance received  sop " + S1 + ".1.1 from AE MODALITY1 (DIMSE), sha256 " + SHA_A)
                .contains("instance rejected  sop " + S1 + ".1.9 by rule presentation-intent (NOT_FOR_PRESENTATION)")
                .contains("study assembled    revision 2: LATE_INSTANCE_REVISION, 3 instance(s)")
                .contains("study scored       revision 1 by rtr-reference 1.0.0 (sha256 " + SHA_A + "): score 0.910 >="
                        + " threshold 0.620 SUSPICIOUS")
                .contains("study scored       revision 2 by rtr-candidate 2.0.0 (sha256 " + SHA_B + ")")
                .contains("worklist updated   dr-a: SUSPICIOUS_IN_CLINIC priority 0.910, UNREAD")
                .contains("worklist updated   dr-a: ROUTINE priority 0.400, CLAIMED by dr-a")
                .contains("reading action     dr-a CLAIM (act-1)")
                .contains("worklist removed   tombstone");
        // The progress bar went to stderr, never into the output tools parse.
        assertThat(run.out()).doesNotContain("ev/s");
    }

    @Test
    void worklistIsRebuiltAsItWasAtThreePointsInTime() throws Exception {
        // At the second S1 was first ranked (inclusive): S1 suspicious in clinic above routine S2.
        assertThat(queue("2026-01-01T10:00:13Z")).containsExactly(S1, S2);
        // S1 was rescored to routine 0.40, S5 ties with it and waits longer, S3 moved to dr-b.
        assertThat(queue("2026-01-01T10:00:36Z")).containsExactly(S5, S1, S2);
        // S1 was read: its tombstone took it off.
        assertThat(queue("2026-01-01T10:01:00Z")).containsExactly(S5, S2);
        assertThat(queueOf("dr-b", "2026-01-01T10:00:36Z")).containsExactly(S4, S3);
    }

    @Test
    void worklistTextAndJsonCarryTheRankingFields() throws Exception {
        LogCliRun json = cli("audit", "worklist", "--radiologist", "dr-a", "--at", "2026-01-01T10:00:14Z", "--json");
        JsonNode first = new ObjectMapper().readTree(json.out()).get("studies").get(0);
        assertThat(first.get("position").asInt()).isEqualTo(1);
        assertThat(first.get("priorityClass").asText()).isEqualTo("SUSPICIOUS_IN_CLINIC");
        assertThat(first.get("priorityScore").asDouble()).isEqualTo(0.91);
        assertThat(first.get("waitingSince").asText()).isEqualTo("2026-01-01T10:00:13Z");
        assertThat(first.get("modelName").asText()).isEqualTo("rtr-reference");

        LogCliRun text = cli("audit", "worklist", "--radiologist", "dr-a", "--at", "2026-01-01T11:00:14+01:00");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("Worklist of dr-a at 2026-01-01T10:00:14Z: 2 studies")
                .contains("1  " + S1).contains("2  " + S2);
    }

    @Test
    void exportWritesTheWindowAsJsonLines(@TempDir Path out) throws Exception {
        Path file = out.resolve("worklist.jsonl");
        LogCliRun run = cli("export", "--topic", "rtr.worklist", "--from", "2026-01-01T10:00:13Z",
                "--to", "2026-01-01T10:00:36Z", "--out", file.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).contains("5 row(s) of rtr.worklist");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(5);
        ObjectMapper mapper = new ObjectMapper();
        List<String> keys = new ArrayList<>();
        for (String line : lines) {
            keys.add(mapper.readTree(line).get("key").asText());
        }
        assertThat(keys).containsExactlyInAnyOrder(S1, S3, S4, S1, S3);
        JsonNode s4 = lines.stream().map(line -> read(mapper, line)).filter(n -> n.get("key").asText().equals(S4))
                .findFirst().orElseThrow();
        assertThat(s4.get("topic").asText()).isEqualTo("rtr.worklist");
        assertThat(s4.get("timestamp").asText()).isEqualTo("2026-01-01T10:00:16Z");
        assertThat(s4.get("value").get("radiologistId").asText()).isEqualTo("dr-b");
        assertThat(s4.get("value").get("priorityClass").asText()).isEqualTo("STAT");
        assertThat(s4.get("value").get("waitingSince").asText()).isEqualTo("2026-01-01T10:00:16Z");
        assertThat(s4.get("value").get("reasons").get(0).asText()).isEqualTo("score 0.5");
        assertThat(s4.get("value").get("claimedBy").isNull()).isTrue();
    }

    @Test
    void exportWritesCsvWithFlattenedColumns(@TempDir Path out) throws Exception {
        Path file = out.resolve("studies.csv");
        LogCliRun run = cli("export", "--topic", "rtr.studies", "--from", "2026-01-01T10:00:00Z",
                "--to", "2026-01-01T11:00:00Z", "--format", "csv", "--out", file.toString());

        assertThat(run.code()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        assertThat(header).startsWith("topic", "partition", "offset", "timestamp", "key", "studyInstanceUid",
                "revision", "completenessReason", "instances")
                .contains("orderContext.accessionNumber", "orderContext.orderPriority", "assembledAt");
        assertThat(lines.get(1)).startsWith("rtr.studies,")
                .contains(",2026-01-01T10:00:10Z," + S1 + "," + S1 + ",1,EXPECTED_VIEWS_COMPLETE,\"[{")
                .contains(",ACC-0001,");
        assertThat(lines.get(2)).contains(",2,LATE_INSTANCE_REVISION,");
        int orderPriority = header.indexOf("orderContext.orderPriority");
        assertThat(orderPriority).isPositive();
    }

    @Test
    void unknownStudyIsOneLineNamingItAndTheFix() {
        LogCliRun run = cli("audit", "study", "1.2.3.999");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("study '1.2.3.999' not found").contains("check the StudyInstanceUID");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void timeRangeWithoutDataIsOneLineNamingItAndTheFix() {
        LogCliRun run = cli("export", "--topic", "rtr.scores", "--from", "2020-01-01T00:00:00Z", "--to", "2020-01-02T00:00:00Z");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("no records on rtr.scores from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z")
                .contains("first record is at 2026-01-01T10:00:12Z").contains("widen --from/--to");
        LogCliRun before = cli("audit", "worklist", "--radiologist", "dr-a", "--at", "2025-12-31T00:00:00Z");
        assertThat(before.code()).isEqualTo(1);
        assertThat(before.errorLines()).singleElement().asString()
                .contains("no worklist record at or before 2025-12-31T00:00:00Z").contains("choose a later --at");
    }

    @Test
    void replayOfAWindowWithoutStudiesIsOneLineNamingItAndTheFix(@TempDir Path modelDir) throws Exception {
        // A real model: replay loads it before it scans, so that a wrong model fails before a long scan.
        Path model = ReferenceModel.extractTo(modelDir);
        LogCliRun run = cli("replay", "--model", model.toString(), "--from", "2020-01-01T00:00:00Z",
                "--to", "2020-01-02T00:00:00Z");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("no studies on rtr.studies from 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z")
                .contains("widen --from/--to");
    }

    @Test
    void malformedTimeAndMissingFlagAreUsageErrors() {
        LogCliRun time = cli("audit", "worklist", "--radiologist", "dr-a", "--at", "yesterday");
        assertThat(time.code()).isEqualTo(2);
        assertThat(time.errorLines()).singleElement().asString()
                .contains("--at 'yesterday' is not a time").contains("e.g. 2026-01-01T10:32:00Z");

        LogCliRun missing = cli("audit", "worklist", "--at", "2026-01-01T10:32:00Z");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.errorLines()).singleElement().asString()
                .contains("needs --radiologist").contains("add e.g. --radiologist dr-a");

        LogCliRun noUid = cli("audit", "study");
        assertThat(noUid.code()).isEqualTo(2);
        assertThat(noUid.errorLines()).singleElement().asString().contains("needs the StudyInstanceUID");
    }

    @Test
    void ctrlCStopsTheScanAndKeepsWhatWasRead() {
        Interruption interruption = Interruption.manual();
        List<Long> seen = new ArrayList<>();
        try (LogScanner scanner = new LogScanner(platform.bootstrapServers(), null, interruption)) {
            List<LogScanner.Range> ranges = scanner.whole(scanner.partitions(Topics.WORKLIST.name()));
            LogScanner.Stats stats = scanner.scan("test", ranges, record -> {
                seen.add(record.offset());
                if (seen.size() == 3) {
                    interruption.interrupt();
                }
            });
            assertThat(stats.interrupted()).isTrue();
            assertThat(stats.scanned()).isEqualTo(3);
            assertThat(stats.total()).isEqualTo(9);
        }
        assertThat(seen).hasSize(3);
    }

    @Test
    void ctrlCBeforeTheScanExits130WithOneLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (Interruption interruption = Interruption.manual()) {
            // As if Ctrl-C came while the partitions were being looked up: the consumer's next call wakes up.
            interruption.interrupt();
            code = new LogCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), interruption).run("audit", List.of("study", S1,
                    "--bootstrap", platform.bootstrapServers(), "--registry", platform.schemaRegistryUrl()));
        }

        assertThat(code).isEqualTo(130);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).hasLineCount(1)
                .contains("rtr audit: interrupted before any record was read");
    }

    @Test
    void auditsNeverJoinAConsumerGroup() throws Exception {
        cli("audit", "study", S1);
        cli("audit", "worklist", "--radiologist", "dr-a", "--at", "2026-01-01T10:00:36Z");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers()))) {
            assertThat(admin.listGroups().all().get(30, TimeUnit.SECONDS))
                    .extracting(GroupListing::groupId).isEmpty();
        }
    }

    // --- helpers ------------------------------------------------------------------------------------

    @Test
    void exportOfATopicThatDoesNotExistFailsNamingItAndCreatesNothing() throws Exception {
        LogCliRun run = cli("export", "--topic", "rtr.scroes", "--from", "2026-01-01T10:00:00Z",
                "--to", "2026-01-01T11:00:00Z");

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.errorLines()).singleElement().asString()
                .contains("topic 'rtr.scroes' does not exist on " + platform.bootstrapServers());
        // A broker that auto-creates answers the lookup at once and creates the topic just after: watch a while.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers()))) {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("rtr.scroes"));
        }
    }

    private static LogCliRun cli(String command, String... words) {
        return LogCliRun.run(platform, command, words);
    }

    private static List<String> queue(String at) throws Exception {
        return queueOf("dr-a", at);
    }

    private static List<String> queueOf(String radiologist, String at) throws Exception {
        LogCliRun run = cli("audit", "worklist", "--radiologist", radiologist, "--at", at, "--json");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> studies = new ArrayList<>();
        new ObjectMapper().readTree(run.out()).get("studies")
                .forEach(row -> studies.add(row.get("studyInstanceUid").asText()));
        return studies;
    }

    private static JsonNode read(ObjectMapper mapper, String line) {
        try {
            return mapper.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }

    private static <V extends SpecificRecord> void send(KafkaProducer<String, byte[]> producer, Topic<String, V> topic,
                                                        int second, String key, V value) throws Exception {
        byte[] bytes = value == null ? null
                : topic.valueSerde(serdeConfig).serializer().serialize(topic.name(), value);
        written.add(producer.send(new ProducerRecord<>(topic.name(), null, T0.plusSeconds(second).toEpochMilli(),
                key, bytes)).get(30, TimeUnit.SECONDS));
    }

    private static InstanceReceived instance(String sop, String callingAe, String sha, int second) {
        return InstanceReceived.newBuilder(SampleEvents.instanceReceived(sop))
                .setCallingAeTitle(callingAe).setSha256(sha).setReceivedAt(T0.plusSeconds(second)).build();
    }

    private static StudyAssembled study(int revision, CompletenessReason reason, int second, String... sops) {
        List<InstanceReceived> instances = new ArrayList<>();
        for (String sop : sops) {
            instances.add(SampleEvents.instanceReceived(sop));
        }
        return StudyAssembled.newBuilder(SampleEvents.studyAssembled()).setRevision(revision).setCompletenessReason(reason)
                .setInstances(instances).setAssembledAt(T0.plusSeconds(second)).build();
    }

    private static StudyScored score(int revision, String model, String version, String sha, double score,
                                     boolean suspicious, int second) {
        return StudyScored.newBuilder(SampleEvents.studyScored()).setStudyRevision(revision).setModelName(model)
                .setModelVersion(version).setModelSha256(sha).setStudyScore(score).setSuspicious(suspicious)
                .setScoredAt(T0.plusSeconds(second)).build();
    }

    private static WorklistEntry entry(String study, String radiologist, PriorityClass priority, double score,
                                       int waitingSecond, long version) {
        return WorklistEntry.newBuilder(SampleEvents.worklistEntry()).setStudyInstanceUid(study).setRadiologistId(radiologist)
                .setPriorityClass(priority).setPriorityScore(score).setStudyScore(score)
                .setReasons(List.of("score " + score)).setWaitingSince(T0.plusSeconds(waitingSecond))
                .setUpdatedAt(T0.plusSeconds(waitingSecond)).setVersion(version).build();
    }

    private static ReadingAction action(String id, ReadingActionType type, int second) {
        return ReadingAction.newBuilder(SampleEvents.readingAction()).setActionId(id).setAction(type).setAt(T0.plusSeconds(second))
                .build();
    }
}
