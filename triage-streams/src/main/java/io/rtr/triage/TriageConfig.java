package io.rtr.triage;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the triage Streams app: Kafka and registry addresses, the rules file, and the
 * study-assembly policy. Parsed and validated once, rules file included, so a bad setting stops
 * start-up with a message naming it.
 */
public final class TriageConfig extends AbstractConfig {

    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String APPLICATION_ID_DEFAULT = "rtr-triage";
    public static final String APPLICATION_ID_DOC = "Kafka Streams application id: consumer group, "
            + "prefix of internal topics and state directories.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
    public static final String BOOTSTRAP_SERVERS_DEFAULT = "127.0.0.1:9092";
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka bootstrap servers.";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_DEFAULT = "http://127.0.0.1:8081";
    public static final String SCHEMA_REGISTRY_URL_DOC = AvroSerdeConfig.SCHEMA_REGISTRY_URL_DOC;

    public static final String RULES_FILE_CONFIG = "triage.rules.file";
    public static final String RULES_FILE_DEFAULT = "";
    public static final String RULES_FILE_DOC = "Path of the YAML filtering-rules file; empty uses the built-in "
            + "screening-mammography rules (" + RuleSetLoader.DEFAULT_RESOURCE + ").";

    public static final String EXPECTED_VIEWS_CONFIG = "triage.expected.views";
    public static final String EXPECTED_VIEWS_DEFAULT = "MG=L-CC|L-MLO|R-CC|R-MLO";
    public static final String EXPECTED_VIEWS_DOC = "Per modality, the views (laterality-viewPosition) whose "
            + "arrival completes a study: MODALITY=VIEW|VIEW|..., comma-separated. A modality not listed "
            + "completes by quiet period only.";

    public static final String QUIET_PERIOD_MS_CONFIG = "triage.quiet.period.ms";
    public static final long QUIET_PERIOD_MS_DEFAULT = 120_000L;
    public static final String QUIET_PERIOD_MS_DOC = "Wall-clock milliseconds without a new instance after which "
            + "an incomplete study is emitted, for modalities not in " + "triage.quiet.period.by.modality.";

    public static final String QUIET_PERIOD_BY_MODALITY_CONFIG = "triage.quiet.period.by.modality";
    public static final String QUIET_PERIOD_BY_MODALITY_DEFAULT = "MG=60000";
    public static final String QUIET_PERIOD_BY_MODALITY_DOC = "Per-modality quiet periods: MODALITY=MILLIS, "
            + "comma-separated.";

    public static final String PUNCTUATE_INTERVAL_MS_CONFIG = "triage.punctuate.interval.ms";
    public static final long PUNCTUATE_INTERVAL_MS_DEFAULT = 1_000L;
    public static final String PUNCTUATE_INTERVAL_MS_DOC = "How often (wall clock) quiet-period deadlines are "
            + "checked; a study is emitted at most this long after its quiet period ends.";

    public static final String STATE_RETENTION_MS_CONFIG = "triage.state.retention.ms";
    public static final long STATE_RETENTION_MS_DEFAULT = Duration.ofDays(7).toMillis();
    public static final String STATE_RETENTION_MS_DOC = "Stream-time milliseconds a study, its last revision "
            + "and an order are kept after their last change; a late instance or order within it yields a new "
            + "revision, one after it starts the study afresh.";

    public static final String JOIN_PARTITIONS_CONFIG = "triage.join.partitions";
    public static final int JOIN_PARTITIONS_DEFAULT = Topics.STUDY_PARTITIONS;
    public static final String JOIN_PARTITIONS_DOC = "Partitions of the two internal repartition topics keyed "
            + "by accession number (studies and orders); both get the same count so they are co-partitioned.";

    /** Kafka Streams' {@code commit.interval.ms} unless a {@value #STREAMS_PREFIX} setting says otherwise. */
    public static final long COMMIT_INTERVAL_MS_DEFAULT = 100L;
    /** The producer's {@code batch.size} unless a {@value #STREAMS_PREFIX} setting says otherwise. */
    public static final int BATCH_SIZE_DEFAULT = 256 * 1024;
    /** The main consumer's {@code max.partition.fetch.bytes} unless a {@value #STREAMS_PREFIX} setting overrides it. */
    public static final int PARTITION_FETCH_BYTES_DEFAULT = 256 * 1024;
    /** Kafka Streams' {@code statestore.cache.max.bytes} unless a {@value #STREAMS_PREFIX} setting says otherwise. */
    public static final long CACHE_MAX_BYTES_DEFAULT = 32L * 1024 * 1024;

