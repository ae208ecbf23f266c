package io.rtr.standalone;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pipeline's topics and how the embedded platform creates them.
 *
 * <p>A stand-in: the typed topic descriptors of the {@code schemas} module will replace this list.
 */
public final class PipelineTopics {

    /** A topic as the platform creates it (replication is always 1 on the single embedded broker). */
    public record Spec(String name, int partitions, boolean compacted) {
        NewTopic newTopic() {
            NewTopic topic = new NewTopic(name, partitions, (short) 1);
            return compacted
                    ? topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))
                    : topic;
        }
    }

    /** Every topic of the pipeline; keyed topics get 3 partitions, dead-letter topics 1. */
    public static final List<Spec> ALL = List.of(
            new Spec("rtr.instances", 3, false),
            new Spec("rtr.instances.rejected", 3, false),
            new Spec("rtr.studies", 3, false),
            new Spec("rtr.scores", 3, false),
            new Spec("rtr.scores.dlq", 1, false),
            new Spec("rtr.worklist", 3, true),
            new Spec("rtr.worklist.actions", 3, false),
            new Spec("rtr.clinic.orders", 3, false),
            new Spec("rtr.triage.dlq", 1, false));

    private static final Logger log = LoggerFactory.getLogger(PipelineTopics.class);

    private PipelineTopics() {
    }

    /** Creates the topics of {@code specs} that do not exist yet; existing ones are left as they are. */
    public static void createMissing(Admin admin, List<Spec> specs) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = specs.stream()
                    .filter(spec -> !existing.contains(spec.name()))
                    .map(Spec::newTopic)
                    .toList();
            if (missing.isEmpty()) {
                return;
            }
            for (Map.Entry<String, KafkaFuture<Void>> created : admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // Created by someone else in between: fine, it exists now.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topic " + created.getKey(), e.getCause());
                    }
                }
            }
            log.debug("Created topics {}", missing.stream().map(NewTopic::name).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating the pipeline topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the pipeline topics", e);
        }
    }
}
