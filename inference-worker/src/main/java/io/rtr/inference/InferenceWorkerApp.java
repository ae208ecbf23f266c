package io.rtr.inference;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.LoggerFactory;

/**
 * Runs one inference worker until it is stopped (Ctrl-C / SIGTERM: the uncommitted round is
 * dropped and read again later, nothing is lost or scored twice).
 *
 * <p>Settings come from an optional properties file (first argument) overridden by
 * {@code key=value} arguments; see {@link InferenceWorkerConfig} for the keys. Build, then run:
 *
 * <pre>
 * ./mvnw -q -pl inference-worker -am install -DskipTests
 * ./mvnw -q -pl inference-worker exec:java -Dexec.mainClass=io.rtr.inference.InferenceWorkerApp \
 *     -Dexec.args="bootstrap.servers=127.0.0.1:9092 schema.registry.url=http://127.0.0.1:8081"
 * </pre>
 *
 * With no {@code model.dir} it scores with the bundled reference model (synthetic phantoms only,
 * not a medical device). Add {@code -Pgpu} to the build for TensorFlow's CUDA build and
 * {@code tf.device=gpu} to insist on a GPU; the log names the device the model runs on. Start more
 * workers with the same {@code group.id} and distinct {@code worker.instance.id} to scale out.
 */
public final class InferenceWorkerApp {

    private InferenceWorkerApp() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        // Before the first logger exists: logback reads this property once, when it starts.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "rtr-inference-logback.xml");
        }
        Map<String, Object> props = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int eq = arg.indexOf('=');
            if (eq > 0) {
                props.put(arg.substring(0, eq).trim(), arg.substring(eq + 1).trim());
            } else if (i == 0) {
                Properties file = new Properties();
                try (Reader reader = Files.newBufferedReader(Path.of(arg), StandardCharsets.UTF_8)) {
                    file.load(reader);
                }
                file.forEach((k, v) -> props.putIfAbsent((String) k, v));
            } else {
                System.err.println("not key=value: " + arg);
                System.exit(2);
            }
        }
        InferenceWorkerConfig config;
        try {
            config = new InferenceWorkerConfig(props);
        } catch (ConfigException e) {
            System.err.println("invalid setting: " + e.getMessage());
            System.exit(2);
            return;
        }
        InferenceWorker worker = new InferenceWorker(config);
        AtomicBoolean failed = new AtomicBoolean();
        Thread loop = new Thread(() -> {
            try {
                worker.run();
            } catch (RuntimeException | Error e) {
                // Already logged by the worker; the exit status tells the supervisor to restart it.
                failed.set(true);
            }
        }, "rtr-inference-worker");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LoggerFactory.getLogger(InferenceWorkerApp.class).info("shutting down");
            worker.close();
        }, "rtr-inference-shutdown"));
        loop.start();
        loop.join();
        if (failed.get()) {
            System.exit(1);
        }
    }
}
