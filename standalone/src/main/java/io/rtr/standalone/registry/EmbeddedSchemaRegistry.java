package io.rtr.standalone.registry;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A schema registry serving the Confluent Schema Registry REST subset that RTR uses (register,
 * lookup, fetch by id and version, compatibility checks and levels), for Avro schemas, over the
 * JDK's HTTP server. Its state lives in a compacted Kafka topic ({@code _schemas} by default), read
 * to the end on start, so schema ids survive restarts as they do with the real registry.
 *
 * <p>One registry per topic: it is the topic's only writer.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /** Default HTTP port. */
    public static final int DEFAULT_PORT = 8081;
    /** Default topic holding the registry's state. */
    public static final String DEFAULT_TOPIC = "_schemas";
    /** Default listen address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final SchemaLog schemaLog;
    private final String host;
    private boolean closed;

    private EmbeddedSchemaRegistry(HttpServer server, ThreadPoolExecutor executor, SchemaLog schemaLog,
                                   String host) {
        this.server = server;
        this.executor = executor;
        this.schemaLog = schemaLog;
        this.host = host;
    }

    /** Starts building a registry that keeps its state on the Kafka cluster at {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8081}, without a trailing slash. */
    public String url() {
        return "http://" + host + ":" + port();
    }

    /** The port it listens on (the actual one when 0 was asked for). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving, waits for requests in progress, and closes the Kafka producer. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Schema registry requests still running after 10 s; abandoning them");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        } finally {
            schemaLog.close();
        }
        log.info("Schema registry stopped");
    }

    /** Configures and starts an {@link EmbeddedSchemaRegistry}. */
    public static final class Builder {
        private final String bootstrapServers;
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String topic = DEFAULT_TOPIC;
        private int threads = 4;
        private Duration kafkaTimeout = Duration.ofSeconds(30);

        private Builder(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        }

        /** The address to listen on. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The HTTP port; 0 picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** The topic holding the registry's state; created (compacted, one partition) if missing. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** Request threads; further requests queue (up to 256) and then run on the accepting thread. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** How long a Kafka read or write may take before the registry gives up. */
        public Builder kafkaTimeout(Duration kafkaTimeout) {
            this.kafkaTimeout = Objects.requireNonNull(kafkaTimeout, "kafkaTimeout");
            return this;
        }

        /** Reads the topic to its end, then starts serving. */
        public EmbeddedSchemaRegistry start() {
            long started = System.nanoTime();
            SchemaLog schemaLog = new KafkaSchemaLog(bootstrapServers, topic, kafkaTimeout);
            ThreadPoolExecutor executor = null;
            try {
                RegistryService service = new RegistryService(schemaLog);
                HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
                executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(256), new NamedThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
                server.setExecutor(executor);
                server.createContext("/", new RegistryHttpHandler(service));
                server.start();
                EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(server, executor, schemaLog, host);
                log.info("Schema registry started at {} (topic {}, {} subjects) in {} ms", registry.url(), topic,
                        service.subjects().size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                return registry;
            } catch (IOException e) {
                cleanUp(schemaLog, executor);
                throw new UncheckedIOException("Cannot listen on " + host + ":" + port + " for the schema registry", e);
            } catch (RuntimeException e) {
                cleanUp(schemaLog, executor);
                throw e;
            }
        }

        private static void cleanUp(SchemaLog schemaLog, ThreadPoolExecutor executor) {
            if (executor != null) {
                executor.shutdownNow();
            }
            schemaLog.close();
        }
    }

    private static final class NamedThreads implements ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable runnable) {
            Thread thread = new Thread(runnable, "rtr-registry-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
