package io.rtr.triage;

import io.rtr.schemas.RequiredTopics;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the triage Streams app: rtr.instances and rtr.clinic.orders in, rtr.studies,
 * rtr.instances.rejected and rtr.triage.dlq out, exactly once.
 *
 * <p>Run it with an optional properties file (keys: {@link TriageConfig}; Kafka Streams settings
 * with the {@code streams.} prefix), e.g.
 * <pre>
 * mvn -q -pl triage-streams -am install -DskipTests
 * mvn -q -pl triage-streams dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "triage-streams/target/classes:$(cat triage-streams/target/cp.txt)" io.rtr.triage.TriageApp triage.properties
 * </pre>
 * Without a file it uses Kafka on 127.0.0.1:9092, the registry on
 * 127.0.0.1:8081 and the built-in screening-mammography rules. The input and output topics must
 * exist ({@code io.rtr.schemas.Topics#ALL}; the brokers create none on first use): it exits with
 * status 1, naming the missing ones, when they do not. Stop it with Ctrl-C (SIGTERM), which closes
 * it cleanly; it exits with status 1 when Kafka Streams stops on an error.
 */
public final class TriageApp {

    private static final Logger log = LoggerFactory.getLogger(TriageApp.class);

    private TriageApp() {
    }

    /** Starts the app and blocks until the JVM is asked to stop. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Properties props = new Properties();
        if (args.length > 0) {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                props.load(in);
            }
        }
        TriageConfig config = new TriageConfig(props);
        log.info("Triage rules in force: {}", config.rules().ruleIds());
        Topology topology = TriageTopology.build(config);
        log.debug("Triage topology:\n{}", topology.describe());

        try {
            // The brokers create no topic on first use: without this, a missing input would leave the
            // app idle and a missing output would block its producer, with only client WARN lines.
            ExternalTopics.requireExisting(topology, config.streamsProperties(), "the triage app");
        } catch (RequiredTopics.MissingTopicsException e) {
            log.error(e.getMessage());
            System.exit(1);
        }
        KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties());
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        streams.setStateListener((newState, oldState) -> {
            // Without this a Streams client that died on an error would leave main waiting forever.
            if (newState == KafkaStreams.State.ERROR) {
                log.error("Kafka Streams stopped on an error (see above); the triage app exits so a supervisor "
                        + "can restart it");
                failed.set(true);
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping the triage app");
            streams.close();
            stopped.countDown();
        }, "rtr-triage-shutdown"));
        streams.start();
        log.info("Triage app started as {}", config.streamsProperties().get(StreamsConfig.APPLICATION_ID_CONFIG));
        stopped.await();
        if (failed.get()) {
            streams.close();
            System.exit(1);
        }
    }
}
