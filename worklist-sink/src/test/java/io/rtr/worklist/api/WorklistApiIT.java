package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistWriter;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/** The HTTP API on a real server over the migrated embedded Postgres, driven by java.net.http. */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistApiIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static WorklistApi api;
    private static TestDatabase db;
    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper mapper = new ObjectMapper();

    private WorklistWriter writer;
    private String radiologist;

    @BeforeAll
    static void startApi(TestDatabase database) {
        db = database;
        // As the platform builds it (pooled), with a short heartbeat so that a hung-up client is
        // noticed within the test's patience.
        api = WorklistApi.forDatabase(database.url(), database.user(), null, "127.0.0.1", 0,
                WorklistPoolConfig.defaults(), Duration.ofMillis(200)).start();
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.stop();
        }
    }

    @BeforeEach
    void openWriter() {
        writer = new WorklistWriter(db.url(), db.ownerProperties());
        radiologist = TestEntries.newRadiologist();
    }

    @AfterEach
    void closeWriter() {
        writer.close();
    }

    @Test
    void listsOpenStudiesInReadingOrderWithWhyTheyAreThere() throws Exception {
        WorklistEntry routine = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.9).build();
        WorklistEntry stat = TestEntries.entry(radiologist, PriorityClass.STAT, 0.1).build();
        WorklistEntry suspicious = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.7)
                .setStudyScore(0.93).setModelVersion("2.1.0").setReasons(List.of("mass, left CC", "score 0.93"))
                .build();
        upsert(routine, stat, suspicious);

        HttpResponse<String> response = get("/api/worklists/" + radiologist);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        JsonNode list = json(response);
        assertThat(uids(list)).containsExactly(stat.getStudyInstanceUid(), suspicious.getStudyInstanceUid(),
                routine.getStudyInstanceUid());
        JsonNode second = list.get(1);
        assertThat(second.get("readingOrder").asInt()).isEqualTo(2);
        assertThat(second.get("priorityClass").asText()).isEqualTo("SUSPICIOUS");
        assertThat(second.get("priorityScore").asDouble()).isEqualTo(0.7);
        assertThat(second.get("studyScore").asDouble()).isEqualTo(0.93);
        assertThat(second.get("modelVersion").asText()).isEqualTo("2.1.0");
        assertThat(second.get("reasons")).extracting(JsonNode::asText).containsExactly("mass, left CC", "score 0.93");
        assertThat(second.get("status").asText()).isEqualTo("UNREAD");
        assertThat(second.get("accessionNumber").asText()).isEqualTo(suspicious.getAccessionNumber());
        assertThat(second.get("waitingSince").asText()).isEqualTo(TestEntries.T0.toString());
        // T0 is in the past, so the figure is large and positive; its exact value depends on the clock.
        assertThat(second.get("minutesWaiting").asLong()).isPositive();
    }

    @Test
    void anUnknownRadiologistIs404Json() throws Exception {
        assertError(get("/api/worklists/" + radiologist), 404, "unknown_radiologist");
        WorklistEntry someonesStudy = TestEntries.entry(TestEntries.newRadiologist(), PriorityClass.ROUTINE, 0.5).build();
        upsert(someonesStudy);
        assertError(post(studyPath(radiologist, someonesStudy) + "/claim", ""), 404, "unknown_radiologist");
        assertError(get("/api/worklists/" + radiologist + "/events"), 404, "unknown_radiologist");
    }

    @Test
    void aRegisteredRadiologistWithoutStudiesHasAnEmptyList() throws Exception {
        register(radiologist, "Dr. Empty", "breast");

        HttpResponse<String> response = get("/api/worklists/" + radiologist);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEmpty();
        JsonNode directory = json(get("/api/radiologists"));
        assertThat(directory.findValuesAsText("radiologistId")).contains(radiologist);
    }

    @Test
    void malformedInputIs400Json() throws Exception {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.5).build();
        upsert(entry);
        String studies = "/api/worklists/" + radiologist + "/studies/";

        assertError(get("/api/worklists/bad%20id"), 400, "invalid_radiologist_id");
        assertError(post(studies + "1.02.3/claim", ""), 400, "invalid_study_uid");
        assertError(post(studies + entry.getStudyInstanceUid() + "/claim", "{not json"), 400, "malformed_body");
        assertError(post(studies + entry.getStudyInstanceUid() + "/claim", "{\"comment\": 3}"), 400,
                "malformed_body");
        assertThat(actions(entry.getStudyInstanceUid())).isEmpty();
    }

    @Test
    void anUnknownStudyOrEndpointIs404Json() throws Exception {
        upsert(TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.5).build());

        assertError(post("/api/worklists/" + radiologist + "/studies/" + TestEntries.newStudyUid() + "/claim", ""),
                404, "study_not_found");
        assertError(get("/api/nothing-here"), 404, "not_found");
        assertError(post("/api/worklists/" + radiologist + "/studies/1.2.3/approve", ""), 404, "not_found");
    }

    @Test
    void aColleagueMayClaimAnUnclaimedStudyFromAnotherWorklist() throws Exception {
        String colleague = TestEntries.newRadiologist();
        register(colleague, "Dr. Cover", null);
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.5).build();
        upsert(entry);

        HttpResponse<String> claimed = post(studyPath(colleague, entry) + "/claim", "");

        assertThat(claimed.statusCode()).isEqualTo(200);
        JsonNode row = json(get("/api/worklists/" + radiologist)).get(0);
        assertThat(row.get("status").asText()).isEqualTo("CLAIMED");
        assertThat(row.get("claimedBy").asText()).isEqualTo(colleague);
        assertError(post(studyPath(radiologist, entry) + "/complete", ""), 409, "claimed_by_other");
    }

    @Test
    void claimingRecordsTheActionAndAClaimOfAClaimedStudyIs409() throws Exception {
        String colleague = TestEntries.newRadiologist();
        register(colleague, "Dr. Late", "breast");
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).build();
        upsert(entry);

        HttpResponse<String> claimed = post(studyPath(radiologist, entry) + "/claim", "{\"comment\": \"mine\"}");
        assertThat(claimed.statusCode()).isEqualTo(200);
        JsonNode body = json(claimed);
        assertThat(body.get("status").asText()).isEqualTo("CLAIMED");
        assertThat(body.get("claimedBy").asText()).isEqualTo(radiologist);
        assertThat(body.get("actionId").asText()).isNotBlank();
        // Claiming one's own claim again is harmless and records nothing new.
        assertThat(post(studyPath(radiologist, entry) + "/claim", "").statusCode()).isEqualTo(200);

        assertError(post(studyPath(colleague, entry) + "/claim", ""), 409, "already_claimed");
        assertError(post(studyPath(colleague, entry) + "/release", ""), 409, "claimed_by_other");

        assertThat(actions(entry.getStudyInstanceUid())).containsExactly("CLAIM " + radiologist + " mine");
    }

    @Test
    void twoConcurrentClaimsYieldOne200AndOne409() throws Exception {
        String colleague = TestEntries.newRadiologist();
        register(colleague, "Dr. Race", null);
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.STAT, 0.9).build();
        upsert(entry);
        List<CompletableFuture<HttpResponse<String>>> claims = new ArrayList<>();
        // Hold the row lock until both requests are provably inside their transactions and waiting
        // on the same row: the race is forced rather than hoped for.
        try (Connection holder = db.connectAsOwner()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement(
                    "SELECT 1 FROM worklist_entry WHERE study_instance_uid = ? FOR UPDATE")) {
                lock.setString(1, entry.getStudyInstanceUid());
                lock.executeQuery().close();
            }
            for (String claimer : List.of(radiologist, colleague)) {
                claims.add(http.sendAsync(request(studyPath(claimer, entry) + "/claim")
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(WAIT).until(() -> waitersOn() == 2);
            holder.commit();
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> claim : claims) {
            responses.add(claim.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 409);
        HttpResponse<String> winner = responses.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
        HttpResponse<String> loser = responses.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
        assertThat(json(loser).get("error").asText()).isEqualTo("already_claimed");
        String claimer = json(winner).get("claimedBy").asText();
        assertThat(actions(entry.getStudyInstanceUid())).containsExactly("CLAIM " + claimer + " null");
        assertThat(json(get("/api/worklists/" + radiologist)).get(0).get("claimedBy").asText()).isEqualTo(claimer);
    }

    @Test
    void completingRemovesTheStudyFromTheViewAndCompletingUnclaimedIs409() throws Exception {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).build();
        WorklistEntry other = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.2).build();
        upsert(entry, other);

        assertError(post(studyPath(radiologist, entry) + "/complete", ""), 409, "not_claimed");
        assertThat(post(studyPath(radiologist, entry) + "/claim", "").statusCode()).isEqualTo(200);
        HttpResponse<String> completed = post(studyPath(radiologist, entry) + "/complete", "");
        assertThat(completed.statusCode()).isEqualTo(200);
        assertThat(json(completed).get("status").asText()).isEqualTo("COMPLETED");

        assertThat(uids(json(get("/api/worklists/" + radiologist)))).containsExactly(other.getStudyInstanceUid());
        assertThat(actions(entry.getStudyInstanceUid()))
                .containsExactly("CLAIM " + radiologist + " null", "COMPLETE " + radiologist + " null");
        // Completed but not yet archived by the tombstone coming back from Kafka: still there, closed.
        assertError(post(studyPath(radiologist, entry) + "/claim", ""), 409, "already_completed");
    }

    @Test
    void releasingMakesTheStudyUnreadAgain() throws Exception {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).build();
        upsert(entry);
        assertThat(post(studyPath(radiologist, entry) + "/claim", "").statusCode()).isEqualTo(200);

        HttpResponse<String> released = post(studyPath(radiologist, entry) + "/release", "");

        assertThat(released.statusCode()).isEqualTo(200);
        JsonNode row = json(get("/api/worklists/" + radiologist)).get(0);
        assertThat(row.get("status").asText()).isEqualTo("UNREAD");
        assertThat(row.get("claimedBy").isNull()).isTrue();
    }

    @Test
    void anEntryComputedBeforeTheClaimCameBackKeepsTheClaimUntilOneThatKnowsIt() throws Exception {
        WorklistEntry entry = TestEntries.entry(radiologist, PriorityClass.SUSPICIOUS, 0.8).build();
        upsert(entry);
        String claim = json(post(studyPath(radiologist, entry) + "/claim", "")).get("actionId").asText();

        // A re-score computed before Debezium brought the claim to prioritization: newer, still UNREAD.
        upsert(WorklistEntry.newBuilder(entry).setVersion(entry.getVersion() + 1).setStudyScore(0.9).build());

        JsonNode row = json(get("/api/worklists/" + radiologist)).get(0);
        assertThat(row.get("studyScore").asDouble()).isEqualTo(0.9);
        assertThat(row.get("status").asText()).isEqualTo("CLAIMED");
        assertThat(post(studyPath(radiologist, entry) + "/release", "").statusCode()).isEqualTo(200);
        // The claim's own event arrives after the release: the release stands.
        upsert(WorklistEntry.newBuilder(entry).setVersion(entry.getVersion() + 2)
                .setStatus(WorklistStatus.CLAIMED).setClaimedBy(radiologist).setLastActionId(claim).build());
        assertThat(json(get("/api/worklists/" + radiologist)).get(0).get("status").asText()).isEqualTo("UNREAD");

        // Once an entry has folded the newest action, status follows the events again.
        String claimAgain = json(post(studyPath(radiologist, entry) + "/claim", "")).get("actionId").asText();
        upsert(WorklistEntry.newBuilder(entry).setVersion(entry.getVersion() + 3)
                .setStatus(WorklistStatus.UNREAD).setClaimedBy(null).setLastActionId(claimAgain).build());
        assertThat(json(get("/api/worklists/" + radiologist)).get(0).get("status").asText()).isEqualTo("UNREAD");
    }

    @Test
    void liveClientsReceiveTheListAfterAnUpsert() throws Exception {
        WorklistEntry first = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.3).build();
        upsert(first);
        SseRecorder recorder = openEvents(radiologist);
        try {
            // The first event is the current list, sent on connect.
            await().atMost(WAIT).until(() -> !recorder.events().isEmpty());
            assertThat(recorder.events().get(0).name()).isEqualTo(WorklistEvents.EVENT);
            assertThat(uids(mapper.readTree(recorder.events().get(0).data())))
                    .containsExactly(first.getStudyInstanceUid());

            WorklistEntry urgent = TestEntries.entry(radiologist, PriorityClass.STAT, 0.9).build();
            upsert(urgent);

            await().atMost(WAIT).untilAsserted(() -> assertThat(lastList(recorder))
                    .containsExactly(urgent.getStudyInstanceUid(), first.getStudyInstanceUid()));
        } finally {
            recorder.cancel();
        }
    }

    @Test
    void aClientThatHangsUpIsForgotten() throws Exception {
        upsert(TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.3).build());
        SseRecorder recorder = openEvents(radiologist);
        await().atMost(WAIT).until(() -> api.liveClients(radiologist) == 1 && !recorder.events().isEmpty());

        recorder.cancel();

        await().atMost(WAIT).until(() -> api.liveClients(radiologist) == 0);
    }

    @Test
    void liveUpdatesResumeAfterTheListenConnectionIsKilled() throws Exception {
        WorklistEntry first = TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.3).build();
        upsert(first);
        SseRecorder recorder = openEvents(radiologist);
        try {
            await().atMost(WAIT).until(() -> !recorder.events().isEmpty());
            int before = recorder.events().size();

            try (Connection c = db.connectAsOwner(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
            }
            // Whatever changed while nobody listened is re-sent once the listener is back.
            await().atMost(WAIT).until(() -> recorder.events().size() > before);
            WorklistEntry later = TestEntries.entry(radiologist, PriorityClass.STAT, 0.9).build();
            upsert(later);

            await().atMost(WAIT).untilAsserted(() -> assertThat(lastList(recorder))
                    .containsExactly(later.getStudyInstanceUid(), first.getStudyInstanceUid()));
        } finally {
            recorder.cancel();
        }
    }

    @Test
    void servesThePagesWithAStrictContentSecurityPolicyAndOnlyListedAssets() throws Exception {
        HttpResponse<String> page = get("/worklist/" + radiologist);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                v -> assertThat(v).contains("script-src 'self'").doesNotContain("unsafe-inline"));
        assertThat(page.body()).contains("/assets/worklist.js");

        HttpResponse<String> script = get("/assets/worklist.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/javascript"));
        assertError(get("/assets/WorklistApi.class"), 404, "not_found");
        assertError(get("/worklist/bad%20id"), 400, "invalid_radiologist_id");
    }

    @Test
    void mountsOnAnotherApplicationsServer() throws Exception {
        upsert(TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.3).build());
        Javalin host = Javalin.create(config -> config.showJavalinBanner = false);
        host.get("/dicomweb/ping", ctx -> ctx.result("pong"));
        WorklistApi mounted = new WorklistApi(db.ownerDataSource(), "127.0.0.1", 0);
        try {
            mounted.attachTo(host);
            host.start("127.0.0.1", 0);
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> list = client.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + host.port() + "/api/worklists/" + radiologist)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(json(list)).hasSize(1);
            HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + host.port() + "/api/worklists/" + TestEntries.newRadiologist())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertError(unknown, 404, "unknown_radiologist");
        } finally {
            mounted.stop();
            host.stop();
        }
    }

    @Test
    void anUnreachableDatabaseIs503Json() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres");
        nowhere.setUser("postgres");
        nowhere.setConnectTimeout(2);
        try (WorklistApi down = new WorklistApi(nowhere, "127.0.0.1", 0).start()) {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + down.port();
            assertError(client.send(HttpRequest.newBuilder(URI.create(base + "/api/worklists/" + radiologist)).build(),
                    HttpResponse.BodyHandlers.ofString()), 503, "database_unavailable");
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(json(health).get("database").asText()).isEqualTo("DOWN");
        }
    }

    @Test
    void healthReportsTheDatabaseAndTheListener() throws Exception {
        HttpResponse<String> response = get("/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("database").asText()).isEqualTo("UP");
        await().atMost(WAIT).until(() -> json(get("/health")).get("changeListener").asText().equals("UP"));
    }

    private SseRecorder openEvents(String radiologist) throws Exception {
        // No request timeout: it would end the stream itself after WAIT.
        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.port() + "/api/worklists/" + radiologist + "/events"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        return new SseRecorder(response.body());
    }

    private static List<String> lastList(SseRecorder recorder) throws IOException {
        List<SseRecorder.Event> events = recorder.events();
        return events.isEmpty() ? List.of() : uids(mapper.readTree(events.get(events.size() - 1).data()));
    }

    private void upsert(WorklistEntry... entries) throws SQLException {
        List<WorklistChange> changes = new ArrayList<>();
        for (WorklistEntry e : entries) {
            changes.add(WorklistChange.upsert(e));
        }
        writer.write(changes);
    }

    private static void register(String id, String name, String subspecialty) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO radiologist (radiologist_id, display_name, subspecialty) VALUES (?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, name);
            s.setString(3, subspecialty);
            s.executeUpdate();
        }
    }

    private static List<String> actions(String studyUid) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "SELECT action || ' ' || radiologist_id || ' ' || coalesce(comment, 'null') FROM reading_action"
                        + " WHERE study_instance_uid = ? ORDER BY at, action")) {
            s.setString(1, studyUid);
            List<String> result = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1));
                }
            }
            return result;
        }
    }

    /** API transactions blocked on a row lock at the entry's SELECT ... FOR UPDATE. */
    private static int waitersOn() throws SQLException {
        try (Connection c = db.connectAsOwner(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                     + " AND query LIKE 'SELECT status, claimed_by FROM worklist_entry%'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String studyPath(String radiologist, WorklistEntry entry) {
        return "/api/worklists/" + radiologist + "/studies/" + entry.getStudyInstanceUid();
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path)).timeout(WAIT);
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return mapper.readTree(response.body());
    }

    private static List<String> uids(JsonNode list) {
        List<String> result = new ArrayList<>();
        list.forEach(n -> result.add(n.get("studyInstanceUid").asText()));
        return result;
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        JsonNode body = json(response);
        assertThat(body.get("error").asText()).isEqualTo(code);
        assertThat(body.get("message").asText()).isNotBlank();
    }
}
