package io.rtr.standalone.kafka;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka 4 cluster (KRaft broker and controller in one process) running inside this JVM.
 *
 * <p>The log directory is formatted on first start and reused afterwards, so topics and records
 * survive a restart on the same directory. Topics are never created on first use
 * ({@code auto.create.topics.enable=false}): whoever needs one creates it with an admin client. The quorum is static ({@code controller.quorum.voters}),
 * which lets the ports change between restarts: a test may start on free ports each time.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** Default broker (client) port. */
    public static final int DEFAULT_PORT = 9092;
    /** Default controller (KRaft quorum) port. */
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    /** Default listen address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafka(Path dataDir, String host, int port, int controllerPort, String clusterId,
                          KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.host = host;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.server = server;
    }

    /** Starts building a broker whose log directory is {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    /** The port clients connect to (the actual one when 0 was asked for). */
    public int port() {
        return port;
    }

    /** The port of the KRaft controller listener. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The log directory (data and metadata log). */
    public Path dataDir() {
        return dataDir;
    }

    /** The cluster id written when the directory was formatted. */
    public String clusterId() {
        return clusterId;
    }

    /** Stops the broker and controller and waits until they are down. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        log.info("Kafka stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Configures and starts an {@link EmbeddedKafka}. */
    public static final class Builder {
        private final Path dataDir;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int controllerPort = DEFAULT_CONTROLLER_PORT;
        private final Map<String, String> overrides = new HashMap<>();

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** The address both listeners bind to and the broker advertises. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The broker port; 0 picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** The controller port; 0 picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** Any broker property, applied last (e.g. {@code log.retention.ms}). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * Formats the directory if it has never been formatted, starts the node and returns once a
         * client can reach it.
         */
        public EmbeddedKafka start() {
            long started = System.nanoTime();
            Path dir = dataDir.toAbsolutePath().normalize();
            int brokerPort = port == 0 ? freePort(host) : port;
            int quorumPort = controllerPort == 0 ? freePort(host) : controllerPort;
            if (brokerPort == quorumPort) {
                throw new IllegalArgumentException("Kafka port and controller port are both " + brokerPort);
            }
            KafkaConfig config = new KafkaConfig(serverProperties(dir, brokerPort, quorumPort), false);
            String clusterId = formatIfNeeded(dir, config);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                server.startup();
                awaitReady(host + ":" + brokerPort);
            } catch (RuntimeException e) {
                server.shutdown();
                server.awaitShutdown();
                throw e;
            }
            EmbeddedKafka kafka = new EmbeddedKafka(dir, host, brokerPort, quorumPort, clusterId, server);
            log.info("Kafka started at {} (controller port {}, data {}) in {} ms", kafka.bootstrapServers(),
                    quorumPort, dir, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return kafka;
        }

        private Map<String, Object> serverProperties(Path dir, int brokerPort, int quorumPort) {
            Map<String, Object> props = new HashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", Integer.toString(NODE_ID));
            props.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + quorumPort);
            props.put("listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + host + ":" + quorumPort);
            props.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort);
            props.put("listener.security.protocol.map",
                    BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("inter.broker.listener.name", BROKER_LISTENER);
            props.put("log.dirs", dir.toString());
            props.put("metadata.log.dir", dir.toString());
            // One node: every internal topic must be satisfiable by a single replica.
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "5");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "5");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("default.replication.factor", "1");
            props.put("min.insync.replicas", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            // Every topic is created on purpose, with its partitions and cleanup policy (Platform,
            // PipelineTopics). A broker that creates topics on first use turns a typo, or a client
            // started before the topics were made, into a silent 1-partition topic with the
            // default cleanup policy: wrong for the study-keyed and compacted topics, and hard to spot.
            props.put("auto.create.topics.enable", "false");
            // Small enough for a laptop and for compaction of the registry topic to kick in.
            props.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
            props.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
            props.put("num.network.threads", "2");
            props.put("num.io.threads", "4");
            props.putAll(overrides);
            return props;
        }
    }

    /**
     * Formats {@code dir} unless it already holds a {@code meta.properties}: reformatting would
     * throw away the cluster's metadata and with it every topic.
     */
    private static String formatIfNeeded(Path dir, KafkaConfig config) {
        Path meta = dir.resolve(META_PROPERTIES);
        try {
            if (Files.exists(meta)) {
                Properties props = new Properties();
                try (InputStream in = Files.newInputStream(meta)) {
                    props.load(in);
                }
                String clusterId = props.getProperty("cluster.id");
                if (clusterId == null) {
                    throw new IllegalStateException(meta + " has no cluster.id: not a KRaft log directory");
                }
                return clusterId;
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare Kafka log directory " + dir, e);
        }
        String clusterId = Uuid.randomUuid().toString();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(printStream)
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .addDirectory(dir.toString())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka log directory " + dir + ": "
                    + output.toString(StandardCharsets.UTF_8).trim(), e);
        }
        log.debug("Formatted {} for cluster {}", dir, clusterId);
        return clusterId;
    }

    /** The broker answers startup() once registered, but we only trust a client round trip. */
    private static void awaitReady(String bootstrapServers) {
        Map<String, Object> props = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka at " + bootstrapServers, e);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not become ready", e);
        }
    }

    private static int checkPort(int port, String name) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be between 0 and 65535, got " + port);
        }
        return port;
    }

    /**
     * KRaft needs the controller port in its configuration before it binds, so port 0 cannot be
     * passed through: we take a free one from the OS. Another process could grab it in between;
     * that race is acceptable for tests and demos.
     */
    static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + host, e);
        }
    }
}
