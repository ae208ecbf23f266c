package io.rtr.ingest;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Configuration of {@link DicomSourceConnector} and {@link DicomSourceTask}, parsed once. */
public final class DicomSourceConfig extends AbstractConfig {

    private static final String GROUP_DICOM = "DICOM";
    private static final String GROUP_STOW = "STOW-RS";
    private static final String GROUP_STORAGE = "Storage";
    private static final String GROUP_PRIVACY = "Privacy";
    private static final String GROUP_KAFKA = "Kafka";

    public static final String DICOM_HOST_CONFIG = "dicom.host";
    public static final String DICOM_HOST_DEFAULT = "127.0.0.1";
    public static final String DICOM_HOST_DOC = "Address the DICOM SCP listens on; 0.0.0.0 for every interface.";

    public static final String DICOM_PORT_CONFIG = "dicom.port";
    public static final int DICOM_PORT_DEFAULT = 11112;
    public static final String DICOM_PORT_DOC = "TCP port of the DICOM SCP (C-ECHO, C-STORE); 0 picks a free port.";

    public static final String DICOM_AE_TITLE_CONFIG = "dicom.ae.title";
    public static final String DICOM_AE_TITLE_DEFAULT = "RTR";
    public static final String DICOM_AE_TITLE_DOC = "AE title of the SCP; associations that call another title are"
            + " rejected.";

    public static final String DICOM_CALLING_AE_ALLOWLIST_CONFIG = "dicom.calling.ae.allowlist";
    public static final String DICOM_CALLING_AE_ALLOWLIST_DOC = "Calling AE titles allowed to associate;"
            + " empty allows any. Others get A-ASSOCIATE-RJ (calling AE title not recognized).";

    public static final String DICOM_CLINIC_BY_CALLING_AE_CONFIG = "dicom.clinic.by.calling.ae";
    public static final String DICOM_CLINIC_BY_CALLING_AE_DOC = "Clinic id of each sender, as AE=clinic pairs,"
            + " e.g. MAMMO1=north,MAMMO2=south; copied into the event's clinicId.";

    public static final String DICOM_MAX_ASSOCIATIONS_CONFIG = "dicom.max.associations";
    public static final int DICOM_MAX_ASSOCIATIONS_DEFAULT = 16;
    public static final String DICOM_MAX_ASSOCIATIONS_DOC = "Associations served at once; more are rejected as"
            + " transient (local limit exceeded) so that senders retry.";

    public static final String DICOM_MAX_OBJECT_BYTES_CONFIG = "dicom.max.object.bytes";
    public static final long DICOM_MAX_OBJECT_BYTES_DEFAULT = 1L << 30;
    public static final String DICOM_MAX_OBJECT_BYTES_DOC = "Largest data set accepted; a larger one is answered"
            + " with status A700 (out of resources) and an InstanceRejected event; applies to C-STORE and to each"
            + " STOW-RS part.";

    public static final String DICOM_MAX_PDU_LENGTH_CONFIG = "dicom.max.pdu.length";
    public static final int DICOM_MAX_PDU_LENGTH_DEFAULT = 256 * 1024;
    public static final String DICOM_MAX_PDU_LENGTH_DOC = "Maximum P-DATA-TF PDU length offered to senders; larger"
            + " PDUs mean fewer round trips per object.";

    public static final String DICOM_IDLE_TIMEOUT_MS_CONFIG = "dicom.idle.timeout.ms";
    public static final long DICOM_IDLE_TIMEOUT_MS_DEFAULT = 60_000;
    public static final String DICOM_IDLE_TIMEOUT_MS_DOC = "An association silent for this long is aborted, so that"
            + " a stuck sender does not hold a slot forever.";

    public static final String STOW_ENABLED_CONFIG = "stow.enabled";
    public static final boolean STOW_ENABLED_DEFAULT = true;
    public static final String STOW_ENABLED_DOC = "Whether the task serves DICOMweb STOW-RS (POST /dicomweb/studies and"
            + " /dicomweb/studies/{study}) on stow.host:stow.port; false serves C-STORE only, e.g. where the"
            + " standalone platform mounts STOW-RS on its own HTTP server.";

    public static final String STOW_HOST_CONFIG = "stow.host";
    public static final String STOW_HOST_DEFAULT = "127.0.0.1";
    public static final String STOW_HOST_DOC = "Address the STOW-RS HTTP endpoint listens on; 0.0.0.0 for every"
            + " interface.";

