package io.rtr.triage;

import io.rtr.schemas.RequiredTopics;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

/**
 * The topics a topology reads and writes that Kafka Streams does not create itself: every source
 * and sink topic except the internal repartition topics. The brokers create no topic on first
 * use, so the apps check these exist before they start.
 */
public final class ExternalTopics {

    /** Suffix Kafka Streams gives the repartition topics it creates (after the application id prefix). */
    private static final String REPARTITION_SUFFIX = "-repartition";

    private ExternalTopics() {
    }

    /** The source and sink topics of {@code description}, repartition topics left out, sorted. */
    public static Set<String> of(TopologyDescription description) {
        Set<String> topics = new TreeSet<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
                    topics.addAll(source.topicSet());
                } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
                    topics.add(sink.topic());
                }
            }
        }
        topics.removeIf(topic -> topic.endsWith(REPARTITION_SUFFIX));
        return topics;
    }

    /**
     * Fails with {@link RequiredTopics.MissingTopicsException}, naming the missing topics and how to
     * create them, when a topic of {@code topology} is not on the cluster.
     */
    public static void requireExisting(Topology topology, Properties streamsProperties, String app) {
        // The admin settings Streams itself would use: bootstrap servers and security included.
        Map<String, Object> admin = new StreamsConfig(streamsProperties).getAdminConfigs(app.replace(' ', '-'));
        RequiredTopics.requireExisting(admin, of(topology.describe()), app);
    }
}
