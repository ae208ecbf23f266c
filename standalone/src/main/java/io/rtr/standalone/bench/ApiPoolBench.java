package io.rtr.standalone.bench;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.standalone.postgres.EmbeddedPostgres;
import io.rtr.worklist.api.WorklistApi;
import io.rtr.worklist.api.WorklistPoolConfig;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistSchema;
import io.rtr.worklist.db.WorklistWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Benchmark of the worklist API's connection handling: the same API over the same embedded
 * Postgres (migrated, one radiologist with K open studies), once with the HikariCP pool that
 * {@link WorklistApi#forDatabase} builds and once over an unpooled {@code PGSimpleDataSource} (a
 * new connection, login and backend process per request, as before the pool). Each round sends N
 * {@code GET /api/worklists/{radiologist}} requests one after another, then N more from C
 * concurrent clients (keep-alive HTTP/1.1, one client each), for both variants in turn (the order
 * alternates between rounds), and prints requests/s, p50/p99 latency and the Postgres sessions
 * opened. Figures, not a test: read them against the load it prints.
 * <pre>
 *   ./rtr bench api [--requests 2000] [--clients 8] [--rounds 3] [--studies 20] [--pool-size 10]
 *   java -cp "standalone/target/classes:$(cat standalone/target/classpath.txt)" \
 *       io.rtr.standalone.bench.ApiPoolBench --requests 2000 --clients 8 --rounds 3
 * </pre>
 * The embedded server trusts local connections, so the unpooled figures do not include a password
 * exchange (SCRAM), which a production login adds to every unpooled request.
 */
public final class ApiPoolBench {

    private static final String RADIOLOGIST = "dr-bench-api";

    private ApiPoolBench() {
    }