    public static final String STOW_PORT_CONFIG = "stow.port";
    public static final int STOW_PORT_DEFAULT = 8090;
    public static final String STOW_PORT_DOC = "TCP port of the STOW-RS HTTP endpoint; 0 picks a free port. The"
            + " default stays clear of the demo's HTTP (8080), the schema registry (8081) and the Connect REST API"
            + " (8083). To turn the endpoint off, set " + STOW_ENABLED_CONFIG + "=false.";

    public static final String STOW_MAX_CONCURRENT_REQUESTS_CONFIG = "stow.max.concurrent.requests";
    public static final int STOW_MAX_CONCURRENT_REQUESTS_DEFAULT = 4;
    public static final String STOW_MAX_CONCURRENT_REQUESTS_DOC = "STOW-RS requests handled at once; more are"
            + " answered 503 with Retry-After. Objects larger than " + "dicom.max.object.bytes"
            + " fail with reason A700, as over DIMSE.";

    public static final String SPOOL_DIR_CONFIG = "spool.dir";
    public static final String SPOOL_DIR_DOC = "Directory of the durable spool (objects received but not yet"
            + " acknowledged by Kafka). Must survive restarts; one per task.";

    public static final String BLOB_DIR_CONFIG = "blob.dir";
    public static final String BLOB_DIR_DOC = "Root of the filesystem blob store (Study/Series/SOP.dcm); the events'"
            + " blobUri points here, so readers need access to it.";

    public static final String SPOOL_MIN_FREE_BYTES_CONFIG = "spool.min.free.bytes";
    public static final long SPOOL_MIN_FREE_BYTES_DEFAULT = 1L << 30;
    public static final String SPOOL_MIN_FREE_BYTES_DOC = "Back-pressure: while the spool's disk has less than this"
            + " many bytes free, new associations are rejected as transient (temporary congestion); 0 disables.";

    public static final String UNACKNOWLEDGED_TIMEOUT_MS_CONFIG = "kafka.unacknowledged.timeout.ms";
    public static final long UNACKNOWLEDGED_TIMEOUT_MS_DEFAULT = 120_000;
    public static final String UNACKNOWLEDGED_TIMEOUT_MS_DOC = "Back-pressure: when an emitted event has waited this"
            + " long for Kafka's acknowledgement (Kafka unreachable), new associations are rejected as transient"
            + " until Kafka catches up.";

    public static final String PSEUDONYM_SECRET_CONFIG = "patient.pseudonym.secret";
    public static final String PSEUDONYM_SECRET_DOC = "Secret key (at least " + PatientPseudonymizer.MIN_SECRET_BYTES
            + " bytes) of the HMAC-SHA-256 patient pseudonym. Keep it stable: changing it changes every pseudonym.";

    public static final String TOPIC_CONFIG = "topic";
    public static final String TOPIC_DEFAULT = Topics.INSTANCES.name();
    public static final String TOPIC_DOC = "Topic of InstanceReceived events (key StudyInstanceUID).";

    public static final String REJECTED_TOPIC_CONFIG = "rejected.topic";
    public static final String REJECTED_TOPIC_DEFAULT = Topics.INSTANCES_REJECTED.name();
    public static final String REJECTED_TOPIC_DOC = "Topic of InstanceRejected events for objects the SCP refused.";

    public static final String BATCH_MAX_RECORDS_CONFIG = "batch.max.records";
    public static final int BATCH_MAX_RECORDS_DEFAULT = 500;
    public static final String BATCH_MAX_RECORDS_DOC = "Most events returned by one poll().";

    public static final String POLL_WAIT_MS_CONFIG = "poll.wait.ms";
    public static final long POLL_WAIT_MS_DEFAULT = 500;
    public static final String POLL_WAIT_MS_DOC = "How long poll() waits for a new object before returning nothing.";

    private final PatientPseudonymizer pseudonymizer;
    private final Map<String, String> clinicByCallingAe;

