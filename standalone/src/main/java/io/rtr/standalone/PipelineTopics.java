package io.rtr.standalone;

import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the pipeline's topics ({@link Topics#ALL}) on the embedded broker, which creates none on
 * first use, and checks the ones that already exist.
 */
public final class PipelineTopics {

    private static final Logger log = LoggerFactory.getLogger(PipelineTopics.class);

    private PipelineTopics() {
    }

    /**
     * Creates the topics of {@code topics} that do not exist yet. Existing ones keep their settings
     * (an operator may have changed their retention), but one whose partition count or cleanup
     * policy differs from its description fails the start, named: a study-keyed topic with other
     * partitions breaks the joins, a worklist that is not compacted grows forever, and both are
     * what a topic created on first use (by an older broker that allowed it) looks like.
     */
    public static void createMissing(Admin admin, List<Topic<?, ?>> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            // Replication is always 1: the embedded platform has a single broker.
            List<NewTopic> missing = topics.stream()
                    .filter(topic -> !existing.contains(topic.name()))
                    .map(topic -> topic.newTopic((short) 1))
                    .toList();
            Set<String> alreadyThere = new HashSet<>(existing);
            Map<String, KafkaFuture<Void>> results = missing.isEmpty() ? Map.of()
                    : admin.createTopics(missing).values();
            for (Map.Entry<String, KafkaFuture<Void>> created : results.entrySet()) {
                try {
                    created.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // Created by someone else in between (or listed late by the broker): check it below.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Cannot create topic " + created.getKey(), e.getCause());
                    }
                    alreadyThere.add(created.getKey());
                }
            }
            if (!missing.isEmpty()) {
                log.debug("Created topics {}", missing.stream().map(NewTopic::name).toList());
            }
            requireAsDescribed(admin, topics.stream().filter(topic -> alreadyThere.contains(topic.name())).toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating the pipeline topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the pipeline topics", e);
        }
    }

    private static void requireAsDescribed(Admin admin, List<Topic<?, ?>> existing)
            throws ExecutionException, InterruptedException, TimeoutException {
        if (existing.isEmpty()) {
            return;
        }
        List<String> names = existing.stream().map(Topic::name).toList();
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames()
                .get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList()).all()
                .get(30, TimeUnit.SECONDS);
        List<String> wrong = new ArrayList<>();
        for (Topic<?, ?> topic : existing) {
            int partitions = descriptions.get(topic.name()).partitions().size();
            ConfigEntry policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String expectedPolicy = topic.topicConfigs().get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (partitions != topic.partitions() || policy == null || !expectedPolicy.equals(policy.value())) {
                wrong.add(topic.name() + " has " + partitions + " partition(s) and cleanup.policy="
                        + (policy == null ? "?" : policy.value()) + " instead of " + topic.partitions() + " and "
                        + expectedPolicy);
            }
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException("Topics in the Kafka data folder are not as RTR describes them ("
                    + String.join("; ", wrong) + "), as when a client created them on first use: delete them"
                    + " (kafka-topics.sh --delete; their records are lost) and start again, which recreates them,"
                    + " or start with a fresh --data-dir");
        }
    }
}
