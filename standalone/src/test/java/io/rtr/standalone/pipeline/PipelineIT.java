package io.rtr.standalone.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.standalone.registry.EmbeddedSchemaRegistry;
import io.rtr.triage.TriageConfig;
import io.rtr.triage.priority.PrioritizationConfig;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline in one process on real components: phantom studies sent over C-STORE are
 * filtered and assembled, scored by the reference model, prioritized and written to Postgres,
 * where the radiologist's view lists the suspicious one first; completing it through the API
 * travels back through Debezium and Kafka and archives the row.
 */
class PipelineIT {

    private static final String READER = Pipeline.DEMO_RADIOLOGISTS.get(0);

    @TempDir
    static Path dir;

    private static Platform platform;
    private static Pipeline pipeline;

    @BeforeAll
    static void start() {
        platform = Platform.start(PlatformConfig.forTests(dir));
        pipeline = Pipeline.start(platform, PipelineConfig.forTests(dir));
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void suspiciousStudyTopsTheWorklistAndCompletingItArchivesItThroughTheLoop() throws Exception {
        // Study 0 is clean, study 1 carries a mass (SyntheticStudies.lesionOf).
        List<SyntheticStudies.Sent> sent = pipeline.sendSynthetic(2, READER);
        SyntheticStudies.Sent clean = sent.get(0);
        SyntheticStudies.Sent suspicious = sent.get(1);
        assertThat(clean.lesion()).isEqualTo(Lesion.NONE);
        assertThat(suspicious.lesion()).isNotEqualTo(Lesion.NONE);

        List<Row> rows = new ArrayList<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            rows.clear();
            rows.addAll(worklist(clean.studyInstanceUid(), suspicious.studyInstanceUid()));
            return rows.size() == 2;
        });
        Row top = rows.get(0);
        Row second = rows.get(1);
        assertThat(top.studyUid()).isEqualTo(suspicious.studyInstanceUid());
        assertThat(top.priorityClass()).startsWith("SUSPICIOUS");
        assertThat(top.studyScore()).isGreaterThan(second.studyScore());
        assertThat(top.modelVersion()).isNotBlank();
        assertThat(second.studyUid()).isEqualTo(clean.studyInstanceUid());
        assertThat(second.priorityClass()).isEqualTo("ROUTINE");
        assertThat(second.accessionNumber()).isEqualTo(clean.accessionNumber());

        assertThat(rows).extracting(Row::radiologist).containsOnly(READER);
        String reader = top.radiologist();
        assertThat(post("/api/worklists/" + reader + "/studies/" + top.studyUid() + "/claim").statusCode())
                .isEqualTo(200);
        assertThat(post("/api/worklists/" + reader + "/studies/" + top.studyUid() + "/complete").statusCode())
                .isEqualTo(200);
        // The requests above went through the API's pool, whose meters /metrics serves with the rest.
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pipeline.httpPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("hikaricp_connections_acquire_seconds_count{pool=\"rtr-worklist-api\"}")
                .contains("kafka_stream");

        // The API marks the row at once; the tombstone that archives it can only have come back
        // through Debezium (reading_action -> rtr.worklist.actions) and the prioritization app.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> archived(top.studyUid()));
        assertThat(worklist(clean.studyInstanceUid(), suspicious.studyInstanceUid()))
                .extracting(Row::studyUid).containsExactly(clean.studyInstanceUid());
    }

    @Test
    void everyTopicOnTheBrokerIsACentralTopicOrOneThatKafkaOrStreamsOwns() throws Exception {
        // The broker creates no topic on first use, so a component using a topic that is not in
        // Topics.ALL either fails (and the other tests with it) or created it on purpose: then it shows here.
        Set<String> topics;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers()))) {
            topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
        }
        List<String> central = Topics.ALL.stream().map(Topic::name).toList();

        assertThat(topics).containsAll(central);
        assertThat(topics).allSatisfy(topic -> assertThat(central.contains(topic)
                || topic.equals(EmbeddedSchemaRegistry.DEFAULT_TOPIC)
                || topic.startsWith("__")
                || topic.startsWith(TriageConfig.APPLICATION_ID_DEFAULT + "-")
                || topic.startsWith(PrioritizationConfig.APPLICATION_ID_DEFAULT + "-"))
                .as("%s is neither in Topics.ALL nor the registry's, Kafka's or a Streams app's own", topic).isTrue());
    }

    @Test
    void stowRsOnTheDemoPortStoresThroughTheIngestConnector() throws Exception {
        Path file = PhantomGenerator.writeStudy(Files.createDirectories(dir.resolve("stow")), 77_001, 64, 52,
                Lesion.NONE, Laterality.L, View.CC).get(0);
        String boundary = "rtr-boundary-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Type: application/dicom\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(Files.readAllBytes(file));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));

        HttpResponse<String> stored = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pipeline.httpPort() + "/dicomweb/studies"))
                .header("Content-Type", "multipart/related; type=\"application/dicom\"; boundary=" + boundary)
                .header("Accept", "application/dicom+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
        assertThat(stored.body()).contains("00081199");
        HttpResponse<String> wrongType = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pipeline.httpPort() + "/dicomweb/studies"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongType.statusCode()).isEqualTo(415);
    }

    @Test
    void unknownRadiologistGetsJson404() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pipeline.httpPort() + "/api/worklists/nobody-here")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("\"error\"").contains("nobody-here");
    }

    private record Row(String radiologist, String studyUid, String accessionNumber, String priorityClass,
                       double studyScore, String modelVersion) {
    }

    /** The scored rows of {@code studies} on the reader's worklist, in reading order. */
    private static List<Row> worklist(String... studies) throws Exception {
        try (Connection connection = platform.postgres().connect();
             PreparedStatement query = connection.prepareStatement("SELECT radiologist_id, study_instance_uid,"
                     + " accession_number, priority_class, study_score, model_version FROM radiologist_worklist"
                     + " WHERE radiologist_id = ? AND study_instance_uid = ANY (?) AND study_score IS NOT NULL"
                     + " ORDER BY reading_order")) {
            query.setString(1, READER);
            query.setArray(2, connection.createArrayOf("text", studies));
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getDouble(5), rs.getString(6)));
                }
            }
            return rows;
        }
    }

    private static boolean archived(String study) throws Exception {
        try (Connection connection = platform.postgres().connect();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT archived_at IS NOT NULL FROM worklist_entry WHERE study_instance_uid = ?")) {
            query.setString(1, study);
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static HttpResponse<String> post(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + pipeline.httpPort() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
