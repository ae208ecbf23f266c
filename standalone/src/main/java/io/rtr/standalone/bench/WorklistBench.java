package io.rtr.standalone.bench;

import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.StudyIdentity;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.standalone.connect.EmbeddedConnect;
import io.rtr.standalone.pipeline.ClinicRis;
import io.rtr.standalone.pipeline.Pipeline;
import io.rtr.standalone.pipeline.PipelineConfig;
import io.rtr.standalone.pipeline.SyntheticStudies;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistSchema;
import io.rtr.worklist.db.WorklistWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Benchmark of the worklist end of the pipeline, in three parts on embedded platforms in a
 * temporary folder (removed at the end):
 * <ol>
 *   <li>sink: N {@code WorklistEntry} upserts written with {@code WorklistWriter} in batches into
 *       the migrated Postgres with the sink's driver setting {@code reWriteBatchedInserts=true}
 *       ({@code --no-rewrite} turns it off), upserts/s (target at least 5,000/s);</li>
 *   <li>sink through Kafka: N more entries produced to {@code rtr.worklist} first, then the real
 *       sink connector started in a Connect worker; time from its start until all N rows are in
 *       {@code worklist_entry};</li>
 *   <li>time-to-worklist: the whole {@link Pipeline} running, complete synthetic studies (4
 *       phantoms of 256x208, every other one with a lesion, orders inserted beforehand) sent over
 *       C-STORE at R studies/s for S seconds; for each, from the moment the last instance's C-STORE
 *       succeeded (the association's last response) to the first query that sees its
 *       {@code worklist_entry} row with a study score. Queries run on every {@code worklist_changed}
 *       notification and at least every 50 ms; a row found by a query was committed before that
 *       query started, which is the time taken. Prints p50/p99/max and the achieved rate (target
 *       p50 at most 1 s and p99 at most 3 s at 10 studies/s).</li>
 * </ol>
 * <pre>
 *   java -cp "standalone/target/classes:$(cat standalone/target/classpath.txt)" \
 *       io.rtr.standalone.bench.WorklistBench --upserts 100000 --batch 500 \
 *       --studies-per-second 10 --seconds 30 [--senders 4] [--drain-s 60] [--no-rewrite] \
 *       [--skip-sink] [--skip-kafka] [--skip-latency]
 * </pre>
 */
public final class WorklistBench {

    private static final int RADIOLOGISTS = 20;
    private static final int PHANTOM_ROWS = 256;
    private static final int PHANTOM_COLUMNS = 208;
    private static final long POLL_MS = 50;

    private WorklistBench() {
    }

    /** Entry point: see the class documentation. */
    public static void main(String[] args) throws Exception {
        BenchArgs parsed = BenchArgs.parse("WorklistBench", args, Set.of("--upserts", "--batch",
                "--studies-per-second", "--seconds", "--senders", "--drain-s"),
                Set.of("--skip-sink", "--skip-kafka", "--skip-latency", "--no-rewrite"));
        Path dir = Files.createTempDirectory("rtr-worklist-bench");
        try {
            BenchSupport.say("WorklistBench in %s; %s", dir, BenchSupport.load());
            if (!parsed.has("--skip-sink") || !parsed.has("--skip-kafka")) {
                try (Platform platform = Platform.start(PlatformConfig.forTests(dir.resolve("sink-platform")))) {
                    Properties credentials = credentials(platform);
                    WorklistSchema.migrate(platform.jdbcUrl(), credentials);
                    int upserts = parsed.intValue("--upserts", 100_000);
                    if (!parsed.has("--skip-sink")) {
                        sinkThroughput(platform, credentials, upserts, parsed.intValue("--batch", 500),
                                !parsed.has("--no-rewrite"));
                    }
                    if (!parsed.has("--skip-kafka")) {
                        kafkaSink(platform, dir.resolve("sink-connect"), upserts);
                    }
                }
            }
            if (!parsed.has("--skip-latency")) {
                timeToWorklist(dir.resolve("pipeline"), parsed.intValue("--studies-per-second", 10),
                        parsed.intValue("--seconds", 30), parsed.intValue("--senders", 4),
                        parsed.intValue("--drain-s", 60));
            }
        } finally {
            BenchSupport.deleteRecursively(dir);
        }
    }

    private static Properties credentials(Platform platform) {
        Properties credentials = new Properties();
        credentials.setProperty("user", platform.postgres().username());
        credentials.setProperty("password", platform.postgres().password());
        return credentials;
    }

    /** N entries of distinct studies spread over 20 radiologists, as prioritization would emit them. */
    private static WorklistEntry entry(String prefix, int i, Instant now) {
        return WorklistEntry.newBuilder()
                .setStudyInstanceUid(prefix + i)
                .setAccessionNumber("WB" + i)
                .setRadiologistId("dr-bench-" + (i % RADIOLOGISTS))
                .setPriorityClass(PriorityClass.values()[i % PriorityClass.values().length])
                .setPriorityScore((i * 7919L % 1000) / 1000.0)
                .setStudyScore((i * 104729L % 1000) / 1000.0)
                .setModelName("reference")
                .setModelVersion("1")
                .setReasons(List.of("score above threshold", "patient in clinic"))
                .setStatus(WorklistStatus.UNREAD)
                .setClaimedBy(null)
                .setWaitingSince(now)
                .setUpdatedAt(now)
                .setVersion(1L)
                .setStudyRevision(1)
                .setClinicId("clinic-bench")
                .setPatientInClinic(i % 2 == 0)
                .build();
    }

    private static void sinkThroughput(Platform platform, Properties credentials, int upserts, int batch,
                                       boolean rewrite) throws SQLException {
        BenchSupport.say("(1) %,d upserts with WorklistWriter in batches of %d, reWriteBatchedInserts=%s; %s",
                upserts, batch, rewrite, BenchSupport.load());
        String prefix = "2.25.5151." + System.currentTimeMillis() + ".";
        Instant now = Instant.now();
        List<WorklistChange> changes = new ArrayList<>(upserts);
        for (int i = 0; i < upserts; i++) {
            changes.add(WorklistChange.upsert(entry(prefix, i, now)));
        }
        Properties writerProperties = new Properties();
        writerProperties.putAll(credentials);
        // The sink connector's own driver setting (WorklistSinkConfig): batches become multi-row INSERTs.
        writerProperties.setProperty("reWriteBatchedInserts", Boolean.toString(rewrite));
        long written = 0;
        long started = System.nanoTime();
        try (WorklistWriter writer = new WorklistWriter(platform.jdbcUrl(), writerProperties)) {
            for (int from = 0; from < upserts; from += batch) {
                written += writer.write(changes.subList(from, Math.min(upserts, from + batch))).upserted();
            }
        }
        long elapsed = System.nanoTime() - started;
        long rows = countRows(platform, prefix);
        BenchSupport.say("(1) RESULT sink: %,d upserts (%,d reported written, %,d rows) in %s: %s upserts/s;"
                        + " target >= 5,000/s; %s", upserts, written, rows, BenchSupport.seconds(elapsed),
                BenchSupport.rate(upserts, elapsed), BenchSupport.load());
    }

    private static void kafkaSink(Platform platform, Path connectDir, int upserts) throws Exception {
        String prefix = "2.25.5252." + System.currentTimeMillis() + ".";
        BenchSupport.say("(2) Producing %,d WorklistEntry to %s (not timed)", upserts, Topics.WORKLIST.name());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        Instant now = Instant.now();
        try (Serializer<WorklistEntry> values = Topics.WORKLIST.valueSerde(
                Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl())).serializer();
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                     new ByteArraySerializer())) {
            for (int i = 0; i < upserts; i++) {
                WorklistEntry entry = entry(prefix, i, now);
                producer.send(new ProducerRecord<>(Topics.WORKLIST.name(), entry.getStudyInstanceUid(),
                        values.serialize(Topics.WORKLIST.name(), entry)));
            }
            producer.flush();
        }
        try (EmbeddedConnect connect = EmbeddedConnect.start(platform.bootstrapServers(), connectDir)) {
            BenchSupport.say("(2) Starting the worklist sink connector; %s", BenchSupport.load());
            long started = System.nanoTime();
            connect.putConnector("worklist-sink-bench", Pipeline.sinkConfig(platform));
            long running = System.nanoTime();
            long rows = 0;
            long lastReport = started;
            long deadline = started + TimeUnit.MINUTES.toNanos(5);
            while (rows < upserts && System.nanoTime() < deadline) {
                Thread.sleep(200);
                rows = countRows(platform, prefix);
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                    BenchSupport.say("(2) %,d / %,d rows after %s", rows, upserts,
                            BenchSupport.seconds(System.nanoTime() - started));
                    lastReport = System.nanoTime();
                }
            }
            long elapsed = System.nanoTime() - started;
            BenchSupport.say("(2) RESULT sink via Kafka Connect: %,d / %,d rows in %s from connector creation"
                            + " (%s until RUNNING): %s upserts/s; %s", rows, upserts, BenchSupport.seconds(elapsed),
                    BenchSupport.seconds(running - started), BenchSupport.rate(rows, elapsed), BenchSupport.load());
        }
    }

    private static long countRows(Platform platform, String prefix) throws SQLException {
        try (Connection connection = platform.postgres().connect();
             PreparedStatement count = connection.prepareStatement(
                     "SELECT count(*) FROM worklist_entry WHERE study_instance_uid LIKE ?")) {
            count.setString(1, prefix + "%");
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** One study prepared before the timed phase: UIDs and its four files. */
    private record Prepared(StudyIdentity identity, List<Path> files) {
    }

    private static void timeToWorklist(Path dir, int perSecond, int seconds, int senders, int drainSeconds)
            throws Exception {
        int total = perSecond * seconds;
        int warmup = 2;
        BenchSupport.say("(3) Time-to-worklist: %d studies/s for %d s (%d studies), %d sender threads", perSecond,
                seconds, total, senders);
        try (Platform platform = Platform.start(PlatformConfig.forTests(dir.resolve("platform")));
             Pipeline pipeline = Pipeline.start(platform, PipelineConfig.forTests(dir))) {
            long seedBase = System.currentTimeMillis();
            List<Prepared> studies = new ArrayList<>();
            long generating = System.nanoTime();
            for (int i = 0; i < warmup + total; i++) {
                long seed = seedBase + i;
                Lesion lesion = i % 2 == 1 ? Lesion.MASS : Lesion.NONE;
                List<Path> files = PhantomGenerator.writeStudy(Files.createDirectories(dir.resolve("studies")
                                .resolve(Long.toString(seed))), seed, PHANTOM_ROWS, PHANTOM_COLUMNS, lesion,
                        Laterality.L, View.CC);
                studies.add(new Prepared(StudyIdentity.fromSeed(seed), files));
            }
            BenchSupport.say("(3) %d studies generated in %s; inserting their orders", studies.size(),
                    BenchSupport.seconds(System.nanoTime() - generating));
            try (Connection connection = platform.postgres().connect()) {
                insertOrders(connection, studies);
            }
            Map<String, Long> stored = new ConcurrentHashMap<>();
            Map<String, Long> visible = new ConcurrentHashMap<>();
            Watcher watcher = new Watcher(platform, stored, visible);
            Thread watcherThread = new Thread(watcher, "worklist-watcher");
            watcherThread.start();
            try {
                BenchSupport.say("(3) Warm-up: %d studies, not counted", warmup);
                for (int i = 0; i < warmup; i++) {
                    send(pipeline, studies.get(i), stored);
                }
                long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (visible.size() < warmup && System.nanoTime() < warmDeadline) {
                    Thread.sleep(100);
                }
                BenchSupport.say("(3) Warm-up: %d of %d on the worklist; timed run starts; %s", visible.size(), warmup,
                        BenchSupport.load());
                Set<String> timed = ConcurrentHashMap.newKeySet();
                ExecutorService pool = Executors.newFixedThreadPool(senders);
                AtomicLong maxLateNanos = new AtomicLong();
                AtomicLong failures = new AtomicLong();
                long t0 = System.nanoTime();
                long periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
                List<Future<?>> sends = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    Prepared study = studies.get(warmup + i);
                    long due = t0 + i * periodNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    timed.add(study.identity().studyInstanceUid());
                    sends.add(pool.submit(() -> {
                        maxLateNanos.accumulateAndGet(System.nanoTime() - due, Math::max);
                        try {
                            send(pipeline, study, stored);
                        } catch (Exception e) {
                            failures.incrementAndGet();
                            System.err.println("C-STORE of " + study.identity().studyInstanceUid() + " failed: " + e);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : sends) {
                    f.get();
                }
                long sendEnd = System.nanoTime();
                pool.shutdown();
                BenchSupport.say("(3) Sent %d studies in %s: %.2f studies/s achieved (%d failed, worst start %s"
                                + " behind schedule); %s", total - failures.get(), BenchSupport.seconds(sendEnd - t0),
                        (total - failures.get()) / ((sendEnd - t0) / 1e9), failures.get(),
                        BenchSupport.seconds(maxLateNanos.get()), BenchSupport.load());
                long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
                while (countVisible(timed, visible) < total - failures.get() && System.nanoTime() < drainDeadline) {
                    Thread.sleep(200);
                }
                report(timed, stored, visible, total, t0);
            } finally {
                watcher.stop();
                watcherThread.join(5000);
            }
        }
    }

    private static long countVisible(Set<String> timed, Map<String, Long> visible) {
        return timed.stream().filter(visible::containsKey).count();
    }

    private static void report(Set<String> timed, Map<String, Long> stored, Map<String, Long> visible, int total,
                               long t0) {
        List<Long> latencies = new ArrayList<>();
        long lastVisible = t0;
        for (String uid : timed) {
            Long s = stored.get(uid);
            Long v = visible.get(uid);
            if (s != null && v != null) {
                latencies.add(v - s);
                lastVisible = Math.max(lastVisible, v);
            }
        }
        Collections.sort(latencies);
        if (latencies.isEmpty()) {
            BenchSupport.say("(3) RESULT time-to-worklist: no study reached the worklist; %s", BenchSupport.load());
            return;
        }
        BenchSupport.say("(3) RESULT time-to-worklist over %d of %d studies: p50 %s, p90 %s, p99 %s, max %s, min %s;"
                        + " throughput to the worklist %.2f studies/s; target p50 <= 1 s, p99 <= 3 s at 10/s; %s",
                latencies.size(), total, ms(percentile(latencies, 50)), ms(percentile(latencies, 90)),
                ms(percentile(latencies, 99)), ms(latencies.get(latencies.size() - 1)), ms(latencies.get(0)),
                latencies.size() / ((lastVisible - t0) / 1e9), BenchSupport.load());
    }

    private static long percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%d ms", TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private static void send(Pipeline pipeline, Prepared study, Map<String, Long> stored) throws Exception {
        SyntheticStudies.store(study.files(), "127.0.0.1", pipeline.dicomPort(), PipelineConfig.DEFAULT_AE_TITLE);
        // Taken when the SCU has the last C-STORE response: the instant the SCP reported it stored.
        stored.put(study.identity().studyInstanceUid(), System.nanoTime());
    }

    /** Orders exist before the exam in a clinic; inserting them up front keeps RIS writes out of the timing. */
    private static void insertOrders(Connection connection, List<Prepared> studies) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + ClinicRis.ORDERS_TABLE
                + " (accession_number, ordering_site, scheduled_at, patient_arrived, order_priority, assigned_reader)"
                + " VALUES (?, 'clinic-bench', ?, ?, 'ROUTINE', ?) ON CONFLICT (accession_number) DO NOTHING")) {
            int i = 0;
            for (Prepared study : studies) {
                insert.setString(1, study.identity().accessionNumber());
                insert.setTimestamp(2, Timestamp.from(Instant.now()));
                insert.setTimestamp(3, i % 2 == 1 ? Timestamp.from(Instant.now().minusSeconds(300)) : null);
                insert.setString(4, Pipeline.DEMO_RADIOLOGISTS.get(i % Pipeline.DEMO_RADIOLOGISTS.size()));
                insert.addBatch();
                i++;
            }
            insert.executeBatch();
        }
    }

    /**
     * Finds stored studies' rows with a score: LISTENs on {@code worklist_changed} and queries the
     * pending studies on every notification, and every {@value #POLL_MS} ms without one.
     */
    private static final class Watcher implements Runnable {

        private final Platform platform;
        private final Map<String, Long> stored;
        private final Map<String, Long> visible;
        private volatile boolean stopped;

        Watcher(Platform platform, Map<String, Long> stored, Map<String, Long> visible) {
            this.platform = platform;
            this.stored = stored;
            this.visible = visible;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            try (Connection connection = platform.postgres().connect()) {
                try (Statement listen = connection.createStatement()) {
                    listen.execute("LISTEN " + WorklistSchema.CHANGE_CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                try (PreparedStatement query = connection.prepareStatement("SELECT study_instance_uid FROM"
                        + " worklist_entry WHERE study_score IS NOT NULL AND study_instance_uid = ANY (?)")) {
                    while (!stopped) {
                        PGNotification[] notifications = pg.getNotifications((int) POLL_MS);
                        List<String> pending = new ArrayList<>();
                        for (String uid : stored.keySet()) {
                            if (!visible.containsKey(uid)) {
                                pending.add(uid);
                            }
                        }
                        if (pending.isEmpty()) {
                            continue;
                        }
                        long queryStart = System.nanoTime();
                        Array array = connection.createArrayOf("text", pending.toArray(new String[0]));
                        query.setArray(1, array);
                        try (ResultSet rs = query.executeQuery()) {
                            while (rs.next()) {
                                visible.putIfAbsent(rs.getString(1), queryStart);
                            }
                        } finally {
                            array.free();
                        }
                    }
                }
            } catch (SQLException e) {
                System.err.println("worklist watcher stopped: " + e);
            }
        }
    }
}
