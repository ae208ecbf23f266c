package io.rtr.standalone;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where the embedded platform keeps its data and which ports it listens on.
 *
 * <p>Every component gets a folder of its own under {@code dataDir}: {@code kafka}, {@code postgres},
 * {@code blobs} and {@code spool}. A port of 0 means "any free port", which tests use.
 *
 * @param dataDir             root folder of all data, kept across restarts
 * @param host                address every listener binds to and advertises
 * @param kafkaPort           Kafka bootstrap (broker) port
 * @param kafkaControllerPort Kafka KRaft controller port
 * @param registryPort        schema registry HTTP port
 * @param postgresPort        Postgres port
 */
public record PlatformConfig(Path dataDir, String host, int kafkaPort, int kafkaControllerPort, int registryPort,
                             int postgresPort) {

    /** Default data folder, relative to the working directory. */
    public static final Path DEFAULT_DATA_DIR = Path.of("rtr-data");
    /** Default listen address. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** Default Kafka bootstrap port. */
    public static final int DEFAULT_KAFKA_PORT = 9092;
    /** Default Kafka controller port. */
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
    /** Default schema registry port. */
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    /** Default Postgres port. */
    public static final int DEFAULT_POSTGRES_PORT = 5433;

    /** Validates the ports (0-65535, no fixed port used twice) and the data folder. */
    public PlatformConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        Map<Integer, String> taken = new HashMap<>();
        checkPort(taken, kafkaPort, "kafkaPort");
        checkPort(taken, kafkaControllerPort, "kafkaControllerPort");
        checkPort(taken, registryPort, "registryPort");
        checkPort(taken, postgresPort, "postgresPort");
    }

    /**
     * The demo's defaults: {@code ./rtr-data}, 127.0.0.1, Kafka 9092 (controller 9093),
     * registry 8081, Postgres 5433.
     */
    public static PlatformConfig defaults() {
        return new PlatformConfig(DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_KAFKA_PORT, DEFAULT_KAFKA_CONTROLLER_PORT,
                DEFAULT_REGISTRY_PORT, DEFAULT_POSTGRES_PORT);
    }

    /** Data under {@code dataDir}, every port chosen free at start. */
    public static PlatformConfig forTests(Path dataDir) {
        return new PlatformConfig(dataDir, DEFAULT_HOST, 0, 0, 0, 0);
    }

    /** This configuration with another data folder. */
    public PlatformConfig withDataDir(Path newDataDir) {
        return new PlatformConfig(newDataDir, host, kafkaPort, kafkaControllerPort, registryPort, postgresPort);
    }

    /** This configuration with another Kafka bootstrap port. */
    public PlatformConfig withKafkaPort(int port) {
        return new PlatformConfig(dataDir, host, port, kafkaControllerPort, registryPort, postgresPort);
    }

    /** This configuration with another Kafka controller port. */
    public PlatformConfig withKafkaControllerPort(int port) {
        return new PlatformConfig(dataDir, host, kafkaPort, port, registryPort, postgresPort);
    }

    /** This configuration with another schema registry port. */
    public PlatformConfig withRegistryPort(int port) {
        return new PlatformConfig(dataDir, host, kafkaPort, kafkaControllerPort, port, postgresPort);
    }

    /** This configuration with another Postgres port. */
    public PlatformConfig withPostgresPort(int port) {
        return new PlatformConfig(dataDir, host, kafkaPort, kafkaControllerPort, registryPort, port);
    }

    /** Kafka's log directory. */
    public Path kafkaDir() {
        return dataDir.resolve("kafka");
    }

    /** Postgres' data directory. */
    public Path postgresDir() {
        return dataDir.resolve("postgres");
    }

    /** The blob store (pixel data, claim check). */
    public Path blobsDir() {
        return dataDir.resolve("blobs");
    }

    /** The ingest spool (instances received but not yet acknowledged by Kafka). */
    public Path spoolDir() {
        return dataDir.resolve("spool");
    }

    private static void checkPort(Map<Integer, String> taken, int port, String name) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be between 0 and 65535, got " + port);
        }
        if (port != 0) {
            String other = taken.putIfAbsent(port, name);
            if (other != null) {
                throw new IllegalArgumentException(name + " and " + other + " are both " + port);
            }
        }
    }
}
