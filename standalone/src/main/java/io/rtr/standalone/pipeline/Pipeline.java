package io.rtr.standalone.pipeline;

import io.rtr.schemas.RequiredTopics;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.standalone.Platform;
import io.rtr.standalone.Shutdown;
import io.rtr.standalone.connect.EmbeddedConnect;
import io.rtr.inference.InferenceWorker;
import io.rtr.inference.InferenceWorkerConfig;
import io.rtr.inference.reference.ReferenceModel;
import io.rtr.triage.TriageConfig;
import io.rtr.triage.TriageTopology;
import io.rtr.triage.priority.PrioritizationConfig;
import io.rtr.triage.priority.PrioritizationTopology;
import io.rtr.worklist.cdc.ReadingActionCapture;
import io.rtr.worklist.db.WorklistSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every pipeline stage of RTR running in this process on the embedded {@link Platform}: the Kafka
 * Connect worker with the DICOM ingest connector, the RIS order capture, the worklist sink and the
 * capture of radiologists' actions; the triage and prioritization Kafka Streams apps; the
 * inference worker with the bundled reference model; and the HTTP front door (worklist page and
 * API, /health, /metrics). Started in data-flow order, stopped in reverse (see {@link #close()}).
 */
public final class Pipeline implements AutoCloseable {

    /** Radiologists registered in the demo, also the on-duty list for assignment. */
    public static final List<String> DEMO_RADIOLOGISTS = List.of("dr-adams", "dr-baker");

    static final String INGEST_CONNECTOR = "dicom-ingest";
    static final String SINK_CONNECTOR = "worklist-sink";

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final Platform platform;
    private final PipelineConfig config;
    private final Deque<AutoCloseable> running;
    private final int dicomPort;
    private final HttpFrontDoor http;
    private boolean closed;

    private Pipeline(Platform platform, PipelineConfig config, Deque<AutoCloseable> running, int dicomPort,
                     HttpFrontDoor http) {
        this.platform = platform;
        this.config = config;
        this.running = running;
        this.dicomPort = dicomPort;
        this.http = http;
    }

    /** Starts every stage against {@code platform}; on failure stops what it started and rethrows. */
    public static Pipeline start(Platform platform, PipelineConfig config) {
        long started = System.nanoTime();
        Deque<AutoCloseable> running = new ArrayDeque<>();
        try {
            // Connect's source producers wait forever for a missing topic's metadata (max.block.ms is
            // Long.MAX_VALUE there) and the broker creates none on first use: check before anything starts.
            RequiredTopics.requireExisting(
                    Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
                    Topics.ALL.stream().map(Topic::name).toList(), "the pipeline");
            Files.createDirectories(config.configDir());
            String secret = pseudonymSecret(config.configDir());
            prepareDatabase(platform);

            EmbeddedConnect connect = EmbeddedConnect.start(platform.bootstrapServers(), config.connectDir());
            running.push(connect);
            connect.putConnector(ClinicRis.CONNECTOR_NAME, ClinicRis.debeziumConfig(config.host(),
                    platform.postgres().port(), platform.postgres().database(), platform.postgres().username(),
                    platform.postgres().password()));
            connect.putConnector(SINK_CONNECTOR, sinkConfig(platform));

            connect.putConnector(ReadingActionCapture.CONNECTOR_NAME, ReadingActionCapture.debeziumConfig(
                    config.host(), platform.postgres().port(), platform.postgres().database(),
                    platform.postgres().username(), platform.postgres().password(), platform.schemaRegistryUrl()));

            KafkaStreams triage = startTriage(platform, config);
            running.push(() -> triage.close(Duration.ofSeconds(30)));
            KafkaStreams prioritization = startPrioritization(platform, config);
            running.push(() -> prioritization.close(Duration.ofSeconds(30)));
            InferenceWorker inference = startInference(platform, config);
            Thread inferenceThread = new Thread(inference, "rtr-inference-worker");
            inferenceThread.start();
            running.push(() -> {
                // The Streams apps only talk to Kafka: they are told to stop here and wind down while
                // the inference worker finishes its round; the two steps after this one wait for them.
                prioritization.close(Duration.ZERO);
                triage.close(Duration.ZERO);
                inference.close();
                inferenceThread.join(TimeUnit.SECONDS.toMillis(30));
            });

            int dicomPort = config.dicomPort() == 0 ? freePort() : config.dicomPort();
            int stowPort = freePort();
            // The front doors stop first, so nothing new is accepted while the stages stop: the HTTP
            // door, then the DICOM ingest connector (its SCP and the STOW-RS endpoint the HTTP door
            // forwards to). Pushed before the connector exists, and a no-op until it does.
            running.push(() -> connect.stopConnector(INGEST_CONNECTOR));
            HttpFrontDoor http = HttpFrontDoor.start(platform, config, connect,
                    Map.of("triage", triage, "prioritization", prioritization),
                    Map.of("inference worker", inferenceThread::isAlive), new StowProxy(config.host(), stowPort));
            running.push(http);

            connect.putConnector(INGEST_CONNECTOR, ingestConfig(platform, config, dicomPort, stowPort, secret));

            log.info("Pipeline started in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new Pipeline(platform, config, running, dicomPort, http);
        } catch (IOException | SQLException | RuntimeException e) {
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new IllegalStateException("Cannot start the pipeline: " + e.getMessage(), e);
            Shutdown.closeAll(running, failure);
            throw failure;
        }
    }

    /**
     * Sends {@code count} synthetic screening studies (orders in the RIS, images over C-STORE to
     * this pipeline's SCP), each with new UIDs.
     *
     * @param reader the radiologist the orders assign, or null to let the assignment rules choose
     */
    public List<SyntheticStudies.Sent> sendSynthetic(int count, String reader) throws IOException, SQLException {
        try (Connection connection = platform.postgres().connect()) {
            return SyntheticStudies.send(count, System.currentTimeMillis(), config.dataDir().resolve("synthetic"),
                    connection, reader, config.host(), dicomPort, config.aeTitle());
        }
    }

    /** The DICOM SCP's port. */
    public int dicomPort() {
        return dicomPort;
    }

    /** The HTTP front door's port. */
    public int httpPort() {
        return http.port();
    }

    /** The endpoints the pipeline adds to the platform's, for printing. */
    public Map<String, String> endpoints(String host, String aeTitle) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("DICOM SCP", aeTitle + "@" + host + ":" + dicomPort + " (C-ECHO, C-STORE)");
        endpoints.put("Worklist page", "http://" + host + ":" + httpPort() + "/");
        endpoints.put("Worklist API", "http://" + host + ":" + httpPort() + "/api/worklists/{radiologist}");
        endpoints.put("STOW-RS", "http://" + host + ":" + httpPort() + "/dicomweb/studies");
        endpoints.put("Health, metrics", "http://" + host + ":" + httpPort() + "/health, /metrics");
        return endpoints;
    }

    /**
     * Stops every stage, even if one fails, in reverse dependency order: the HTTP door and the DICOM
     * ingest connector (nothing new is accepted), the inference worker and the Streams apps, then the
     * Connect worker with the connectors that use Postgres (the Debezium captures and the worklist
     * sink), so the platform under them can stop next without pulling anything from under a user.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = new IllegalStateException("The pipeline did not stop cleanly");
        Shutdown.closeAll(running, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
        log.info("Pipeline stopped");
    }


    /** Worklist tables (Flyway), the demo's radiologists, and the RIS order table. */
    private static void prepareDatabase(Platform platform) throws SQLException {
        Properties credentials = new Properties();
        credentials.setProperty("user", platform.postgres().username());
        credentials.setProperty("password", platform.postgres().password());
        WorklistSchema.migrate(platform.jdbcUrl(), credentials);
        try (Connection connection = platform.postgres().connect()) {
            ClinicRis.createOrdersTable(connection);
            try (PreparedStatement seed = connection.prepareStatement("INSERT INTO radiologist (radiologist_id,"
                    + " display_name, subspecialty) VALUES (?, ?, 'breast') ON CONFLICT DO NOTHING")) {
                for (String radiologist : DEMO_RADIOLOGISTS) {
                    seed.setString(1, radiologist);
                    seed.setString(2, "Dr. " + Character.toUpperCase(radiologist.charAt(3)) + radiologist.substring(4));
                    seed.addBatch();
                }
                seed.executeBatch();
            }
        }
    }

    private static KafkaStreams startTriage(Platform platform, PipelineConfig config) throws IOException {
        Map<String, Object> settings = new HashMap<>();
        settings.put(TriageConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        settings.put(TriageConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        settings.put(TriageConfig.RULES_FILE_CONFIG, demoRules(config.configDir()).toString());
        settings.put(TriageConfig.STREAMS_PREFIX + "state.dir", config.streamsDir().toString());
        TriageConfig triageConfig = new TriageConfig(settings);
        KafkaStreams streams = new KafkaStreams(TriageTopology.build(triageConfig), triageConfig.streamsProperties());
        streams.start();
        return streams;
    }

    private static KafkaStreams startPrioritization(Platform platform, PipelineConfig config) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(PrioritizationConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        settings.put(PrioritizationConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        settings.put(PrioritizationConfig.ON_DUTY_CONFIG, String.join(",", DEMO_RADIOLOGISTS));
        settings.put(PrioritizationConfig.STREAMS_PREFIX + "state.dir", config.streamsDir().toString());
        settings.put(PrioritizationConfig.STREAMS_PREFIX + "commit.interval.ms", "100");
        PrioritizationConfig prioritization = new PrioritizationConfig(settings);
        KafkaStreams streams = new KafkaStreams(PrioritizationTopology.build(prioritization),
                prioritization.streamsProperties());
        streams.start();
        return streams;
    }

    /** The worker with the bundled reference model, extracted under the data folder. */
    private static InferenceWorker startInference(Platform platform, PipelineConfig config) throws IOException {
        Path model = ReferenceModel.extractTo(config.dataDir().resolve("model"));
        Map<String, Object> settings = new HashMap<>();
        settings.put(InferenceWorkerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        settings.put(InferenceWorkerConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        settings.put(InferenceWorkerConfig.MODEL_DIR_CONFIG, model.toString());
        settings.put(InferenceWorkerConfig.BLOB_ROOT_CONFIG, platform.config().blobsDir().toString());
        settings.put(InferenceWorkerConfig.INSTANCE_ID_CONFIG, "standalone");
        return new InferenceWorker(new InferenceWorkerConfig(settings));
    }

    /** The worklist sink connector's configuration against the platform's Postgres and registry. */
    public static Map<String, String> sinkConfig(Platform platform) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.rtr.worklist.sink.WorklistSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics", Topics.WORKLIST.name());
        config.put("connection.url", platform.jdbcUrl());
        config.put("connection.user", platform.postgres().username());
        config.put("connection.password", platform.postgres().password());
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        // Records that can never be written go to a dead-letter topic instead of stopping the sink.
        config.put("errors.tolerance", "all");
        config.put("errors.deadletterqueue.topic.name", Topics.WORKLIST_DLQ.name());
        config.put("errors.deadletterqueue.topic.replication.factor", "1");
        config.put("errors.deadletterqueue.context.headers.enable", "true");
        return config;
    }

    private static Map<String, String> ingestConfig(Platform platform, PipelineConfig config, int dicomPort,
                                                    int stowPort, String secret) {
        Map<String, String> ingest = new HashMap<>();
        ingest.put("connector.class", "io.rtr.ingest.DicomSourceConnector");
        ingest.put("tasks.max", "1");
        ingest.put("dicom.host", config.host());
        ingest.put("dicom.port", Integer.toString(dicomPort));
        ingest.put("dicom.ae.title", config.aeTitle());
        ingest.put("spool.dir", platform.config().spoolDir().toString());
        ingest.put("blob.dir", platform.config().blobsDir().toString());
        ingest.put("patient.pseudonym.secret", secret);
        // The task serves STOW-RS on a loopback port of its own; the front door forwards /dicomweb there.
        ingest.put("stow.host", config.host());
        ingest.put("stow.port", Integer.toString(stowPort));
        ingest.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
        return ingest;
    }

    /**
     * The demo's pseudonymization secret: random on first start, then kept, so a patient keeps
     * the same pseudonym across restarts (and orders keep joining their studies).
     */
    private static String pseudonymSecret(Path configDir) throws IOException {
        Path file = configDir.resolve("pseudonym.secret");
        if (!Files.exists(file)) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(file, HexFormat.of().formatHex(secret));
        }
        return Files.readString(file).strip();
    }

    /** Writes the demo's triage rules next to the data on first start, so they can be edited. */
    private static Path demoRules(Path configDir) throws IOException {
        Path file = configDir.resolve("triage-rules.yaml");
        if (!Files.exists(file)) {
            try (InputStream in = Pipeline.class.getResourceAsStream("/demo/triage-rules.yaml")) {
                if (in == null) {
                    throw new IllegalStateException("missing resource /demo/triage-rules.yaml");
                }
                Files.copy(in, file);
            }
        }
        return file;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }
}
