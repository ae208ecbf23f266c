package io.rtr.triage.priority;

import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Configuration of the prioritization Streams app: Kafka and registry addresses, the priority
 * weights and aging, and the radiologist assignment rules. Parsed and validated once, so a bad
 * setting stops start-up with a message naming it.
 */
public final class PrioritizationConfig extends AbstractConfig {

    public static final String APPLICATION_ID_CONFIG = StreamsConfig.APPLICATION_ID_CONFIG;
    public static final String APPLICATION_ID_DEFAULT = "rtr-prioritization";
    public static final String APPLICATION_ID_DOC = "Kafka Streams application id: consumer group, "
            + "prefix of internal topics and state directories.";

    public static final String BOOTSTRAP_SERVERS_CONFIG = CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG;
    public static final String BOOTSTRAP_SERVERS_DEFAULT = "127.0.0.1:9092";
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka bootstrap servers.";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_DEFAULT = "http://127.0.0.1:8081";
    public static final String SCHEMA_REGISTRY_URL_DOC = AvroSerdeConfig.SCHEMA_REGISTRY_URL_DOC;

    public static final String SUSPICION_WEIGHT_CONFIG = "priority.suspicion.weight";
    public static final double SUSPICION_WEIGHT_DEFAULT = 100.0;
    public static final String SUSPICION_WEIGHT_DOC = "Priority points per unit of model study score (score in "
            + "[0, 1]); with the default a score of 0.9 is worth 90 points, i.e. 90 minutes of waiting.";

    public static final String AGING_PER_MINUTE_CONFIG = "priority.aging.per.minute";
    public static final double AGING_PER_MINUTE_DEFAULT = 1.0;
    public static final String AGING_PER_MINUTE_DOC = "Priority points a study gains per minute of waiting, so "
            + "that within a class an old study eventually overtakes any fresh one and nothing starves.";

    public static final String URGENT_BONUS_CONFIG = "priority.urgent.bonus";
    public static final double URGENT_BONUS_DEFAULT = 30.0;
    public static final String URGENT_BONUS_DOC = "Priority points added for an URGENT order (STAT orders have "
            + "their own class).";

    public static final String AGING_INTERVAL_MS_CONFIG = "priority.aging.interval.ms";
    public static final long AGING_INTERVAL_MS_DEFAULT = 60_000L;
    public static final String AGING_INTERVAL_MS_DOC = "How often (wall clock) waiting entries are re-scored for "
            + "aging.";

    public static final String AGING_MIN_CHANGE_CONFIG = "priority.aging.min.change";
    public static final double AGING_MIN_CHANGE_DEFAULT = 5.0;
    public static final String AGING_MIN_CHANGE_DOC = "Smallest priority-score change that aging re-emits; "
            + "smaller drifts wait, so the worklist topic is not flooded with one update per entry per interval.";

    public static final String COMPLETED_RETENTION_MS_CONFIG = "priority.completed.retention.ms";
    public static final long COMPLETED_RETENTION_MS_DEFAULT = Duration.ofDays(7).toMillis();
    public static final String COMPLETED_RETENTION_MS_DOC = "Wall-clock milliseconds the marker of a completed "
            + "study is kept; within it a late score or revision cannot put the study back on a worklist.";

    public static final String SITE_READERS_CONFIG = "priority.assignment.site.readers";
    public static final String SITE_READERS_DEFAULT = "";
    public static final String SITE_READERS_DOC = "Radiologists reading for each ordering site: "
            + "SITE=READER|READER|..., comma-separated.";

    public static final String SUBSPECIALTY_READERS_CONFIG = "priority.assignment.subspecialty.readers";
    public static final String SUBSPECIALTY_READERS_DEFAULT = "";
    public static final String SUBSPECIALTY_READERS_DOC = "Radiologists qualified for each subspecialty: "
            + "SUBSPECIALTY=READER|READER|..., comma-separated. A study requiring a subspecialty goes only to them.";

    public static final String ON_DUTY_CONFIG = "priority.assignment.on.duty";
    public static final String ON_DUTY_DEFAULT = "";
    public static final String ON_DUTY_DOC = "Radiologists on duty, comma-separated; rule-based assignment picks "
            + "only among them. Empty: everyone named in the site and subspecialty rules is on duty.";

    public static final String POOL_CONFIG = "priority.assignment.pool";
    public static final String POOL_DEFAULT = "reading-pool";
    public static final String POOL_DOC = "Worklist id of the shared pool that holds studies no rule can assign.";

