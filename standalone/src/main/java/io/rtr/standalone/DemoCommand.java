package io.rtr.standalone;

import io.rtr.standalone.postgres.EmbeddedPostgres;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code rtr demo}: starts the embedded platform, prints its endpoints and runs until interrupted. */
final class DemoCommand implements CliCommand {

    static final String DATA_DIR = "--data-dir";
    static final String KAFKA_PORT = "--kafka-port";
    static final String CONTROLLER_PORT = "--controller-port";
    static final String REGISTRY_PORT = "--registry-port";
    static final String POSTGRES_PORT = "--postgres-port";

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "start Kafka, the schema registry and Postgres in this process and run until Ctrl-C";
    }

    @Override
    public Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(DATA_DIR, "DIR");
        flags.put(KAFKA_PORT, "N");
        flags.put(CONTROLLER_PORT, "N");
        flags.put(REGISTRY_PORT, "N");
        flags.put(POSTGRES_PORT, "N");
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

    @Override
    public int run(CliArguments arguments, PrintStream out) throws UsageException {
        PlatformConfig config = config(arguments);
        Platform platform = Platform.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                platform.close();
            } finally {
                stopped.countDown();
            }
        }, "rtr-shutdown"));
        out.print(endpoints(platform));
        out.println("Press Ctrl-C to stop.");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            platform.close();
        }
        return 0;
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