    /** Entry point: see the class documentation. */
    public static void main(String[] args) throws Exception {
        BenchArgs parsed = BenchArgs.parse("ApiPoolBench", args,
                Set.of("--requests", "--clients", "--rounds", "--studies", "--pool-size"), Set.of());
        int requests = parsed.intValue("--requests", 2000);
        int clients = parsed.intValue("--clients", 8);
        int rounds = parsed.intValue("--rounds", 3);
        int studies = parsed.intValue("--studies", 20);
        int poolSize = parsed.intValue("--pool-size", WorklistPoolConfig.POOL_MAX_SIZE_DEFAULT);
        Path dir = Files.createTempDirectory("rtr-api-bench");
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder(dir.resolve("postgres")).port(0).start()) {
            BenchSupport.say("ApiPoolBench: %,d requests per run, %d concurrent clients, %d rounds, %d studies"
                    + " on the list, pool size %d; %s", requests, clients, rounds, studies, poolSize, BenchSupport.load());
            Properties credentials = new Properties();
            credentials.setProperty("user", postgres.username());
            credentials.setProperty("password", postgres.password());
            WorklistSchema.migrate(postgres.jdbcUrl(), credentials);
            fill(postgres.jdbcUrl(), credentials, studies);

            WorklistPoolConfig pool = new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_MAX_SIZE_CONFIG,
                    Integer.toString(poolSize)));
            try (WorklistApi pooled = WorklistApi.forDatabase(postgres.jdbcUrl(), postgres.username(),
                         postgres.password(), "127.0.0.1", 0, pool).start();
                 WorklistApi unpooled = new WorklistApi(unpooledDataSource(postgres), "127.0.0.1", 0).start()) {
                List<Variant> variants = List.of(new Variant("unpooled", unpooled), new Variant("pooled", pooled));
                for (Variant v : variants) {
                    // Warm-up: JIT, Jetty's threads, the pool's connections and prepared statements.
                    run(v, Math.min(500, requests), 1, null);
                    run(v, Math.min(500, requests), clients, null);
                }
                for (int round = 1; round <= rounds; round++) {
                    List<Variant> order = round % 2 == 1 ? variants : List.of(variants.get(1), variants.get(0));
                    for (Variant v : order) {
                        run(v, requests, 1, new Label(round, postgres, credentials));
                        run(v, requests, clients, new Label(round, postgres, credentials));
                    }
                }
            }
        } finally {
            BenchSupport.deleteRecursively(dir);
        }
    }

    /** The baseline: what forDatabase built before the pool, a new connection per request. */
    private static PGSimpleDataSource unpooledDataSource(EmbeddedPostgres postgres) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.jdbcUrl());
        ds.setUser(postgres.username());
        ds.setPassword(postgres.password());
        ds.setConnectTimeout(10);
        return ds;
    }

    private static void fill(String url, Properties credentials, int studies) throws SQLException {
        Instant now = Instant.now();
        List<WorklistChange> changes = new ArrayList<>();
        for (int i = 0; i < studies; i++) {
            changes.add(WorklistChange.upsert(WorklistEntry.newBuilder()
                    .setStudyInstanceUid("2.25.7171." + i)
                    .setAccessionNumber("AB" + i)
                    .setRadiologistId(RADIOLOGIST)
                    .setPriorityClass(PriorityClass.values()[i % PriorityClass.values().length])
                    .setPriorityScore((i * 7919L % 1000) / 1000.0)
                    .setStudyScore((i * 104729L % 1000) / 1000.0)
                    .setModelName("reference")
                    .setModelVersion("1")
                    .setReasons(List.of("score above threshold"))
                    .setStatus(WorklistStatus.UNREAD)
                    .setClaimedBy(null)
                    .setWaitingSince(now.minusSeconds(60L * i))
                    .setUpdatedAt(now)
                    .setVersion(1L)
                    .setStudyRevision(1)
                    .setClinicId("clinic-bench")
                    .setPatientInClinic(i % 2 == 0)
                    .build()));
        }
        try (WorklistWriter writer = new WorklistWriter(url, credentials)) {
            writer.write(changes);
        }
    }

    /** Sends {@code total} requests from {@code clients} clients; prints a line unless {@code label} is null. */
    private static void run(Variant variant, int total, int clients, Label label) throws Exception {
        long sessionsBefore = label == null ? 0 : label.sessions();
        String uri = "http://127.0.0.1:" + variant.api().port() + "/api/worklists/" + RADIOLOGIST;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long[][] latencies = new long[clients][];
        long started = System.nanoTime();
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int share = total / clients + (c < total % clients ? 1 : 0);
                futures.add(pool.submit(() -> client(uri, share)));
            }
            for (int c = 0; c < clients; c++) {
                latencies[c] = futures.get(c).get();
            }
        } finally {
            pool.shutdownNow();
        }
        long elapsed = System.nanoTime() - started;
        if (label == null) {
            return;
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        BenchSupport.say("round %d  %-8s  %2d client%s  %,6d requests in %s  %8s req/s  p50 %6.2f ms  p99 %6.2f ms"
                        + "  max %6.2f ms  Postgres sessions opened %,d", label.round(), variant.name(), clients,
                clients == 1 ? " " : "s", all.length, BenchSupport.seconds(elapsed),
                BenchSupport.rate(all.length, elapsed), millis(percentile(all, 0.50)), millis(percentile(all, 0.99)),
                millis(all[all.length - 1]),
                // Less the connection that counted before.
                label.sessions() - sessionsBefore - 1);
    }

    private static long[] client(String uri, int count) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30)).build();
        long[] latencies = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            latencies[i] = System.nanoTime() - t0;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
        }
        return latencies;
    }

    private static long percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private record Variant(String name, WorklistApi api) {
    }

    /** A measured run's round and how to count the sessions Postgres opened meanwhile. */
    private record Label(int round, EmbeddedPostgres postgres, Properties credentials) {
        long sessions() throws SQLException {
            try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), credentials);
                 PreparedStatement s = c.prepareStatement(
                         "SELECT sessions FROM pg_stat_database WHERE datname = current_database()");
                 ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
