package io.rtr.standalone.audit;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.standalone.kafka.EmbeddedKafka;
import io.rtr.standalone.registry.EmbeddedSchemaRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmark of the log scans: produces N small worklist events (about 200 bytes, 20,000 studies,
 * 20 radiologists, explicit timestamps 1 ms apart ending now) to fresh topics, then times {@code audit study},
 * {@code audit worklist} and {@code export} (JSON lines and CSV, written to a null stream) over
 * them and prints events scanned per minute. Target: at least 1,000,000 per minute on 2 cores.
 *
 * <p>Run it against the demo's broker and registry, or with no {@code --bootstrap} on a Kafka and a
 * registry it starts in a temporary folder:
 * <pre>
 *   java -cp "standalone/target/classes:$(cat standalone/target/classpath.txt)" \
 *       io.rtr.standalone.audit.AuditBench --events 1000000 [--partitions 1] [--bootstrap H:P --registry URL]
 * </pre>
 * One partition by default, so that {@code audit study}, which reads only the key's partition,
 * scans every event too.
 */
public final class AuditBench {

    private static final int STUDIES = 20_000;
    private static final int RADIOLOGISTS = 20;

    private AuditBench() {
    }

    /** Entry point: see the class documentation. */
    public static void main(String[] args) throws Exception {
        LogArgs parsed = LogArgs.parse("AuditBench", List.of(args), Set.of("--events", "--partitions",
                LogCli.BOOTSTRAP, LogCli.REGISTRY), Set.of(LogCli.QUIET));
        long events = Long.parseLong(parsed.value("--events").orElse("1000000"));
        int partitions = Integer.parseInt(parsed.value("--partitions").orElse("1"));
        PrintStream progress = parsed.has(LogCli.QUIET) ? null : System.err;
        Path dir = null;
        EmbeddedKafka kafka = null;
        EmbeddedSchemaRegistry registry = null;
        try {
            String bootstrap;
            String registryUrl;
            if (parsed.value(LogCli.BOOTSTRAP).isPresent()) {
                bootstrap = parsed.value(LogCli.BOOTSTRAP).get();
                registryUrl = parsed.value(LogCli.REGISTRY).orElse(LogCli.DEFAULT_REGISTRY);
            } else {
                dir = Files.createTempDirectory("rtr-audit-bench");
                kafka = EmbeddedKafka.builder(dir.resolve("kafka")).port(0).controllerPort(0).start();
                registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).port(0).start();
                bootstrap = kafka.bootstrapServers();
                registryUrl = registry.url();
            }
            run(bootstrap, registryUrl, events, partitions, progress, System.out);
        } finally {
            if (registry != null) {
                registry.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    static void run(String bootstrap, String registryUrl, long events, int partitions, PrintStream progress,
                    PrintStream out) throws IOException {
        String prefix = "bench.audit." + UUID.randomUUID().toString().substring(0, 8) + ".";
        AuditTopics topics = new AuditTopics(prefix + "instances", prefix + "rejected", prefix + "studies",
                prefix + "scores", prefix + "worklist", prefix + "actions");
        createTopics(bootstrap, topics, partitions);
        // Recent timestamps: a broker deletes records older than its retention (7 days by default)
        // while they are scanned, which would cut the scan short and the figures with it.
        Instant start = Instant.now().minusMillis(events).truncatedTo(ChronoUnit.SECONDS);

        long produceStarted = System.nanoTime();
        produce(bootstrap, registryUrl, topics.worklist(), events, start);
        double produceSeconds = (System.nanoTime() - produceStarted) / 1e9;
        out.printf(Locale.ROOT, "produced %,d worklist events to %s (%d partition(s)) in %.1f s (%,.0f/s)%n", events,
                topics.worklist(), partitions, produceSeconds, events / produceSeconds);

        try (Interruption interruption = Interruption.manual();
             LogScanner scanner = new LogScanner(bootstrap, progress, interruption)) {
            String study = studyUid(7);
            StudyAudit.Result audit = new StudyAudit(scanner, topics, registryUrl).audit(study);
            report(out, "audit study", audit.stats(), audit.events().size() + " events of the study");

            Instant end = start.plusMillis(events);
            WorklistAt.Result worklist = new WorklistAt(scanner, topics.worklist(), registryUrl)
                    .rebuild("dr-3", end);
            report(out, "audit worklist", worklist.stats(), worklist.queue().size() + " studies on dr-3's worklist");

            for (Export.Format format : Export.Format.values()) {
                CountingStream sink = new CountingStream();
                Export.Result export = new Export(scanner, registryUrl).export(topics.worklist(), start,
                        end, format, sink);
                report(out, "export " + format.name().toLowerCase(Locale.ROOT), export.stats(),
                        export.rows() + " rows, " + sink.bytes / (1 << 20) + " MiB");
            }
        }
    }

    private static void report(PrintStream out, String what, LogScanner.Stats stats, String found) {
        out.printf(Locale.ROOT, "%-16s %,10d events scanned in %6.2f s = %,12.0f events/min (%s)%n", what, stats.scanned(),
                stats.elapsedNanos() / 1e9, stats.perMinute(), found);
    }

    static String studyUid(int study) {
        return "1.2.826.0.1.3680043.10.543." + study;
    }

    private static void createTopics(String bootstrap, AuditTopics topics, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> created = new ArrayList<>();
            for (String name : topics.inPipelineOrder()) {
                created.add(new NewTopic(name, name.equals(topics.worklist()) ? partitions : 1, (short) 1));
            }
            admin.createTopics(created).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the benchmark topics on " + bootstrap, e);
        }
    }

    private static void produce(String bootstrap, String registryUrl, String topic, long events, Instant start) {
        AvroSerializer<WorklistEntry> serializer = new AvroSerializer<>();
        serializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl), false);
        WorklistEntry.Builder entry = WorklistEntry.newBuilder()
                .setAccessionNumber("ACC-1")
                .setModelName("rtr-reference")
                .setModelVersion("1.0.0")
                .setReasons(List.of("score 0.91 >= 0.62"))
                .setStatus(WorklistStatus.UNREAD)
                .setClinicId("clinic-north")
                .setPatientInClinic(false);
        PriorityClass[] classes = PriorityClass.values();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, "20",
                ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20),
                ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L << 20)),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < events; i++) {
                int study = (int) (i % STUDIES);
                Instant at = start.plusMillis(i);
                WorklistEntry value = entry
                        .setStudyInstanceUid(studyUid(study))
                        .setRadiologistId("dr-" + (study % RADIOLOGISTS))
                        .setPriorityClass(classes[(int) (i % classes.length)])
                        .setPriorityScore((i % 1000) / 1000.0)
                        .setStudyScore((i % 1000) / 1000.0)
                        .setWaitingSince(start)
                        .setUpdatedAt(at)
                        .setVersion(i)
                        .setStudyRevision(1)
                        .build();
                byte[] key = value.getStudyInstanceUid().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, null, at.toEpochMilli(), key,
                        serializer.serialize(topic, value)));
            }
            producer.flush();
        }
    }

    /** Discards what an export writes, counting the bytes: the figure is the scan, not the disk. */
    private static final class CountingStream extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