    /** Parses and checks {@code props}. */
    public DicomSourceConfig(Map<?, ?> props) {
        super(CONFIG_DEF, props);
        Path spool = Path.of(getString(SPOOL_DIR_CONFIG)).toAbsolutePath().normalize();
        Path blobs = Path.of(getString(BLOB_DIR_CONFIG)).toAbsolutePath().normalize();
        if (spool.startsWith(blobs) || blobs.startsWith(spool)) {
            throw new ConfigException(BLOB_DIR_CONFIG, getString(BLOB_DIR_CONFIG), "the blob store and the spool ("
                    + SPOOL_DIR_CONFIG + ") must not contain each other");
        }
        this.pseudonymizer = new PatientPseudonymizer(getPassword(PSEUDONYM_SECRET_CONFIG).value()
                .getBytes(StandardCharsets.UTF_8));
        this.clinicByCallingAe = parseClinics(getList(DICOM_CLINIC_BY_CALLING_AE_CONFIG));
    }

    private static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(DICOM_HOST_CONFIG, ConfigDef.Type.STRING, DICOM_HOST_DEFAULT, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.HIGH, DICOM_HOST_DOC, GROUP_DICOM, ++order, ConfigDef.Width.MEDIUM, "Listen address");
        def.define(DICOM_PORT_CONFIG, ConfigDef.Type.INT, DICOM_PORT_DEFAULT, ConfigDef.Range.between(0, 65535),
                ConfigDef.Importance.HIGH, DICOM_PORT_DOC, GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "Port");
        def.define(DICOM_AE_TITLE_CONFIG, ConfigDef.Type.STRING, DICOM_AE_TITLE_DEFAULT, AE_TITLE,
                ConfigDef.Importance.HIGH, DICOM_AE_TITLE_DOC, GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "AE title");
        def.define(DICOM_CALLING_AE_ALLOWLIST_CONFIG, ConfigDef.Type.LIST, List.of(), AE_TITLE_LIST,
                ConfigDef.Importance.MEDIUM, DICOM_CALLING_AE_ALLOWLIST_DOC, GROUP_DICOM, ++order,
                ConfigDef.Width.LONG, "Allowed calling AE titles");
        def.define(DICOM_CLINIC_BY_CALLING_AE_CONFIG, ConfigDef.Type.LIST, List.of(), CLINIC_PAIRS,
                ConfigDef.Importance.MEDIUM, DICOM_CLINIC_BY_CALLING_AE_DOC, GROUP_DICOM, ++order,
                ConfigDef.Width.LONG, "Clinic by calling AE");
        def.define(DICOM_MAX_ASSOCIATIONS_CONFIG, ConfigDef.Type.INT, DICOM_MAX_ASSOCIATIONS_DEFAULT,
                ConfigDef.Range.between(1, 1024), ConfigDef.Importance.MEDIUM, DICOM_MAX_ASSOCIATIONS_DOC,
                GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "Max associations");
        def.define(DICOM_MAX_OBJECT_BYTES_CONFIG, ConfigDef.Type.LONG, DICOM_MAX_OBJECT_BYTES_DEFAULT,
                ConfigDef.Range.atLeast(1024), ConfigDef.Importance.MEDIUM, DICOM_MAX_OBJECT_BYTES_DOC,
                GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "Max object bytes");
        def.define(DICOM_MAX_PDU_LENGTH_CONFIG, ConfigDef.Type.INT, DICOM_MAX_PDU_LENGTH_DEFAULT,
                ConfigDef.Range.between(4096, 16 * 1024 * 1024), ConfigDef.Importance.LOW, DICOM_MAX_PDU_LENGTH_DOC,
                GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "Max PDU length");
        def.define(DICOM_IDLE_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, DICOM_IDLE_TIMEOUT_MS_DEFAULT,
                ConfigDef.Range.between(1000, Integer.MAX_VALUE), ConfigDef.Importance.LOW, DICOM_IDLE_TIMEOUT_MS_DOC,
                GROUP_DICOM, ++order, ConfigDef.Width.SHORT, "Idle timeout (ms)");

        order = 0;
        def.define(STOW_ENABLED_CONFIG, ConfigDef.Type.BOOLEAN, STOW_ENABLED_DEFAULT, ConfigDef.Importance.MEDIUM,
                STOW_ENABLED_DOC, GROUP_STOW, ++order, ConfigDef.Width.SHORT, "STOW-RS enabled");
        def.define(STOW_HOST_CONFIG, ConfigDef.Type.STRING, STOW_HOST_DEFAULT, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.MEDIUM, STOW_HOST_DOC, GROUP_STOW, ++order, ConfigDef.Width.MEDIUM,
                "STOW-RS listen address");
        def.define(STOW_PORT_CONFIG, ConfigDef.Type.INT, STOW_PORT_DEFAULT, ConfigDef.Range.between(0, 65535),
                ConfigDef.Importance.MEDIUM, STOW_PORT_DOC, GROUP_STOW, ++order, ConfigDef.Width.SHORT, "STOW-RS port");
        def.define(STOW_MAX_CONCURRENT_REQUESTS_CONFIG, ConfigDef.Type.INT, STOW_MAX_CONCURRENT_REQUESTS_DEFAULT,
                ConfigDef.Range.between(1, 256), ConfigDef.Importance.LOW, STOW_MAX_CONCURRENT_REQUESTS_DOC,
                GROUP_STOW, ++order, ConfigDef.Width.SHORT, "STOW-RS concurrent requests");

