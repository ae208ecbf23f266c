package io.rtr.standalone;

import io.rtr.standalone.pipeline.Pipeline;
import io.rtr.standalone.pipeline.PipelineConfig;
import io.rtr.standalone.postgres.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code rtr demo}: starts the embedded platform, prints its endpoints and runs until interrupted. */
final class DemoCommand implements CliCommand {

    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    /**
     * Longer than the stages' own bounds (30 s for the Streams apps and the inference worker's
     * thread, 5 s per Connect task), short enough that Ctrl-C ends the demo within about a minute.
     */
    static final Duration PIPELINE_STOP_BOUND = Duration.ofSeconds(60);

    static final String DATA_DIR = "--data-dir";
    static final String KAFKA_PORT = "--kafka-port";
    static final String CONTROLLER_PORT = "--controller-port";
    static final String REGISTRY_PORT = "--registry-port";
    static final String POSTGRES_PORT = "--postgres-port";
    static final String DICOM_PORT = "--dicom-port";
    static final String HTTP_PORT = "--http-port";
    static final String SYNTHETIC = "--synthetic";
    static final String API_POOL_SIZE = "--api-pool-size";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "run the whole pipeline on embedded Kafka, schema registry and Postgres until Ctrl-C";
    }

    @Override
    public Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(DATA_DIR, "DIR");
        flags.put(KAFKA_PORT, "N");
        flags.put(CONTROLLER_PORT, "N");
        flags.put(REGISTRY_PORT, "N");
        flags.put(POSTGRES_PORT, "N");
        flags.put(DICOM_PORT, "N");
        flags.put(HTTP_PORT, "N");
        flags.put(SYNTHETIC, "N");
        flags.put(API_POOL_SIZE, "N");
        return flags;
    }

    /** The platform configuration the flags describe, on top of the defaults. */
    static PlatformConfig config(CliArguments arguments) throws UsageException {
        PlatformConfig config = PlatformConfig.defaults();
        config = config.withDataDir(arguments.path(DATA_DIR).orElse(config.dataDir()));
        try {
            config = config.withKafkaPort(arguments.port(KAFKA_PORT).orElse(config.kafkaPort()))
                    .withKafkaControllerPort(arguments.port(CONTROLLER_PORT).orElse(config.kafkaControllerPort()))
                    .withRegistryPort(arguments.port(REGISTRY_PORT).orElse(config.registryPort()))
                    .withPostgresPort(arguments.port(POSTGRES_PORT).orElse(config.postgresPort()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return config;
    }

    /** The pipeline configuration the flags describe, on top of the demo's defaults. */
    static PipelineConfig pipelineConfig(CliArguments arguments, PlatformConfig platform) throws UsageException {
        PipelineConfig defaults = PipelineConfig.defaults(platform.dataDir(), platform.host());
        int synthetic = defaults.synthetic();
        String count = arguments.string(SYNTHETIC).orElse(null);
        if (count != null) {
            try {
                synthetic = Integer.parseInt(count.trim());
            } catch (NumberFormatException e) {
                synthetic = -1;
            }
            if (synthetic < 0) {
                throw new UsageException("flag " + SYNTHETIC + " needs a number of studies (0 or more), got '"
                        + count + "'");
            }
        }
        int poolSize = defaults.apiPoolSize();
        String size = arguments.string(API_POOL_SIZE).orElse(null);
        if (size != null) {
            try {
                poolSize = Integer.parseInt(size.trim());
            } catch (NumberFormatException e) {
                poolSize = -1;
            }
            if (poolSize < 1 || poolSize > 1000) {
                throw new UsageException("flag " + API_POOL_SIZE + " needs a number of connections (1 to 1000), got '"
                        + size + "'");
            }
        }
        return new PipelineConfig(defaults.dataDir(), defaults.host(),
                arguments.port(DICOM_PORT).orElse(defaults.dicomPort()), defaults.aeTitle(),
                arguments.port(HTTP_PORT).orElse(defaults.httpPort()), synthetic, poolSize);
    }

    @Override
    public int run(CliArguments arguments, PrintStream out) throws UsageException {
        PlatformConfig config = config(arguments);
        PipelineConfig pipelineConfig = pipelineConfig(arguments, config);
        Platform platform = Platform.start(config);
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(platform, pipelineConfig);
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
        CountDownLatch stopped = stopAtExit(pipeline, platform, PIPELINE_STOP_BOUND);
        out.print(endpoints(platform));
        pipeline.endpoints(config.host(), pipelineConfig.aeTitle())
                .forEach((what, where) -> out.printf("  %-18s %s%n", what, where));
        if (pipelineConfig.synthetic() > 0) {
            out.printf("Sending %d synthetic screening studies over C-STORE (every other one with a lesion)...%n",
                    pipelineConfig.synthetic());
            out.flush();
            try {
                pipeline.sendSynthetic(pipelineConfig.synthetic(), null);
                out.printf("Sent; they appear on http://%s:%d/worklist/%s within seconds.%n", config.host(),
                        pipeline.httpPort(), Pipeline.DEMO_RADIOLOGISTS.get(0));
            } catch (IOException | SQLException e) {
                // The platform keeps running: the demo's own studies are a convenience, not a dependency.
                out.println("Could not send the synthetic studies: " + e.getMessage());
            }
        }
        out.println("Press Ctrl-C to stop.");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(pipeline, platform, PIPELINE_STOP_BOUND);
        }
        return 0;
    }

    /**
     * Registers the one shutdown hook that stops {@code pipeline} and then {@code platform} when the
     * JVM exits (Ctrl-C, SIGTERM); the latch opens when it is done. Postgres' own exit hook is
     * removed: the JVM would run it at the same time as this one, and it stopped the database under
     * the Debezium connectors, the worklist sink and the worklist API while they were stopping.
     *
     * @param pipelineBound how long the pipeline may take to stop before the platform is stopped
     *                      anyway: a stage that hangs must not keep the JVM, Kafka and Postgres running
     */
    static CountDownLatch stopAtExit(AutoCloseable pipeline, Platform platform, Duration pipelineBound) {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop(pipeline, platform, pipelineBound);
            stopped.countDown();
        }, "rtr-shutdown"));
        platform.postgres().stopOnlyOnClose();
        return stopped;
    }

    /** Stops the pipeline, then the platform under it, even if the pipeline fails or hangs. */
    private static void stop(AutoCloseable pipeline, Platform platform, Duration pipelineBound) {
        Deque<AutoCloseable> running = new ArrayDeque<>();
        running.push(platform);
        running.push(() -> Shutdown.closeWithin(pipeline, pipelineBound, "pipeline"));
        Exception failure = new IllegalStateException("rtr demo did not stop cleanly");
        Shutdown.closeAll(running, failure);
        if (failure.getSuppressed().length > 0) {
            log.error("rtr demo did not stop cleanly; a component named below may have left a port or a"
                    + " process behind (a Postgres process is stopped with pg_ctl stop -D DATA/postgres)", failure);
        }
    }

    /** The endpoints table printed once everything is up. */
    static String endpoints(Platform platform) {
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("Kafka bootstrap", platform.bootstrapServers());
        rows.put("Schema registry", platform.schemaRegistryUrl());
        rows.put("Postgres JDBC URL", platform.jdbcUrl());
        EmbeddedPostgres postgres = platform.postgres();
        rows.put("Postgres user", postgres.username() + " (password " + postgres.password() + ")");
        rows.put("Data", platform.config().dataDir().toAbsolutePath().normalize().toString());
        StringBuilder table = new StringBuilder("RTR platform is up\n");
        rows.forEach((what, where) -> table.append(String.format("  %-18s %s%n", what, where)));
        return table.toString();
    }
}