    /** Prefix of settings handed to Kafka Streams as they are, e.g. {@code streams.state.dir}. */
    public static final String STREAMS_PREFIX = "streams.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(APPLICATION_ID_CONFIG, ConfigDef.Type.STRING, APPLICATION_ID_DEFAULT,
                    new ConfigDef.NonEmptyString(), ConfigDef.Importance.HIGH, APPLICATION_ID_DOC)
            .define(BOOTSTRAP_SERVERS_CONFIG, ConfigDef.Type.LIST, BOOTSTRAP_SERVERS_DEFAULT,
                    ConfigDef.Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, SCHEMA_REGISTRY_URL_DEFAULT,
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(RULES_FILE_CONFIG, ConfigDef.Type.STRING, RULES_FILE_DEFAULT,
                    ConfigDef.Importance.HIGH, RULES_FILE_DOC)
            .define(EXPECTED_VIEWS_CONFIG, ConfigDef.Type.LIST, EXPECTED_VIEWS_DEFAULT,
                    ConfigDef.Importance.MEDIUM, EXPECTED_VIEWS_DOC)
            .define(QUIET_PERIOD_MS_CONFIG, ConfigDef.Type.LONG, QUIET_PERIOD_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.MEDIUM, QUIET_PERIOD_MS_DOC)
            .define(QUIET_PERIOD_BY_MODALITY_CONFIG, ConfigDef.Type.LIST, QUIET_PERIOD_BY_MODALITY_DEFAULT,
                    ConfigDef.Importance.MEDIUM, QUIET_PERIOD_BY_MODALITY_DOC)
            .define(PUNCTUATE_INTERVAL_MS_CONFIG, ConfigDef.Type.LONG, PUNCTUATE_INTERVAL_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, PUNCTUATE_INTERVAL_MS_DOC)
            .define(STATE_RETENTION_MS_CONFIG, ConfigDef.Type.LONG, STATE_RETENTION_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.MEDIUM, STATE_RETENTION_MS_DOC)
            .define(JOIN_PARTITIONS_CONFIG, ConfigDef.Type.INT, JOIN_PARTITIONS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, JOIN_PARTITIONS_DOC);

    private final RuleSet rules;
    private final AssemblyPolicy assemblyPolicy;
    private final Map<String, Object> serdeConfig;

    /** Parses and validates {@code props}, including the rules file. */
    public TriageConfig(Map<?, ?> props) {
        super(CONFIG, props);
        String rulesFile = getString(RULES_FILE_CONFIG).trim();
        this.rules = rulesFile.isEmpty() ? RuleSetLoader.loadDefault() : RuleSetLoader.load(Path.of(rulesFile));
        this.assemblyPolicy = new AssemblyPolicy(parseExpectedViews(getList(EXPECTED_VIEWS_CONFIG)),
                parseQuietPeriods(getList(QUIET_PERIOD_BY_MODALITY_CONFIG)),
                Duration.ofMillis(getLong(QUIET_PERIOD_MS_CONFIG)));
        Map<String, Object> serde = new HashMap<>(originals());
        serde.putIfAbsent(SCHEMA_REGISTRY_URL_CONFIG, SCHEMA_REGISTRY_URL_DEFAULT);
        // One registry client for every serde of the app: one cache, one HTTP client.
        serde.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new AvroSerdeConfig(serde).registryClient());
        this.serdeConfig = Map.copyOf(serde);
    }

    /** Definition of every key, for documentation. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The validated filtering rules. */
    public RuleSet rules() {
        return rules;
    }

    AssemblyPolicy assemblyPolicy() {
        return assemblyPolicy;
    }

    Duration punctuateInterval() {
        return Duration.ofMillis(getLong(PUNCTUATE_INTERVAL_MS_CONFIG));
    }

    Duration stateRetention() {
        return Duration.ofMillis(getLong(STATE_RETENTION_MS_CONFIG));
    }

    int joinPartitions() {
        return getInt(JOIN_PARTITIONS_CONFIG);
    }

    /** Settings for every Avro serde of the topology, sharing one registry client. */
    Map<String, Object> serdeConfig() {
        return serdeConfig;
    }

    /**
     * Kafka Streams settings: application id, bootstrap servers, {@code exactly_once_v2}, the commit
     * interval, producer batching, record cache and fetch size defaults, then every
     * {@value #STREAMS_PREFIX} setting with the prefix removed (these win), and last the producer's
     * linger, equal to the commit interval in force unless set itself.
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        // Exactly once: a study revision and the state change behind it commit together, so a
        // crash never emits a revision twice or loses one.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // A study moves on to scoring only when its transaction commits, so the commit interval
        // bounds the stage's latency; each commit costs the stream thread a wait for the producer
        // flush and the transaction's end. Measured on a quiet 2-core machine, broker in the same
        // JVM (bench triage, warm, events/s end to end / from RUNNING): 100 ms 21,800 / 24,000,
        // 200 ms 21,500-22,600 / 24,000-25,400, 300 ms 25,300 / 28,700; time-to-worklist p50 at
        // 200 ms 635 ms, at 300 ms 786 ms. The target holds at Streams' exactly-once default, so
        // latency decides: 100 ms. The producer's linger (set last) follows it.
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(COMMIT_INTERVAL_MS_DEFAULT));
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG),
                Integer.toString(BATCH_SIZE_DEFAULT));
        // The record cache evicts from the store being written to, and evicting a dirty entry
        // flushes all of that store's dirty entries: with Streams' 10 MB, the clean entries of
        // emitted studies crowd the assembly store's cache until each study reaches its
        // changelog twice. This holds an interval's studies plus the recently emitted ones.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(CACHE_MAX_BYTES_DEFAULT));
        // The consumer hands out fetched records in the order the fetches completed, so while
        // rtr.instances has a backlog (a restart, a replay) the study snapshots fetched from the
        // repartition topic wait behind up to one fetch per instances partition. A quarter of the
        // 1 MB default shortens that wait (first study out 2-4 s sooner after a start under load)
        // and still fetches hundreds of instance events per partition at a time.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
                Integer.toString(PARTITION_FETCH_BYTES_DEFAULT));
        props.putAll(originalsWithPrefix(STREAMS_PREFIX));
        // Every commit flushes the producer, so under exactly-once no record waits longer for
        // lingering than it waits for the commit anyway: lingering up to the commit interval in
        // force, in batches that hold an interval's writes to a partition, costs no latency and
        // turns many small produce requests (and the broker's appends of them) into a few.
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG),
                String.valueOf(props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)));
        return props;
    }

    private static Map<String, Set<String>> parseExpectedViews(List<String> entries) {
        Map<String, Set<String>> views = new HashMap<>();
        for (String entry : entries) {
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new ConfigException(EXPECTED_VIEWS_CONFIG, entry, "expected MODALITY=VIEW|VIEW|..., e.g. "
                        + EXPECTED_VIEWS_DEFAULT);
            }
            Set<String> set = new LinkedHashSet<>();
            for (String view : Arrays.asList(parts[1].split("\\|"))) {
                String[] lv = view.trim().split("-", 2);
                if (lv.length != 2 || lv[0].isBlank() || lv[1].isBlank()) {
                    throw new ConfigException(EXPECTED_VIEWS_CONFIG, entry, "view '" + view
                            + "' is not LATERALITY-VIEWPOSITION, e.g. L-CC");
                }
                set.add(AssemblyPolicy.viewKey(lv[0], lv[1]));
            }
            views.put(parts[0].trim().toUpperCase(Locale.ROOT), Set.copyOf(set));
        }
        return views;
    }

    private static Map<String, Duration> parseQuietPeriods(List<String> entries) {
        Map<String, Duration> periods = new HashMap<>();
        for (String entry : entries) {
            String[] parts = entry.split("=", 2);
            long millis;
            try {
                millis = parts.length == 2 ? Long.parseLong(parts[1].trim()) : -1;
            } catch (NumberFormatException e) {
                millis = -1;
            }
            if (parts.length != 2 || parts[0].isBlank() || millis < 1) {
                throw new ConfigException(QUIET_PERIOD_BY_MODALITY_CONFIG, entry,
                        "expected MODALITY=MILLIS with MILLIS >= 1, e.g. MG=60000");
            }
            periods.put(parts[0].trim().toUpperCase(Locale.ROOT), Duration.ofMillis(millis));
        }
        return periods;
    }
}