        order = 0;
        def.define(SPOOL_DIR_CONFIG, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.HIGH, SPOOL_DIR_DOC, GROUP_STORAGE, ++order, ConfigDef.Width.LONG, "Spool directory");
        def.define(BLOB_DIR_CONFIG, ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.HIGH, BLOB_DIR_DOC, GROUP_STORAGE, ++order, ConfigDef.Width.LONG, "Blob directory");
        def.define(SPOOL_MIN_FREE_BYTES_CONFIG, ConfigDef.Type.LONG, SPOOL_MIN_FREE_BYTES_DEFAULT,
                ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM, SPOOL_MIN_FREE_BYTES_DOC, GROUP_STORAGE,
                ++order, ConfigDef.Width.SHORT, "Minimum free spool bytes");
        def.define(UNACKNOWLEDGED_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, UNACKNOWLEDGED_TIMEOUT_MS_DEFAULT,
                ConfigDef.Range.atLeast(1), ConfigDef.Importance.MEDIUM, UNACKNOWLEDGED_TIMEOUT_MS_DOC, GROUP_STORAGE,
                ++order, ConfigDef.Width.SHORT, "Unacknowledged timeout (ms)");

        def.define(PSEUDONYM_SECRET_CONFIG, ConfigDef.Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, SECRET,
                ConfigDef.Importance.HIGH, PSEUDONYM_SECRET_DOC, GROUP_PRIVACY, 1, ConfigDef.Width.LONG,
                "Pseudonym secret");

