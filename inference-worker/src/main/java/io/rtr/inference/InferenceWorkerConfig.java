package io.rtr.inference;

import io.rtr.schemas.serde.AvroSerdeConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/**
 * Settings of the inference worker, parsed and checked once. Keys prefixed {@code consumer.} and
 * {@code producer.} are passed to the Kafka clients (after the worker's own settings, so they
 * cannot turn off exactly-once: isolation level, auto-commit and transactional id are forced).
 */
public final class InferenceWorkerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = "bootstrap.servers";
    public static final String BOOTSTRAP_SERVERS_DOC = "Kafka brokers to bootstrap from, host:port,...";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG;
    public static final String SCHEMA_REGISTRY_URL_DOC = "Confluent-compatible schema registry URL(s); required"
            + " unless " + AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG + " passes a client instance.";

    public static final String GROUP_ID_CONFIG = "group.id";
    public static final String GROUP_ID_DEFAULT = "rtr-inference";
    public static final String GROUP_ID_DOC = "Consumer group of the workers; start more workers with the same"
            + " group to scale out over rtr.studies' partitions.";

    public static final String INSTANCE_ID_CONFIG = "worker.instance.id";
    public static final String INSTANCE_ID_DOC = "Identity of this worker within its group, stable across"
            + " restarts; the transactional id is rtr-inference-<group.id>-<worker.instance.id>, so a restarted"
            + " worker fences its crashed predecessor and aborts its open transaction at once. Two live workers"
            + " must not share it. Default: the host name.";

    public static final String MODEL_DIR_CONFIG = "model.dir";
    public static final String MODEL_DIR_DEFAULT = "";
    public static final String MODEL_DIR_DOC = "SavedModel directory, with rtr-model.properties beside it. Empty:"
            + " the bundled reference model (synthetic phantoms only, not a medical device), extracted to a"
            + " temporary folder.";

    public static final String BATCH_MAX_SIZE_CONFIG = "batch.max.size";
    public static final int BATCH_MAX_SIZE_DEFAULT = 16;
    public static final String BATCH_MAX_SIZE_DOC = "Most images per model run, across studies.";

    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    public static final long BATCH_MAX_WAIT_MS_DEFAULT = 20;
    public static final String BATCH_MAX_WAIT_MS_DOC = "Longest time the first image of a batch waits for"
            + " more images before the batch is scored anyway.";

    public static final String DECODE_THREADS_CONFIG = "decode.threads";
    public static final String DECODE_THREADS_DOC = "Threads fetching, verifying, decoding and preprocessing"
            + " images. Default: the number of cores.";

    public static final String BLOB_ROOT_CONFIG = "blob.root";
    public static final String BLOB_ROOT_DEFAULT = "";
    public static final String BLOB_ROOT_DOC = "When set, only blobs under this folder are read; an event"
            + " pointing elsewhere is dead-lettered (BLOB_UNREADABLE). Empty: any file: URI.";

    public static final String TF_DEVICE_CONFIG = "tf.device";
    public static final String TF_DEVICE_DEFAULT = "auto";
    public static final String TF_DEVICE_DOC = "auto: TensorFlow places ops (GPU when the GPU build and a GPU"
            + " are present); cpu: hide every GPU; gpu: fail at start-up unless the model runs on a GPU.";

    public static final String TF_GPU_MEMORY_GROWTH_CONFIG = "tf.gpu.memory.growth";
    public static final boolean TF_GPU_MEMORY_GROWTH_DEFAULT = true;
    public static final String TF_GPU_MEMORY_GROWTH_DOC = "Allocate GPU memory as needed instead of all of it"
            + " at start, so several workers or models can share a GPU.";

    public static final String TF_GPU_VISIBLE_DEVICES_CONFIG = "tf.gpu.visible.devices";
    public static final String TF_GPU_VISIBLE_DEVICES_DEFAULT = "";
    public static final String TF_GPU_VISIBLE_DEVICES_DOC = "Comma-separated GPU indexes this worker may use,"
            + " e.g. 1 to pin it to the second GPU. Empty: all.";

    public static final String TF_INTRA_OP_THREADS_CONFIG = "tf.intra.op.threads";
    public static final int TF_INTRA_OP_THREADS_DEFAULT = 0;
    public static final String TF_INTRA_OP_THREADS_DOC = "Threads one TensorFlow op may use; 0: TensorFlow's"
            + " default (the cores).";

    public static final String TF_INTER_OP_THREADS_CONFIG = "tf.inter.op.threads";
    public static final int TF_INTER_OP_THREADS_DEFAULT = 0;
    public static final String TF_INTER_OP_THREADS_DOC = "Ops TensorFlow may run at once; 0: TensorFlow's default.";

    public static final String POLL_TIMEOUT_MS_CONFIG = "poll.timeout.ms";
    public static final long POLL_TIMEOUT_MS_DEFAULT = 500;
    public static final String POLL_TIMEOUT_MS_DOC = "Longest consumer poll when no batch is being collected.";

    /** Prefix of settings passed to the consumer. */
    public static final String CONSUMER_PREFIX = "consumer.";
    /** Prefix of settings passed to the producer. */
    public static final String PRODUCER_PREFIX = "producer.";

    /** tf.device values. */
    public enum Device {
        AUTO, CPU, GPU;

        static Device parse(String value) {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
    }

    private static final Pattern GPU_LIST = Pattern.compile("\\s*|\\d+(\\s*,\\s*\\d+)*");

    /** Every key, with type, default, validator, importance and documentation. */
    public static final ConfigDef CONFIG = new ConfigDef()
            .define(BOOTSTRAP_SERVERS_CONFIG, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT_VALUE,
                    new ConfigDef.NonNullValidator(), ConfigDef.Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, List.of(),
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(GROUP_ID_CONFIG, ConfigDef.Type.STRING, GROUP_ID_DEFAULT, new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.HIGH, GROUP_ID_DOC)
            .define(INSTANCE_ID_CONFIG, ConfigDef.Type.STRING, defaultInstanceId(), new ConfigDef.NonEmptyString(),
                    ConfigDef.Importance.MEDIUM, INSTANCE_ID_DOC)
            .define(MODEL_DIR_CONFIG, ConfigDef.Type.STRING, MODEL_DIR_DEFAULT,
                    ConfigDef.Importance.HIGH, MODEL_DIR_DOC)
            .define(BATCH_MAX_SIZE_CONFIG, ConfigDef.Type.INT, BATCH_MAX_SIZE_DEFAULT, ConfigDef.Range.between(1, 4096),
                    ConfigDef.Importance.MEDIUM, BATCH_MAX_SIZE_DOC)
            .define(BATCH_MAX_WAIT_MS_CONFIG, ConfigDef.Type.LONG, BATCH_MAX_WAIT_MS_DEFAULT,
                    ConfigDef.Range.between(0, 60_000), ConfigDef.Importance.MEDIUM, BATCH_MAX_WAIT_MS_DOC)
            .define(DECODE_THREADS_CONFIG, ConfigDef.Type.INT, Runtime.getRuntime().availableProcessors(),
                    ConfigDef.Range.between(1, 256), ConfigDef.Importance.MEDIUM, DECODE_THREADS_DOC)
            .define(BLOB_ROOT_CONFIG, ConfigDef.Type.STRING, BLOB_ROOT_DEFAULT,
                    ConfigDef.Importance.MEDIUM, BLOB_ROOT_DOC)
            .define(TF_DEVICE_CONFIG, ConfigDef.Type.STRING, TF_DEVICE_DEFAULT,
                    ConfigDef.CaseInsensitiveValidString.in("auto", "cpu", "gpu"),
                    ConfigDef.Importance.MEDIUM, TF_DEVICE_DOC)
            .define(TF_GPU_MEMORY_GROWTH_CONFIG, ConfigDef.Type.BOOLEAN, TF_GPU_MEMORY_GROWTH_DEFAULT,
                    ConfigDef.Importance.LOW, TF_GPU_MEMORY_GROWTH_DOC)
            .define(TF_GPU_VISIBLE_DEVICES_CONFIG, ConfigDef.Type.STRING, TF_GPU_VISIBLE_DEVICES_DEFAULT,
                    (name, value) -> {
                        if (value != null && !GPU_LIST.matcher((String) value).matches()) {
                            throw new ConfigException(name, value, "must be GPU indexes like 0 or 0,1");
                        }
                    }, ConfigDef.Importance.LOW, TF_GPU_VISIBLE_DEVICES_DOC)
            .define(TF_INTRA_OP_THREADS_CONFIG, ConfigDef.Type.INT, TF_INTRA_OP_THREADS_DEFAULT,
                    ConfigDef.Range.between(0, 1024), ConfigDef.Importance.LOW, TF_INTRA_OP_THREADS_DOC)
            .define(TF_INTER_OP_THREADS_CONFIG, ConfigDef.Type.INT, TF_INTER_OP_THREADS_DEFAULT,
                    ConfigDef.Range.between(0, 1024), ConfigDef.Importance.LOW, TF_INTER_OP_THREADS_DOC)
            .define(POLL_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG, POLL_TIMEOUT_MS_DEFAULT,
                    ConfigDef.Range.between(1, 60_000), ConfigDef.Importance.LOW, POLL_TIMEOUT_MS_DOC);

    /**
     * Parses and checks {@code props}.
     *
     * @throws ConfigException naming the offending key when a value or a combination is invalid
     */
    public InferenceWorkerConfig(Map<?, ?> props) {
        super(CONFIG, props);
        boolean hasClient = originals().get(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG) != null;
        if (!hasClient && getList(SCHEMA_REGISTRY_URL_CONFIG).stream().allMatch(String::isBlank)) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, getList(SCHEMA_REGISTRY_URL_CONFIG),
                    "a schema registry URL is required to read rtr.studies and write rtr.scores");
        }
        if (device() == Device.CPU && !getString(TF_GPU_VISIBLE_DEVICES_CONFIG).isBlank()) {
            throw new ConfigException(TF_GPU_VISIBLE_DEVICES_CONFIG, getString(TF_GPU_VISIBLE_DEVICES_CONFIG),
                    "names GPUs while tf.device=cpu hides them all; clear one of the two");
        }
        String modelDir = getString(MODEL_DIR_CONFIG);
        if (!modelDir.isBlank() && !Files.isDirectory(Path.of(modelDir))) {
            throw new ConfigException(MODEL_DIR_CONFIG, modelDir, "is not a directory");
        }
    }

    /** The group id. */
    public String groupId() {
        return getString(GROUP_ID_CONFIG);
    }

    /** The producer's transactional id: stable per group and worker instance (see {@link #INSTANCE_ID_CONFIG}). */
    public String transactionalId() {
        return "rtr-inference-" + groupId() + "-" + getString(INSTANCE_ID_CONFIG);
    }

    /** The model directory, or null for the bundled reference model. */
    public Path modelDir() {
        String dir = getString(MODEL_DIR_CONFIG);
        return dir.isBlank() ? null : Path.of(dir);
    }

    /** The blob root, or null when any file: URI may be read. */
    public Path blobRoot() {
        String dir = getString(BLOB_ROOT_CONFIG);
        return dir.isBlank() ? null : Path.of(dir);
    }

    public int batchMaxSize() {
        return getInt(BATCH_MAX_SIZE_CONFIG);
    }

    public long batchMaxWaitMs() {
        return getLong(BATCH_MAX_WAIT_MS_CONFIG);
    }

    public int decodeThreads() {
        return getInt(DECODE_THREADS_CONFIG);
    }

    public long pollTimeoutMs() {
        return getLong(POLL_TIMEOUT_MS_CONFIG);
    }

    public Device device() {
        return Device.parse(getString(TF_DEVICE_CONFIG));
    }

    /** The TensorFlow session configuration these settings describe. */
    public ConfigProto sessionConfig() {
        return sessionConfig(device(), getBoolean(TF_GPU_MEMORY_GROWTH_CONFIG),
                getString(TF_GPU_VISIBLE_DEVICES_CONFIG), getInt(TF_INTRA_OP_THREADS_CONFIG),
                getInt(TF_INTER_OP_THREADS_CONFIG));
    }

    /** A session configuration; shared with the benchmark so both run the model the same way. */
    public static ConfigProto sessionConfig(Device device, boolean memoryGrowth, String visibleGpus, int intraOpThreads,
                                            int interOpThreads) {
        ConfigProto.Builder builder = ConfigProto.newBuilder()
                // A SavedModel may pin ops to a device this machine lacks; let TF fall back.
                .setAllowSoftPlacement(true)
                .setIntraOpParallelismThreads(intraOpThreads)
                .setInterOpParallelismThreads(interOpThreads);
        if (device == Device.CPU) {
            builder.putDeviceCount("GPU", 0);
        } else {
            builder.setGpuOptions(GPUOptions.newBuilder()
                    .setAllowGrowth(memoryGrowth)
                    .setVisibleDeviceList(visibleGpus.replace(" ", "")));
        }
        return builder.build();
    }

    /** Serde settings: the registry URL(s) or client instance and any other registry keys given. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> serde = new HashMap<>();
        originals().forEach((key, value) -> {
            if (key.startsWith("schema.registry.") || key.startsWith("auto.register.")
                    || key.equals(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG)) {
                serde.put(key, value);
            }
        });
        return serde;
    }

    /** Settings given with the {@code consumer.} prefix, prefix removed. */
    public Map<String, Object> consumerOverrides() {
        return originalsWithPrefix(CONSUMER_PREFIX);
    }

    /** Settings given with the {@code producer.} prefix, prefix removed. */
    public Map<String, Object> producerOverrides() {
        return originalsWithPrefix(PRODUCER_PREFIX);
    }

    private static String defaultInstanceId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // No resolvable host name (some containers): the variable is what Kubernetes and Docker set.
            String host = System.getenv("HOSTNAME");
            return host == null || host.isBlank() ? "worker" : host;
        }
    }
}
