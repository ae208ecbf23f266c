package io.rtr.standalone.bench;

import com.sun.management.OperatingSystemMXBean;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.triage.TriageConfig;
import io.rtr.triage.TriageTopology;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Benchmark of the triage topology on a real broker: produces N {@code InstanceReceived} events
 * (four views per study, every study complete and accepted by the default rules) to
 * {@code rtr.instances} (not timed), then times (a) a bare consumer reading them as bytes and (b)
 * the production triage topology ({@code exactly_once_v2}) from this run's first event until
 * every study is on {@code rtr.studies}, and prints events/s of both and their ratio. Target: at
 * least 20,000 events/s end to end on 2 cores.
 *
 * <p>End condition of (b): a {@code read_committed} consumer of {@code rtr.studies}, positioned at
 * the end before the app starts, has seen N/4 distinct study UIDs of this run, i.e. every study's
 * transaction has committed. The consumer group's lag on {@code rtr.instances} is printed then too.
 * Three times are printed: from {@code KafkaStreams.start()} (includes the group join and opening
 * every task's state stores), from the state RUNNING (the running topology: all of that done, the
 * events waiting on the topic) and from the first study out (steady processing).
 *
 * <p>To show where the time goes it also prints, every 5 s and at the end, Kafka Streams' split of
 * the stream threads' time (poll / process / punctuate / commit ratios, commit latency), the
 * stream threads' CPU time against wall time (far less CPU than wall time while process-ratio is
 * high means the thread was starved of CPU by other processes), the whole process' CPU per event
 * (streams, embedded broker and registry), and the log entries the app wrote per input event
 * (changelogs, repartition topics), and the JIT compilation and GC time of the JVM meanwhile.
 * Settings not given are {@link TriageConfig}'s, as the production pipeline runs it (1 thread,
 * commit every 100 ms, producer batching up to the commit interval, 32 MB record cache, 256 KB
 * fetches per partition); note that {@code --cache-bytes} only reaches stores built with caching.
 *
 * <p>Every run starts its consumer group at the first event it produced, so events of earlier runs
 * on the same broker are neither processed nor timed. A first, whole run of W events
 * ({@code --warmup-events W}, by default as many as the measured run; its figures are printed,
 * labelled cold start) lets the measured run find the broker, client and topology code compiled
 * by the JIT, as a long-running deployment does: in a cold JVM on 2 cores the JIT compiling all of
 * it takes about half of the process' CPU during the run. {@code --warmup-events 0} measures the
 * cold start alone.
 *
 * <p>Without {@code --bootstrap} it starts the embedded platform in a temporary folder and removes
 * it at the end:
 * <pre>
 *   java -cp "standalone/target/classes:$(cat standalone/target/classpath.txt)" \
 *       io.rtr.standalone.bench.TriageBench --events 200000 [--warmup-events 200000|0] [--threads 2] \
 *       [--commit-interval-ms 100] [--cache-bytes 33554432] [--linger-ms 100] [--batch-bytes 262144] \
 *       [--timeout-s 600] [--streams-settings producer.retry.backoff.ms=10,...] [--bootstrap H:P --registry URL]
 * </pre>
 */
public final class TriageBench {

    private static final int VIEWS_PER_STUDY = 4;
    private static final String[][] VIEWS = {{"L", "CC"}, {"L", "MLO"}, {"R", "CC"}, {"R", "MLO"}};
    private static final String MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2";

    private TriageBench() {
    }