    /** Prefix of settings handed to Kafka Streams as they are, e.g. {@code streams.state.dir}. */
    public static final String STREAMS_PREFIX = "streams.";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(APPLICATION_ID_CONFIG, ConfigDef.Type.STRING, APPLICATION_ID_DEFAULT,
                    new ConfigDef.NonEmptyString(), ConfigDef.Importance.HIGH, APPLICATION_ID_DOC)
            .define(BOOTSTRAP_SERVERS_CONFIG, ConfigDef.Type.LIST, BOOTSTRAP_SERVERS_DEFAULT,
                    ConfigDef.Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, SCHEMA_REGISTRY_URL_DEFAULT,
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(SUSPICION_WEIGHT_CONFIG, ConfigDef.Type.DOUBLE, SUSPICION_WEIGHT_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM, SUSPICION_WEIGHT_DOC)
            .define(AGING_PER_MINUTE_CONFIG, ConfigDef.Type.DOUBLE, AGING_PER_MINUTE_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM, AGING_PER_MINUTE_DOC)
            .define(URGENT_BONUS_CONFIG, ConfigDef.Type.DOUBLE, URGENT_BONUS_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM, URGENT_BONUS_DOC)
            .define(AGING_INTERVAL_MS_CONFIG, ConfigDef.Type.LONG, AGING_INTERVAL_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, AGING_INTERVAL_MS_DOC)
            .define(AGING_MIN_CHANGE_CONFIG, ConfigDef.Type.DOUBLE, AGING_MIN_CHANGE_DEFAULT,
                    ConfigDef.Range.atLeast(0), ConfigDef.Importance.LOW, AGING_MIN_CHANGE_DOC)
            .define(COMPLETED_RETENTION_MS_CONFIG, ConfigDef.Type.LONG, COMPLETED_RETENTION_MS_DEFAULT,
                    ConfigDef.Range.atLeast(1), ConfigDef.Importance.LOW, COMPLETED_RETENTION_MS_DOC)
            .define(SITE_READERS_CONFIG, ConfigDef.Type.LIST, SITE_READERS_DEFAULT,
                    ConfigDef.Importance.HIGH, SITE_READERS_DOC)
            .define(SUBSPECIALTY_READERS_CONFIG, ConfigDef.Type.LIST, SUBSPECIALTY_READERS_DEFAULT,
                    ConfigDef.Importance.HIGH, SUBSPECIALTY_READERS_DOC)
            .define(ON_DUTY_CONFIG, ConfigDef.Type.LIST, ON_DUTY_DEFAULT,
                    ConfigDef.Importance.HIGH, ON_DUTY_DOC)
            .define(POOL_CONFIG, ConfigDef.Type.STRING, POOL_DEFAULT,
                    new ConfigDef.NonEmptyString(), ConfigDef.Importance.MEDIUM, POOL_DOC);

    private final PriorityPolicy policy;
    private final AssignmentRules rules;
    private final Map<String, Object> serdeConfig;

    /** Parses and validates {@code props}. */
    public PrioritizationConfig(Map<?, ?> props) {
        super(CONFIG, props);
        this.policy = new PriorityPolicy(getDouble(SUSPICION_WEIGHT_CONFIG), getDouble(AGING_PER_MINUTE_CONFIG),
                getDouble(URGENT_BONUS_CONFIG));
        Map<String, List<String>> bySite = parseReaders(SITE_READERS_CONFIG, getList(SITE_READERS_CONFIG));
        Map<String, List<String>> bySubspecialty = parseReaders(SUBSPECIALTY_READERS_CONFIG,
                getList(SUBSPECIALTY_READERS_CONFIG));
        List<String> onDuty = getList(ON_DUTY_CONFIG).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        String pool = getString(POOL_CONFIG).trim();
        if (onDuty.contains(pool)) {
            throw new ConfigException(ON_DUTY_CONFIG, onDuty, "the pool id '" + pool + "' (" + POOL_CONFIG
                    + ") cannot also be a radiologist on duty");
        }
        this.rules = new AssignmentRules(bySite, bySubspecialty, onDuty, pool);
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

    PriorityPolicy policy() {
        return policy;
    }

    AssignmentRules assignmentRules() {
        return rules;
    }

    Duration agingInterval() {
        return Duration.ofMillis(getLong(AGING_INTERVAL_MS_CONFIG));
    }

    double agingMinChange() {
        return getDouble(AGING_MIN_CHANGE_CONFIG);
    }

    Duration completedRetention() {
        return Duration.ofMillis(getLong(COMPLETED_RETENTION_MS_CONFIG));
    }

    /** Settings for every Avro serde of the topology, sharing one registry client. */
    Map<String, Object> serdeConfig() {
        return serdeConfig;
    }

    /**
     * Kafka Streams settings: application id, bootstrap servers, {@code exactly_once_v2}, then every
     * {@value #STREAMS_PREFIX} setting with the prefix removed (these win).
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, getString(APPLICATION_ID_CONFIG));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", getList(BOOTSTRAP_SERVERS_CONFIG)));
        // Exactly once: a worklist update, the version counter behind it and the queue lengths
        // commit together, so a crash never re-emits a version or double-counts a queue.
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.putAll(originalsWithPrefix(STREAMS_PREFIX));
        return props;
    }

    private static Map<String, List<String>> parseReaders(String key, List<String> entries) {
        Map<String, List<String>> readers = new LinkedHashMap<>();
        for (String entry : entries) {
            String[] parts = entry.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new ConfigException(key, entry, "expected NAME=READER|READER|..., e.g. clinic-north=dr-a|dr-b");
            }
            Set<String> names = new LinkedHashSet<>();
            for (String reader : parts[1].split("\\|")) {
                if (reader.isBlank()) {
                    throw new ConfigException(key, entry, "empty radiologist id");
                }
                names.add(reader.trim());
            }
            if (readers.put(parts[0].trim(), List.copyOf(names)) != null) {
                throw new ConfigException(key, entry, "'" + parts[0].trim() + "' is listed twice");
            }
        }
        return Map.copyOf(readers);
    }
}
