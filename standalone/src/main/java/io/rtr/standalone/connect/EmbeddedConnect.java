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
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.connector.policy.ConnectorClientConfigOverridePolicy;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.Worker;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.runtime.isolation.LoaderSwap;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.storage.FileOffsetBackingStore;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka Connect worker in standalone mode, in this process: the runtime that runs RTR's
 * connectors in production (herder, worker, converters, transforms, error handling, source
 * offsets in a file under the platform's data folder so a restart resumes where it was).
 *
 * <p>It is assembled the way {@code ConnectStandalone} assembles it, minus the REST server: the
 * platform configures connectors through {@link #putConnector}, and Connect's REST server is
 * built on Jetty 12, which cannot share a classpath with the Jetty 11 that serves the
 * platform's own HTTP port.
 */
public final class EmbeddedConnect implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedConnect.class);
    private static final Duration CONNECTOR_TIMEOUT = Duration.ofSeconds(60);

    private final StandaloneHerder herder;
    private boolean closed;

    private EmbeddedConnect(StandaloneHerder herder) {
        this.herder = herder;
    }

    /**
     * Starts a worker against {@code bootstrapServers}; values pass through as bytes (RTR's
     * connectors write and read Confluent-framed Avro themselves) and keys as strings, unless a
     * connector's own configuration says otherwise.
     *
     * @param dataDir where the worker keeps its source offsets
     */
    public static EmbeddedConnect start(String bootstrapServers, Path dataDir) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Connect data folder " + dataDir, e);
        }
        Map<String, String> workerProps = new HashMap<>();
        workerProps.put("bootstrap.servers", bootstrapServers);
        workerProps.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        workerProps.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
        workerProps.put("offset.storage.file.filename", dataDir.resolve("connect.offsets").toString());
        workerProps.put("offset.flush.interval.ms", "1000");
        // Every plugin RTR runs is on the classpath with a ServiceLoader manifest; scanning the
        // whole classpath by reflection would add seconds to every start.
        workerProps.put("plugin.discovery", "service_load");

        Plugins plugins = new Plugins(workerProps);
        try (LoaderSwap swap = plugins.withClassLoader(plugins.delegatingLoader())) {
            StandaloneConfig config = new StandaloneConfig(workerProps);
            // As ConnectStandalone stores offsets: schemaless JSON in a file.
            FileOffsetBackingStore offsets = new FileOffsetBackingStore(plugins.newInternalConverter(
                    true, JsonConverter.class.getName(), Map.of("schemas.enable", "false")));
            offsets.configure(config);
            ConnectorClientConfigOverridePolicy policy = clientConfigOverridePolicy(config);
            Worker worker = new Worker("rtr-standalone", Time.SYSTEM, plugins, config, offsets, policy);
            StandaloneHerder herder = new StandaloneHerder(worker, config.kafkaClusterId(), policy);
            herder.start();
            log.info("Kafka Connect worker started in {} ms",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new EmbeddedConnect(herder);
        }
    }

    private static ConnectorClientConfigOverridePolicy clientConfigOverridePolicy(StandaloneConfig config) {
        String name = config.getString(WorkerConfig.CONNECTOR_CLIENT_POLICY_CLASS_CONFIG);
        try {
            ConnectorClientConfigOverridePolicy policy =
                    Utils.newInstance(name, ConnectorClientConfigOverridePolicy.class);
            policy.configure(config.originalsStrings());
            return policy;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Connect's client config override policy " + name + " is not on the classpath", e);
        }
    }

    /** Creates or replaces connector {@code name} and waits until it and its tasks are RUNNING. */
    public void putConnector(String name, Map<String, String> config) {
        Map<String, String> withName = new HashMap<>(config);
        withName.put("name", name);
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        herder.putConnectorConfig(name, withName, true, created);
        await(created, "create connector " + name);
        long deadline = System.nanoTime() + CONNECTOR_TIMEOUT.toNanos();
        while (true) {
            ConnectorStateInfo state = herder.connectorStatus(name);
            if (running(state)) {
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
                // Status changes are not observable as events through the herder API: poll.
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while starting connector " + name, e);
            }
        }
    }

    /** Stops and removes connector {@code name}; its tasks are stopped the way the worker stops them. */
    public void deleteConnector(String name) {
        FutureCallback<Herder.Created<ConnectorInfo>> deleted = new FutureCallback<>();
        herder.deleteConnectorConfig(name, deleted);
        await(deleted, "delete connector " + name);
    }

    /**
     * Stops connector {@code name} and waits until its tasks have stopped, keeping its configuration;
     * does nothing when there is no such connector.
     */
    public void stopConnector(String name) {
        if (!herder.connectors().contains(name)) {
            return;
        }
        FutureCallback<Void> stopped = new FutureCallback<>();
        herder.stopConnector(name, stopped);
        await(stopped, "stop connector " + name);
        log.info("Connector {} stopped", name);
    }

    /** Each connector's state: "UP" when it and all its tasks run, else what they are. */
    public Map<String, String> health() {
        Map<String, String> health = new HashMap<>();
        for (String connector : herder.connectors()) {
            ConnectorStateInfo state = herder.connectorStatus(connector);
            health.put(connector, running(state) ? "UP" : state.connector().state() + " "
                    + state.tasks().stream().map(ConnectorStateInfo.TaskState::state).toList());
        }
        return health;
    }

    /** Stops every connector and the worker. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        herder.stop();
        log.info("Kafka Connect worker stopped");
    }

    private static boolean running(ConnectorStateInfo state) {
        return "RUNNING".equals(state.connector().state()) && !state.tasks().isEmpty()
                && state.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()));
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
