package io.rtr.schemas;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Checks, before a component starts, that the topics it reads and writes exist. RTR's brokers do
 * not create topics on first use ({@code auto.create.topics.enable=false}), so without this check
 * a consumer of a missing topic would sit idle and a producer would block on metadata, both with
 * nothing clearer than a client WARN line.
 */
public final class RequiredTopics {

    /** How long the check waits for the broker before it gives up. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private RequiredTopics() {
    }

    /** Thrown when topics a component needs are not on the cluster; the message says how to create them. */
    public static final class MissingTopicsException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final List<String> missing;

        MissingTopicsException(List<String> missing, String message) {
            super(message);
            this.missing = List.copyOf(missing);
        }

        /** The names of the topics that do not exist, sorted. */
        public List<String> missing() {
            return missing;
        }
    }

    /**
     * Fails with {@link MissingTopicsException} when one of {@code topics} does not exist on the
     * cluster that {@code adminConfig} (an admin client's settings, {@code bootstrap.servers} and
     * any security settings) points at.
     *
     * @param component who needs them, for the message (e.g. "the triage app")
     */
    public static void requireExisting(Map<String, Object> adminConfig, Collection<String> topics, String component) {
        Map<String, Object> config = new HashMap<>(adminConfig);
        config.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) DEFAULT_TIMEOUT.toMillis());
        String bootstrapServers = String.valueOf(config.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        Set<String> existing;
        try (Admin admin = Admin.create(config)) {
            existing = admin.listTopics().names().get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing the topics on " + bootstrapServers, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(component + " cannot list the topics on " + bootstrapServers + " ("
                    + cause + "): is Kafka running there?", cause);
        }
        requireAmong(existing, topics, bootstrapServers, component);
    }

    /**
     * Fails with {@link MissingTopicsException} when one of {@code topics} is not in {@code existing},
     * the topics a client of the caller's listed on the cluster at {@code bootstrapServers}.
     */
    public static void requireAmong(Set<String> existing, Collection<String> topics, String bootstrapServers,
                                    String component) {
        List<String> missing = new ArrayList<>(new TreeSet<>(topics));
        missing.removeAll(existing);
        if (!missing.isEmpty()) {
            throw new MissingTopicsException(missing, message(missing, bootstrapServers, component));
        }
    }

    /** The one-line explanation, with the command that creates each missing topic RTR knows. */
    static String message(List<String> missing, String bootstrapServers, String component) {
        StringBuilder message = new StringBuilder()
                .append(component).append(" needs topic(s) ").append(String.join(", ", missing))
                .append(", which do not exist on ").append(bootstrapServers)
                .append(". RTR's brokers do not create topics on first use (auto.create.topics.enable=false):"
                        + " create them first, as the compose kafka-init service (compose/build/create-topics.sh)"
                        + " and the embedded platform do, or by hand:");
        for (String name : missing) {
            message.append(' ').append(createCommand(name, bootstrapServers)).append(';');
        }
        return message.toString();
    }

    /** A {@code kafka-topics.sh} command line creating {@code name} as {@link Topics} describes it. */
    static String createCommand(String name, String bootstrapServers) {
        Optional<Topic<?, ?>> known = Topics.ALL.stream().filter(topic -> topic.name().equals(name)).findFirst();
        if (known.isEmpty()) {
            return "'" + name + "' is not an RTR topic (io.rtr.schemas.Topics): check the name";
        }
        StringBuilder command = new StringBuilder("kafka-topics.sh --bootstrap-server ").append(bootstrapServers)
                .append(" --create --topic ").append(name)
                .append(" --partitions ").append(known.get().partitions())
                .append(" --replication-factor <n>");
        known.get().topicConfigs().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(config -> command.append(" --config ").append(config.getKey()).append('=')
                        .append(config.getValue()));
        return command.toString();
    }
}
