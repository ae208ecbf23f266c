package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.rtr.schemas.PriorityClass;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistSchema;
import io.rtr.worklist.db.WorklistWriter;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API as {@link WorklistApi#forDatabase} builds it, with its HikariCP pool, against a real
 * Postgres: connections are reused, closed with the API, and an unreachable or restarting database
 * gives quick 503s and then full service again.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistPoolIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void requestsReuseTheFewPooledConnections(TestDatabase db) throws Exception {
        String radiologist = TestEntries.newRadiologist();
        upsert(db.url(), db.ownerProperties(), radiologist);
        WorklistPoolConfig config = new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_MAX_SIZE_CONFIG, "3"));
        try (WorklistApi api = WorklistApi.forDatabase(db.url(), db.user(), null, "127.0.0.1", 0, config).start()) {
            assertThat(get(api, "/api/worklists/" + radiologist).statusCode()).isEqualTo(200);
            long before = sessions(db);
            for (int i = 0; i < 100; i++) {
                assertThat(get(api, "/api/worklists/" + radiologist).statusCode()).isEqualTo(200);
            }
            // Unpooled, every request logged in anew: 100 sessions or more. Others may log in meanwhile.
            assertThat(sessions(db) - before).isLessThan(10);
            assertThat(apiBackends(db)).isBetween(1, 3 + 1);
        }
    }

    @Test
    void requestsRightAfterThePooledBackendsWereTerminatedSucceed(TestDatabase db) throws Exception {
        String radiologist = TestEntries.newRadiologist();
        upsert(db.url(), db.ownerProperties(), radiologist);
        WorklistPoolConfig config = new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_MAX_SIZE_CONFIG, "4"));
        try (WorklistApi api = WorklistApi.forDatabase(db.url(), db.user(), null, "127.0.0.1", 0, config).start()) {
            String path = "/api/worklists/" + radiologist;
            await().atMost(WAIT).until(() -> apiBackends(db) == 4 + 1);
            for (int i = 0; i < 20; i++) {
                assertThat(list(get(api, path))).hasSize(1);
            }
            // What a failover or a restart does to the pool, without the wait for the server.
            try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?")) {
                s.setString(1, WorklistPoolConfig.APPLICATION_NAME);
                s.execute();
            }
            for (int i = 0; i < 20; i++) {
                assertThat(list(get(api, path))).hasSize(1);
            }
            HttpResponse<String> action = post(api, path.replace("/api/worklists/" + radiologist, "/api/worklists/"
                    + radiologist + "/studies/" + firstStudy(api, path) + "/claim"));
            assertThat(action.statusCode()).as(action.body()).isEqualTo(200);
        }
    }

    @Test
    void thePoolPublishesItsMetricsToTheGivenRegistry(TestDatabase db) throws Exception {
        String radiologist = TestEntries.newRadiologist();
        upsert(db.url(), db.ownerProperties(), radiologist);
        MeterRegistry registry = new SimpleMeterRegistry();
        try (WorklistApi api = WorklistApi.forDatabase(db.url(), db.user(), null, "127.0.0.1", 0,
                WorklistPoolConfig.defaults()).bindMetrics(registry).start()) {
            assertThat(get(api, "/api/worklists/" + radiologist).statusCode()).isEqualTo(200);

            assertThat(registry.get("hikaricp.connections").tag("pool", "rtr-worklist-api").gauge().value())
                    .isPositive();
            assertThat(registry.get("hikaricp.connections.max").gauge().value()).isEqualTo(10);
            assertThat(registry.get("hikaricp.connections.acquire").timer().count()).isPositive();
        }
        // A DataSource of the caller's is the caller's to instrument.
        try (WorklistApi api = new WorklistApi(db.ownerDataSource(), "127.0.0.1", 0)) {
            assertThatThrownBy(() -> api.bindMetrics(registry)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void stoppingClosesThePoolItsConnectionsAndItsThreads(TestDatabase db) throws Exception {
        WorklistApi api = WorklistApi.forDatabase(db.url(), db.user(), null, "127.0.0.1", 0,
                WorklistPoolConfig.defaults()).start();
        assertThat(get(api, "/api/health").statusCode()).isEqualTo(200);
        await().atMost(WAIT).until(() -> apiBackends(db) > 1);
        assertThat(poolThreads()).isNotEmpty();

        api.close();

        await().atMost(WAIT).untilAsserted(() -> assertThat(apiBackends(db)).isZero());
        await().atMost(WAIT).untilAsserted(() -> assertThat(poolThreads()).isEmpty());
    }

    @Test
    void anUnreachableDatabaseIs503WithinThePoolWait() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        WorklistPoolConfig config = new WorklistPoolConfig(Map.of(
                WorklistPoolConfig.POOL_WAIT_TIMEOUT_MS_CONFIG, "500",
                WorklistPoolConfig.POOL_VALIDATION_TIMEOUT_MS_CONFIG, "250"));
        // Starts although nothing answers on the port.
        try (WorklistApi down = WorklistApi.forDatabase("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres",
                "postgres", null, "127.0.0.1", 0, config).start()) {
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                HttpResponse<String> response = get(down, "/api/worklists/" + TestEntries.newRadiologist());
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
                assertError(response, 503, "database_unavailable");
            }
            HttpResponse<String> health = get(down, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(mapper.readTree(health.body()).get("database").asText()).isEqualTo("DOWN");
        }
    }

    @Test
    void answers503WhilePostgresRestartsAndRecoversWithFreshConnections() throws Exception {
        Path dir = Files.createTempDirectory("rtr-worklist-pool-pg");
        EmbeddedPostgres postgres = start(dir, 0);
        int port = postgres.getPort();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        Properties owner = new Properties();
        owner.setProperty("user", "postgres");
        WorklistApi api = null;
        try {
            WorklistSchema.migrate(url, owner);
            String radiologist = TestEntries.newRadiologist();
            upsert(url, owner, radiologist);
            WorklistPoolConfig config = new WorklistPoolConfig(Map.of(
                    WorklistPoolConfig.POOL_MAX_SIZE_CONFIG, "2",
                    WorklistPoolConfig.POOL_WAIT_TIMEOUT_MS_CONFIG, "1000",
                    WorklistPoolConfig.POOL_VALIDATION_TIMEOUT_MS_CONFIG, "500"));
            api = WorklistApi.forDatabase(url, "postgres", null, "127.0.0.1", 0, config).start();
            WorklistApi started = api;
            String path = "/api/worklists/" + radiologist;
            assertThat(list(get(api, path))).hasSize(1);
            await().atMost(WAIT).until(() -> listenerUp(started));

            postgres.close();
            long stopped = System.nanoTime();
            HttpResponse<String> during = get(api, path);
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(4));
            assertError(during, 503, "database_unavailable");

            postgres = start(dir, port);
            try (Connection c = DriverManager.getConnection(url, owner)) {
                assertThat(c.isValid(5)).isTrue();
            }
            // The pool's connections all died with the old server, and some were used too recently
            // for the pool to check them before lending: the first request finds one broken, the
            // rest are dropped with it, and the request is answered from a fresh connection.
            for (int i = 0; i < 10; i++) {
                assertThat(list(get(api, path))).hasSize(1);
            }
            await().atMost(WAIT).until(() -> listenerUp(started));
        } finally {
            if (api != null) {
                api.close();
            }
            postgres.close();
            deleteRecursively(dir);
        }
    }

    private static EmbeddedPostgres start(Path dir, int port) throws IOException {
        // Not cleaned: the second start on the same directory and port is a restart of the same database.
        return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port).start();
    }

    private static boolean listenerUp(WorklistApi api) throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        return mapper.readTree(health.body()).get("changeListener").asText().equals("UP");
    }

    private HttpResponse<String> get(WorklistApi api, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(WorklistApi api, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String firstStudy(WorklistApi api, String path) throws IOException, InterruptedException {
        return list(get(api, path)).get(0).get("studyInstanceUid").asText();
    }

    private static JsonNode list(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return mapper.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        assertThat(mapper.readTree(response.body()).get("error").asText()).isEqualTo(code);
    }

    private static void upsert(String url, Properties owner, String radiologist) throws SQLException {
        try (WorklistWriter writer = new WorklistWriter(url, owner)) {
            writer.write(List.of(WorklistChange.upsert(
                    TestEntries.entry(radiologist, PriorityClass.ROUTINE, 0.4).build())));
        }
    }

    /** Sessions ever established to the database (Postgres 14+). */
    private static long sessions(TestDatabase db) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()")) {
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Open backends of the API: the pool's and the listener's. */
    private static int apiBackends(TestDatabase db) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            s.setString(1, WorklistPoolConfig.APPLICATION_NAME);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static List<String> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith(WorklistPool.POOL_NAME))
                .toList();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