    /** Entry point: see the class documentation. */
    public static void main(String[] args) throws Exception {
        BenchArgs parsed = BenchArgs.parse("TriageBench", args, Set.of("--events", "--warmup-events", "--threads",
                "--commit-interval-ms", "--cache-bytes", "--linger-ms", "--batch-bytes", "--timeout-s",
                "--streams-settings", "--bootstrap", "--registry"), Set.of());
        long events = parsed.longValue("--events", 200_000L);
        if (events < VIEWS_PER_STUDY || events % VIEWS_PER_STUDY != 0) {
            throw new IllegalArgumentException("--events must be a positive multiple of 4, was " + events);
        }
        long warmup = parsed.longValue("--warmup-events", events);
        if (warmup < 0 || warmup % VIEWS_PER_STUDY != 0) {
            throw new IllegalArgumentException("--warmup-events must be a multiple of 4, was " + warmup);
        }
        Path dir = null;
        Platform platform = null;
        try {
            String bootstrap;
            String registry;
            if (parsed.value("--bootstrap").isPresent()) {
                bootstrap = parsed.value("--bootstrap").get();
                registry = parsed.value("--registry").orElse("http://127.0.0.1:8081");
            } else {
                dir = Files.createTempDirectory("rtr-triage-bench");
                BenchSupport.say("Starting the embedded platform in %s", dir);
                platform = Platform.start(PlatformConfig.forTests(dir.resolve("platform")));
                bootstrap = platform.bootstrapServers();
                registry = platform.schemaRegistryUrl();
            }
            Path stateDir = dir != null ? dir.resolve("streams") : Files.createTempDirectory("rtr-triage-bench-state");
            try {
                if (warmup > 0) {
                    BenchSupport.say("Cold-start run of %,d events (the JIT compiles while it runs); then the"
                            + " measured run in the warm JVM", warmup);
                    run(parsed, warmup, bootstrap, registry, stateDir, "COLD START result");
                    BenchSupport.say("Measured run of %,d events", events);
                }
                run(parsed, events, bootstrap, registry, stateDir, "RESULT");
            } finally {
                if (dir == null) {
                    BenchSupport.deleteRecursively(stateDir);
                }
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
            BenchSupport.deleteRecursively(dir);
        }
    }

    private static void run(BenchArgs parsed, long events, String bootstrap, String registry, Path stateDir,
                            String resultLabel) throws Exception {
        String run = Long.toString(System.currentTimeMillis());
        // A run-specific UID root, so that a shared broker's earlier studies are not counted.
        String studyRoot = "2.25.4242." + run + ".";
        long studies = events / VIEWS_PER_STUDY;
        BenchSupport.say("Producing %,d instance events (%,d studies) to %s (not timed); %s", events, studies,
                Topics.INSTANCES.name(), BenchSupport.load());
        Map<TopicPartition, Long> firstOffsets = endOffsets(bootstrap);
        long produceNanos = produce(bootstrap, registry, studyRoot, studies);
        BenchSupport.say("Produced in %s (%s events/s)", BenchSupport.seconds(produceNanos),
                BenchSupport.rate(events, produceNanos));

        BenchSupport.say("(a) Bare consumer (byte[] deserializers) from this run's first event to the end of %s",
                Topics.INSTANCES.name());
        long[] bare = bareConsume(bootstrap, firstOffsets);
        BenchSupport.say("(a) %,d records, %,d bytes in %s: %s events/s, %.1f MB/s", bare[0], bare[1],
                BenchSupport.seconds(bare[2]), BenchSupport.rate(bare[0], bare[2]), bare[1] / (bare[2] / 1e9) / 1e6);

        Map<String, Object> settings = new HashMap<>();
        String applicationId = "rtr-triage-bench-" + run;
        settings.put(TriageConfig.APPLICATION_ID_CONFIG, applicationId);
        settings.put(TriageConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        settings.put(TriageConfig.SCHEMA_REGISTRY_URL_CONFIG, registry);
        settings.put(TriageConfig.STREAMS_PREFIX + "state.dir", stateDir.toString());
        Map<String, String> flags = Map.of("--threads", "num.stream.threads", "--commit-interval-ms",
                "commit.interval.ms", "--cache-bytes", "statestore.cache.max.bytes", "--linger-ms",
                "producer.linger.ms", "--batch-bytes", "producer.batch.size");
        flags.forEach((flag, setting) -> parsed.value(flag)
                .ifPresent(value -> settings.put(TriageConfig.STREAMS_PREFIX + setting, value)));
        parsed.value("--streams-settings").ifPresent(list -> {
            for (String pair : list.split(",")) {
                int eq = pair.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("--streams-settings takes KEY=VALUE[,KEY=VALUE...], was " + list);
                }
                settings.put(TriageConfig.STREAMS_PREFIX + pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        });
        TriageConfig config = new TriageConfig(settings);
        startGroupAt(bootstrap, applicationId, firstOffsets);
        Properties streamsProperties = config.streamsProperties();
        BenchSupport.say("(b) Triage topology, application id %s, settings: %s", applicationId, streamsProperties);

        long timeoutNanos = TimeUnit.SECONDS.toNanos(parsed.longValue("--timeout-s", 600));
        try (KafkaConsumer<String, byte[]> studiesOut = committedReader(bootstrap, Topics.STUDIES.name())) {
            KafkaStreams streams = new KafkaStreams(TriageTopology.build(config), streamsProperties);
            Set<String> seen = new HashSet<>();
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuStarted = os.getProcessCpuTime();
            long jitStarted = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
            long gcStarted = gcMillis();
            ThreadCpu threadCpu = ThreadCpu.start(applicationId);
            long started = System.nanoTime();
            long firstOut = 0;
            long lastReport = started;
            long lastReportCount = 0;
            AtomicLong runningAt = new AtomicLong();
            streams.setStateListener((next, previous) -> {
                if (next == KafkaStreams.State.RUNNING) {
                    runningAt.compareAndSet(0, System.nanoTime());
                }
            });
            streams.start();
            try {
                while (seen.size() < studies && System.nanoTime() - started < timeoutNanos) {
                    ConsumerRecords<String, byte[]> records = studiesOut.poll(Duration.ofMillis(50));
                    for (ConsumerRecord<String, byte[]> record : records) {
                        if (record.key() != null && record.key().startsWith(studyRoot)) {
                            seen.add(record.key());
                        }
                    }
                    long now = System.nanoTime();
                    if (firstOut == 0 && !seen.isEmpty()) {
                        firstOut = now;
                        BenchSupport.say("(b) first study out after %s (state %s)",
                                BenchSupport.seconds(now - started), streams.state());
                    }
                    if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        BenchSupport.say("(b) %,d / %,d studies after %s (%s events/s over the last %s), state %s",
                                seen.size(), studies, BenchSupport.seconds(now - started),
                                BenchSupport.rate((seen.size() - lastReportCount) * (double) VIEWS_PER_STUDY,
                                        now - lastReport), BenchSupport.seconds(now - lastReport), streams.state());
                        BenchSupport.say("(b)   stream threads: %s", metrics(streams));
                        lastReport = now;
                        lastReportCount = seen.size();
                    }
                }
                long ended = System.nanoTime();
                long lag = lag(bootstrap, applicationId);
                long cpu = os.getProcessCpuTime() - cpuStarted;
                String cpuByKind = threadCpu.since();
                diagnose(streams, ended - started);
                writeAmplification(bootstrap, applicationId, events);
                // Everything in this process (broker, registry, Postgres aside) per event: what the
                // topology would reach with the cores to itself, whatever else runs on the machine.
                BenchSupport.say("(b) this process (streams + embedded broker + registry) used %s of CPU: %.1f µs"
                                + " per event, i.e. %s events/s per core it had to itself",
                        BenchSupport.seconds(cpu), cpu / 1e3 / events, BenchSupport.rate(events, cpu));
                // Both are elapsed times, of the compiler threads and of GC pauses, on the same cores.
                BenchSupport.say("(b) meanwhile the JIT compiled for %s and GC paused for %s",
                        BenchSupport.seconds(TimeUnit.MILLISECONDS.toNanos(
                                ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitStarted)),
                        BenchSupport.seconds(TimeUnit.MILLISECONDS.toNanos(gcMillis() - gcStarted)));
                BenchSupport.say("(b) CPU by thread kind: %s", cpuByKind);
                if (seen.size() < studies) {
                    BenchSupport.say("(b) TIMED OUT: %,d of %,d studies after %s; group lag on %s: %,d",
                            seen.size(), studies, BenchSupport.seconds(ended - started), Topics.INSTANCES.name(), lag);
                    return;
                }
                long total = ended - started;
                long running = ended - runningAt.get();
                long steady = ended - firstOut;
                BenchSupport.say("(b) all %,d studies committed on %s; group lag on %s: %,d", studies,
                        Topics.STUDIES.name(), Topics.INSTANCES.name(), lag);
                BenchSupport.say("(b) end to end from start(): %s, %s events/s", BenchSupport.seconds(total),
                        BenchSupport.rate(events, total));
                BenchSupport.say("(b) from RUNNING (group joined, every task's stores open, %s after start()):"
                                + " %s, %s events/s", BenchSupport.seconds(runningAt.get() - started),
                        BenchSupport.seconds(running), BenchSupport.rate(events, running));
                BenchSupport.say("(b) from the first study out: %s, %s events/s", BenchSupport.seconds(steady),
                        BenchSupport.rate(events - VIEWS_PER_STUDY, steady));
                BenchSupport.say("%s bare consumer %s events/s; triage %s events/s end to end from start(), %s from"
                                + " RUNNING, %s from the first study out; ratio triage/bare %.3f; target >= 20,000"
                                + " events/s; %s", resultLabel,
                        BenchSupport.rate(bare[0], bare[2]), BenchSupport.rate(events, total),
                        BenchSupport.rate(events, running), BenchSupport.rate(events - VIEWS_PER_STUDY, steady),
                        (events / (total / 1e9)) / (bare[0] / (bare[2] / 1e9)), BenchSupport.load());
            } finally {
                streams.close(Duration.ofSeconds(30));
                streams.cleanUp();
            }
        }
    }

    /**
     * Where the stream threads' time went: their CPU time against the wall time (a thread that
     * gets far less CPU than wall time was waiting on the broker or starved by other processes),
     * and Kafka Streams' own split of thread time into poll, process, punctuate and commit.
     */
    private static void diagnose(KafkaStreams streams, long wallNanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = 0;
        int count = 0;
        for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
            // Stream threads only, not their producers' network threads (which carry the name too).
            if (info.getThreadName().matches(".*-StreamThread-\\d+")) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    cpu += t;
                    count++;
                }
            }
        }
        BenchSupport.say("(b) %d stream thread(s) used %s of CPU in %s of wall time (%.0f %% of one core each)",
                count, BenchSupport.seconds(cpu), BenchSupport.seconds(wallNanos),
                count == 0 ? 0.0 : 100.0 * cpu / wallNanos / count);
        BenchSupport.say("(b) stream-thread metrics at the end: %s", metrics(streams));
    }

    /** Kafka Streams' split of the stream threads' time (ratios over its last window), summed over threads. */
    private static String metrics(KafkaStreams streams) {
        Map<String, Double> figures = new TreeMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.group().equals("stream-thread-metrics") && (name.name().endsWith("-ratio")
                    || name.name().startsWith("commit-latency") || name.name().equals("poll-records-avg")
                    || name.name().equals("process-records-avg") || name.name().equals("commit-total"))) {
                Object value = e.getValue().metricValue();
                if (value instanceof Number number) {
                    figures.merge(name.name(), number.doubleValue(), Double::sum);
                }
            }
        }
        StringBuilder line = new StringBuilder();
        figures.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s=%.3f", k, v)));
        return line.toString().trim();
    }

    /**
     * Log entries the app wrote per input event: its internal topics (changelogs, repartitions) and
     * rtr.studies, transaction markers included; every one is broker work and CPU on these cores.
     */
    private static void writeAmplification(String bootstrap, String applicationId, long events) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> internal = new TreeSet<>();
            for (String topic : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
                if (topic.startsWith(applicationId + "-")) {
                    internal.add(topic);
                }
            }
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (var description : admin.describeTopics(internal).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                description.partitions().forEach(p -> request.put(new TopicPartition(description.name(),
                        p.partition()), OffsetSpec.latest()));
            }
            Map<String, Long> perTopic = new TreeMap<>();
            for (var e : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
                perTopic.merge(e.getKey().topic().substring(applicationId.length() + 1), e.getValue().offset(),
                        Long::sum);
            }
            long total = perTopic.values().stream().mapToLong(Long::longValue).sum();
            BenchSupport.say("(b) internal log entries written: %,d (%.2f per input event): %s", total,
                    (double) total / events, perTopic);
        }
    }

    private static long produce(String bootstrap, String registry, String studyRoot, long studies) throws Exception {
        Map<String, Object> serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registry);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        long started = System.nanoTime();
        Instant receivedAt = Instant.now();
        try (Serializer<InstanceReceived> values = Topics.INSTANCES.valueSerde(serdeConfig).serializer();
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                     new ByteArraySerializer())) {
            for (long s = 0; s < studies; s++) {
                String study = studyRoot + s;
                for (String[] view : VIEWS) {
                    InstanceReceived instance = instance(study, view[0], view[1], receivedAt);
                    producer.send(new ProducerRecord<>(Topics.INSTANCES.name(), study,
                            values.serialize(Topics.INSTANCES.name(), instance)));
                }
            }
            producer.flush();
        }
        return System.nanoTime() - started;
    }

    /** A screening MG view that every default triage rule accepts. */
    private static InstanceReceived instance(String study, String laterality, String viewPosition,
                                             Instant receivedAt) {
        return InstanceReceived.newBuilder()
                .setStudyInstanceUid(study)
                .setSeriesInstanceUid(study + ".1")
                .setSopInstanceUid(study + ".1." + (laterality.equals("L") ? 1 : 2) + (viewPosition.equals("CC") ? 1 : 2))
                .setSopClassUid(MG_FOR_PRESENTATION)
                .setTransferSyntaxUid("1.2.840.10008.1.2.1")
                .setModality("MG")
                .setViewPosition(viewPosition)
                .setImageLaterality(laterality)
                .setImageType(List.of("ORIGINAL", "PRIMARY"))
                .setBodyPartExamined("BREAST")
                .setBreastImplantPresent(false)
                .setPresentationIntentType("FOR PRESENTATION")
                .setRows(4096)
                .setColumns(3328)
                .setBitsAllocated(16)
                .setBitsStored(12)
                .setManufacturer("HOLOGIC, Inc.")
                .setManufacturerModelName("Selenia Dimensions")
                .setPatientPseudonym(Integer.toHexString(study.hashCode()))
                .setPatientAgeYears(55)
                .setAccessionNumber("BENCH-" + study.substring(study.lastIndexOf('.', study.length() - 1) + 1))
                .setClinicId("clinic-bench")
                .setBlobUri("file:///blobs/" + study + "/" + laterality + viewPosition + ".dcm")
                .setBlobSizeBytes(500_000L)
                .setSha256(UUID.nameUUIDFromBytes((study + laterality + viewPosition).getBytes()).toString())
                .setReceivedAt(receivedAt)
                .setReplacement(false)
                .setSource(IngestSource.DIMSE)
                .build();
    }

    /** Reads every partition of the instances topic from {@code from} to its end as bytes: {records, bytes, nanos}. */
    private static long[] bareConsume(String bootstrap, Map<TopicPartition, Long> from) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // The same isolation the Streams app uses under exactly-once, for a fair comparison.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer.partitionsFor(Topics.INSTANCES.name()));
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long started = System.nanoTime();
            from.forEach(consumer::seek);
            long records = 0;
            long bytes = 0;
            while (!reached(consumer, end)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    records++;
                    bytes += record.serializedValueSize() + Math.max(0, record.serializedKeySize());
                }
            }
            return new long[] {records, bytes, System.nanoTime() - started};
        }
    }

    /** The end offsets of the instances topic now, i.e. where the events produced next start. */
    private static Map<TopicPartition, Long> endOffsets(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            admin.describeTopics(List.of(Topics.INSTANCES.name())).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(Topics.INSTANCES.name()).partitions()
                    .forEach(p -> request.put(new TopicPartition(Topics.INSTANCES.name(), p.partition()),
                            OffsetSpec.latest()));
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listOffsets(request).all().get(30, TimeUnit.SECONDS)
                    .forEach((partition, info) -> offsets.put(partition, info.offset()));
            return offsets;
        }
    }

    /** Commits {@code offsets} for the app's consumer group before it starts, so it begins at this run's events. */
    private static void startGroupAt(String bootstrap, String group, Map<TopicPartition, Long> offsets)
            throws Exception {
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        offsets.forEach((partition, offset) -> start.put(partition, new OffsetAndMetadata(offset)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.alterConsumerGroupOffsets(group, start).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static long gcMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** A read_committed reader of {@code topic} positioned at its current end. */
    private static KafkaConsumer<String, byte[]> committedReader(String bootstrap, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = partitions(consumer.partitionsFor(topic));
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // position() resolves the lazy seek now, before the app starts producing.
        partitions.forEach(consumer::position);
        return consumer;
    }

    private static List<TopicPartition> partitions(List<PartitionInfo> infos) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        return partitions;
    }

    /** The group's lag on the instances topic: end offsets minus committed offsets, summed. */
    private static long lag(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            committed.keySet().stream().filter(tp -> tp.topic().equals(Topics.INSTANCES.name()))
                    .forEach(tp -> request.put(tp, OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata offset = committed.get(e.getKey());
                lag += e.getValue().offset() - (offset == null ? 0 : offset.offset());
            }
            return lag;
        }
    }
}
