package io.rtr.standalone.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka Connect worker in standalone mode, in this process: the same runtime that runs
 * RTR's connectors in production (herder, worker, converters, offset storage, REST API), with its
 * source offsets in a file under the platform's data folder so a restart resumes where it was.
 */
public final class EmbeddedConnect implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedConnect.class);
    private static final Duration CONNECTOR_TIMEOUT = Duration.ofSeconds(60);

    private final Connect<StandaloneHerder> connect;
    private boolean closed;

    private EmbeddedConnect(Connect<StandaloneHerder> connect) {
        this.connect = connect;
    }

    /**
     * Starts a worker against {@code bootstrapServers}; values pass through as bytes (RTR's
     * connectors write and read Confluent-framed Avro themselves) and keys as strings.
     *
     * @param dataDir where the worker keeps its source offsets
     * @param host the interface of the worker's REST API
     * @param restPort the REST API port, 0 for a free one
     */
    public static EmbeddedConnect start(String bootstrapServers, Path dataDir, String host, int restPort) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Connect data folder " + dataDir, e);
        }
        Map<String, String> worker = new HashMap<>();
        worker.put("bootstrap.servers", bootstrapServers);
        worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        worker.put("offset.storage.file.filename", dataDir.resolve("connect.offsets").toString());
        worker.put("offset.flush.interval.ms", "1000");
        worker.put("listeners", "http://" + host + ":" + restPort);
        // Every plugin RTR runs is on the classpath with a ServiceLoader manifest; scanning the
        // whole classpath by reflection would add seconds to every start.
        worker.put("plugin.discovery", "service_load");
        Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(worker);
        log.info("Kafka Connect worker started at {} in {} ms", connect.rest().serverUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return new EmbeddedConnect(connect);
    }

    /** Creates or replaces connector {@code name} and waits until it and its tasks are RUNNING. */
    public void putConnector(String name, Map<String, String> config) {
        Map<String, String> withName = new HashMap<>(config);
        withName.put("name", name);
        FutureCallback<Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> created =
                new FutureCallback<>();
        herder().putConnectorConfig(name, withName, true, created);
        await(created, "create connector " + name);
        long deadline = System.nanoTime() + CONNECTOR_TIMEOUT.toNanos();
        while (true) {
            ConnectorStateInfo state = herder().connectorStatus(name);
            boolean running = "RUNNING".equals(state.connector().state()) && !state.tasks().isEmpty()
                    && state.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()));
            if (running) {
                log.info("Connector {} is running with {} task(s)", name, state.tasks().size());
                return;
            }
            String failure = failure(state);
            if (failure != null) {
                throw new IllegalStateException("Connector " + name + " failed: " + failure);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Connector " + name + " not running after "
                        + CONNECTOR_TIMEOUT.toSeconds() + " s: connector " + state.connector().state()
                        + ", tasks " + state.tasks().stream().map(ConnectorStateInfo.TaskState::state).toList());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while starting connector " + name, e);
            }
        }
    }

    /** Stops and removes connector {@code name}; its tasks are stopped the way the worker stops them. */
    public void deleteConnector(String name) {
        FutureCallback<Herder.Created<org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo>> deleted =
                new FutureCallback<>();
        herder().deleteConnectorConfig(name, deleted);
        await(deleted, "delete connector " + name);
    }

    /** The worker's REST API, e.g. {@code http://127.0.0.1:8083/}. */
    public String restUrl() {
        return connect.rest().serverUrl().toString();
    }

    /** The herder, for status queries. */
    public StandaloneHerder herder() {
        return connect.herder();
    }

    /** Stops every connector and the worker. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        connect.stop();
        connect.awaitStop();
        log.info("Kafka Connect worker stopped");
    }

    private static String failure(ConnectorStateInfo state) {
        if ("FAILED".equals(state.connector().state())) {
            return state.connector().trace();
        }
        return state.tasks().stream().filter(t -> "FAILED".equals(t.state()))
                .map(t -> "task " + t.id() + ": " + t.trace()).findFirst().orElse(null);
    }

    private static <T> T await(FutureCallback<T> callback, String what) {
        try {
            return callback.get(CONNECTOR_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted: " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Cannot " + what + " within " + CONNECTOR_TIMEOUT.toSeconds() + " s", e);
        }
    }
}