        order = 0;
        def.define(TOPIC_CONFIG, ConfigDef.Type.STRING, TOPIC_DEFAULT, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.MEDIUM, TOPIC_DOC, GROUP_KAFKA, ++order, ConfigDef.Width.MEDIUM, "Topic");
        def.define(REJECTED_TOPIC_CONFIG, ConfigDef.Type.STRING, REJECTED_TOPIC_DEFAULT, new ConfigDef.NonEmptyString(),
                ConfigDef.Importance.MEDIUM, REJECTED_TOPIC_DOC, GROUP_KAFKA, ++order, ConfigDef.Width.MEDIUM,
                "Rejected topic");
        def.define(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
                new ConfigDef.NonNullValidator(), ConfigDef.Importance.HIGH, AvroSerdeConfig.SCHEMA_REGISTRY_URL_DOC,
                GROUP_KAFKA, ++order, ConfigDef.Width.LONG, "Schema registry URL");
        def.define(BATCH_MAX_RECORDS_CONFIG, ConfigDef.Type.INT, BATCH_MAX_RECORDS_DEFAULT,
                ConfigDef.Range.between(1, 100_000), ConfigDef.Importance.LOW, BATCH_MAX_RECORDS_DOC, GROUP_KAFKA,
                ++order, ConfigDef.Width.SHORT, "Batch size");
        def.define(POLL_WAIT_MS_CONFIG, ConfigDef.Type.LONG, POLL_WAIT_MS_DEFAULT, ConfigDef.Range.between(1, 60_000),
                ConfigDef.Importance.LOW, POLL_WAIT_MS_DOC, GROUP_KAFKA, ++order, ConfigDef.Width.SHORT, "Poll wait (ms)");
        return def;
    }

    /** AE titles: 1 to 16 characters of the default repertoire, no backslash or control characters. */
    private static final ConfigDef.Validator AE_TITLE = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            checkAeTitle(name, (String) value);
        }

        @Override
        public String toString() {
            return "1 to 16 printable ASCII characters, no backslash";
        }
    };

    private static final ConfigDef.Validator AE_TITLE_LIST = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            for (Object ae : (List<?>) value) {
                checkAeTitle(name, (String) ae);
            }
        }

        @Override
        public String toString() {
            return "comma-separated AE titles";
        }
    };

    private static final ConfigDef.Validator CLINIC_PAIRS = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> pairs = (List<String>) value;
            parseClinics(pairs);
        }

        @Override
        public String toString() {
            return "comma-separated AE=clinic pairs";
        }
    };

    private static final ConfigDef.Validator SECRET = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            // Never echo the value: it is a secret.
            if (value == null || ((Password) value).value().getBytes(StandardCharsets.UTF_8).length
                    < PatientPseudonymizer.MIN_SECRET_BYTES) {
                throw new ConfigException(name + " must be at least " + PatientPseudonymizer.MIN_SECRET_BYTES
                        + " bytes");
            }
        }

        @Override
        public String toString() {
            return "at least " + PatientPseudonymizer.MIN_SECRET_BYTES + " bytes";
        }
    };

    // Declared after the validators it uses: static fields initialize in textual order.
    /** Every key, with type, default, validator, importance, doc and group. */
    public static final ConfigDef CONFIG_DEF = configDef();

    private static void checkAeTitle(String name, String ae) {
        String trimmed = ae == null ? "" : ae.strip();
        if (trimmed.isEmpty() || trimmed.length() > 16 || !trimmed.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '\\')) {
            throw new ConfigException(name, ae, "an AE title has 1 to 16 printable ASCII characters and no backslash");
        }
    }

    private static Map<String, String> parseClinics(List<String> pairs) {
        Map<String, String> map = new HashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new ConfigException(DICOM_CLINIC_BY_CALLING_AE_CONFIG, pair, "expected AE=clinic");
            }
            String ae = pair.substring(0, eq).strip();
            checkAeTitle(DICOM_CLINIC_BY_CALLING_AE_CONFIG, ae);
            if (map.put(ae, pair.substring(eq + 1).strip()) != null) {
                throw new ConfigException(DICOM_CLINIC_BY_CALLING_AE_CONFIG, pair, "AE title " + ae + " appears twice");
            }
        }
        return Map.copyOf(map);
    }

    /** The SCP's settings. */
    public DicomScp.Settings scpSettings() {
        Set<String> allowed = new HashSet<>();
        for (String ae : getList(DICOM_CALLING_AE_ALLOWLIST_CONFIG)) {
            allowed.add(ae.strip());
        }
        return new DicomScp.Settings(getString(DICOM_HOST_CONFIG), getInt(DICOM_PORT_CONFIG),
                getString(DICOM_AE_TITLE_CONFIG).strip(), allowed, getInt(DICOM_MAX_ASSOCIATIONS_CONFIG),
                getLong(DICOM_MAX_OBJECT_BYTES_CONFIG), getInt(DICOM_MAX_PDU_LENGTH_CONFIG),
                Duration.ofMillis(getLong(DICOM_IDLE_TIMEOUT_MS_CONFIG)));
    }

    public boolean stowEnabled() {
        return getBoolean(STOW_ENABLED_CONFIG);
    }

    public String stowHost() {
        return getString(STOW_HOST_CONFIG);
    }

    public int stowPort() {
        return getInt(STOW_PORT_CONFIG);
    }

    public int stowMaxConcurrentRequests() {
        return getInt(STOW_MAX_CONCURRENT_REQUESTS_CONFIG);
    }

    public Path spoolDir() {
        return Path.of(getString(SPOOL_DIR_CONFIG));
    }

    public Path blobDir() {
        return Path.of(getString(BLOB_DIR_CONFIG));
    }

    public PatientPseudonymizer pseudonymizer() {
        return pseudonymizer;
    }

    public Map<String, String> clinicByCallingAe() {
        return clinicByCallingAe;
    }

    public long spoolMinFreeBytes() {
        return getLong(SPOOL_MIN_FREE_BYTES_CONFIG);
    }

    public long unacknowledgedTimeoutMs() {
        return getLong(UNACKNOWLEDGED_TIMEOUT_MS_CONFIG);
    }

    public String topic() {
        return getString(TOPIC_CONFIG);
    }

    public String rejectedTopic() {
        return getString(REJECTED_TOPIC_CONFIG);
    }

    public int batchMaxRecords() {
        return getInt(BATCH_MAX_RECORDS_CONFIG);
    }

    public long pollWaitMs() {
        return getLong(POLL_WAIT_MS_CONFIG);
    }

    /** Settings for the Avro serializer: the connector's own keys pass through, the serde ignores the rest. */
    public Map<String, Object> serdeConfig() {
        return new HashMap<>(originals());
    }
}
