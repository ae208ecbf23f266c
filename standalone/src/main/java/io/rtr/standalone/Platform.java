package io.rtr.standalone;

import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.RestSchemaRegistryClient;
import io.rtr.standalone.kafka.EmbeddedKafka;
import io.rtr.standalone.postgres.EmbeddedPostgres;
import io.rtr.standalone.registry.EmbeddedSchemaRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The infrastructure of the pipeline in one process: a Kafka broker, a schema registry kept in
 * Kafka, and Postgres, with their data under one folder ({@link PlatformConfig}). Started in that
 * order (each depends on the one before), stopped in reverse. Postgres, a process of its own, is
 * also stopped if the JVM exits without {@link #close()}, unless the owner takes that over with
 * {@link EmbeddedPostgres#stopOnlyOnClose()} to stop it after the components that use it.
 */
public final class Platform implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Platform.class);

    private final PlatformConfig config;
    private final EmbeddedKafka kafka;
    private final EmbeddedSchemaRegistry schemaRegistry;
    private final EmbeddedPostgres postgres;
    private boolean closed;

    private Platform(PlatformConfig config, EmbeddedKafka kafka, EmbeddedSchemaRegistry schemaRegistry,
                     EmbeddedPostgres postgres) {
        this.config = config;
        this.kafka = kafka;
        this.schemaRegistry = schemaRegistry;
        this.postgres = postgres;
    }

    /**
     * Starts the broker (and creates the pipeline topics), then the registry (and registers the
     * events' schemas), then Postgres.
     */
    public static Platform start(PlatformConfig config) {
        return start(config, Topics.ALL);
    }

    /** As {@link #start(PlatformConfig)}, creating {@code topics} instead of the pipeline's. */
    public static Platform start(PlatformConfig config, List<Topic<?, ?>> topics) {
        long started = System.nanoTime();
        requireFreePorts(config);
        createFolders(config);
        Deque<AutoCloseable> running = new ArrayDeque<>();
        try {
            EmbeddedKafka kafka = EmbeddedKafka.builder(config.kafkaDir())
                    .host(config.host())
                    .port(config.kafkaPort())
                    .controllerPort(config.kafkaControllerPort())
                    .start();
            running.push(kafka);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()))) {
                PipelineTopics.createMissing(admin, topics);
            }
            EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers())
                    .host(config.host())
                    .port(config.registryPort())
                    .start();
            running.push(registry);
            Map<String, Integer> ids = EventSchemas.register(new RestSchemaRegistryClient(registry.url()), topics);
            log.info("Event schemas registered: {}", ids);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder(config.postgresDir())
                    .host(config.host())
                    .port(config.postgresPort())
                    .start();
            running.push(postgres);
            log.info("Platform started in {} ms (data {})",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), config.dataDir().toAbsolutePath());
            return new Platform(config, kafka, registry, postgres);
        } catch (RuntimeException e) {
            log.error("Platform failed to start; stopping what was started", e);
            Shutdown.closeAll(running, e);
            throw e;
        }
    }

    /** The configuration it was started with (ports as asked, 0 included). */
    public PlatformConfig config() {
        return config;
    }

    /** The Kafka broker. */
    public EmbeddedKafka kafka() {
        return kafka;
    }

    /** The schema registry. */
    public EmbeddedSchemaRegistry schemaRegistry() {
        return schemaRegistry;
    }

    /** The Postgres server. */
    public EmbeddedPostgres postgres() {
        return postgres;
    }

    /** Shortcut for {@code kafka().bootstrapServers()}. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Shortcut for {@code schemaRegistry().url()}. */
    public String schemaRegistryUrl() {
        return schemaRegistry.url();
    }

    /** Shortcut for {@code postgres().jdbcUrl()}. */
    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    /** Stops Postgres, the registry and the broker, in that order, even if one of them fails. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Deque<AutoCloseable> running = new ArrayDeque<>();
        running.push(kafka);
        running.push(schemaRegistry);
        running.push(postgres);
        RuntimeException failure = new IllegalStateException("Platform did not stop cleanly");
        Shutdown.closeAll(running, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
        log.info("Platform stopped");
    }

    /** Fails before anything starts, with the port named, rather than halfway through with a bind error. */
    private static void requireFreePorts(PlatformConfig config) {
        requireFree(config.host(), config.kafkaPort(), "Kafka port");
        requireFree(config.host(), config.kafkaControllerPort(), "Kafka controller port");
        requireFree(config.host(), config.registryPort(), "Schema registry port");
        requireFree(config.host(), config.postgresPort(), "Postgres port");
    }

    private static void requireFree(String host, int port, String what) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException(what + " " + port + " on " + host
                    + " is already in use (" + e.getMessage() + "); stop what uses it or choose another port");
        }
    }

    private static void createFolders(PlatformConfig config) {
        try {
            for (var dir : List.of(config.kafkaDir(), config.blobsDir(), config.spoolDir())) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data folders under " + config.dataDir(), e);
        }
    }
}
