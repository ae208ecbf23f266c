package io.rtr.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The compose deployment's broker creates no topic on first use, so {@code compose/build/create-topics.sh}
 * must create every topic the deployment names, as {@link Topics} describes it. The compose files
 * cannot be run here (no Docker engine); this keeps them in step with the code.
 */
class ComposeTopicsTest {

    private static final Path COMPOSE = Path.of("..", "compose");
    /** {@code create NAME PARTITIONS [--config key=value ...]} in create-topics.sh. */
    private static final Pattern CREATE = Pattern.compile("^create (\\S+) (\\d+)((?: --config \\S+=\\S+)*)\\s*$");

    /** What create-topics.sh creates: partitions and topic configs by name. */
    private record Created(int partitions, Map<String, String> configs) {
    }

    @Test
    void theBrokerDoesNotCreateTopicsOnFirstUse() throws IOException {
        assertThat(Files.readAllLines(COMPOSE.resolve("docker-compose.yml")))
                .anyMatch(line -> line.strip().equals("KAFKA_AUTO_CREATE_TOPICS_ENABLE: \"false\""));
    }

    @Test
    void everyRtrTopicIsCreatedWithItsPartitionsAndCleanupPolicy() throws IOException {
        Map<String, Created> created = createdTopics();

        for (Topic<?, ?> topic : Topics.ALL) {
            assertThat(created).as("create-topics.sh creates %s", topic.name()).containsKey(topic.name());
            assertThat(created.get(topic.name()))
                    .as("partitions and configs of %s", topic.name())
                    .isEqualTo(new Created(topic.partitions(), topic.topicConfigs()));
        }
    }

    @Test
    void theRegistryStoreAndConnectsInternalTopicsAreCreatedCompacted() throws IOException {
        Map<String, Created> created = createdTopics();
        Matcher registryTopic = Pattern.compile("SCHEMA_REGISTRY_KAFKASTORE_TOPIC: (\\S+)")
                .matcher(Files.readString(COMPOSE.resolve("docker-compose.yml")));
        assertThat(registryTopic.find()).as("docker-compose.yml names the registry's topic").isTrue();
        assertThat(created.get(registryTopic.group(1))).isEqualTo(compacted(1));

        Properties connect = new Properties();
        try (Reader in = Files.newBufferedReader(COMPOSE.resolve("config/connect-distributed.properties"))) {
            connect.load(in);
        }
        // Connect requires exactly one partition for its config topic.
        assertThat(created.get(connect.getProperty("config.storage.topic"))).isEqualTo(compacted(1));
        assertThat(created.get(connect.getProperty("offset.storage.topic")))
                .isEqualTo(compacted(Integer.parseInt(connect.getProperty("offset.storage.partitions"))));
        assertThat(created.get(connect.getProperty("status.storage.topic")))
                .isEqualTo(compacted(Integer.parseInt(connect.getProperty("status.storage.partitions"))));
    }

    @Test
    void everyTopicTheConnectorsNameIsAnRtrTopic() throws IOException {
        List<String> named = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(COMPOSE.resolve("connectors"), "*.json")) {
            for (Path file : files) {
                Iterator<Map.Entry<String, JsonNode>> fields = json.readTree(file.toFile()).fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (namesTopics(field.getKey())) {
                        for (String topic : field.getValue().asText().split(",")) {
                            named.add(topic.strip());
                        }
                    }
                }
            }
        }

        // The four connectors write or read eight topics; an empty list would mean the keys changed.
        assertThat(named).hasSizeGreaterThanOrEqualTo(6);
        assertThat(named).allSatisfy(topic -> assertThat(Topics.ALL).extracting(Topic::name).contains(topic));
    }

    @Test
    void theAppsPropertiesNameNoTopics() throws IOException {
        // The apps take their topics from Topics; a topic key in their properties would bypass it.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(COMPOSE.resolve("config"), "*.properties")) {
            for (Path file : files) {
                Properties props = new Properties();
                try (Reader in = Files.newBufferedReader(file)) {
                    props.load(in);
                }
                if (!file.getFileName().toString().startsWith("connect-")) {
                    assertThat(props.stringPropertyNames()).as(file.toString()).noneMatch(ComposeTopicsTest::namesTopics);
                }
            }
        }
    }

    /** Connector keys whose value is a topic name (or a list of them). */
    private static boolean namesTopics(String key) {
        return key.equals("topic") || key.equals("topics") || key.endsWith(".topic") || key.endsWith(".topic.name")
                || key.equals("transforms.route.replacement");
    }

    private static Created compacted(int partitions) {
        return new Created(partitions, Map.of("cleanup.policy", "compact"));
    }

    private static Map<String, Created> createdTopics() throws IOException {
        Map<String, Created> created = new HashMap<>();
        for (String line : Files.readAllLines(COMPOSE.resolve("build/create-topics.sh"))) {
            Matcher create = CREATE.matcher(line.strip());
            if (!create.matches()) {
                continue;
            }
            Map<String, String> configs = new HashMap<>();
            for (String option : create.group(3).strip().split("\\s*--config\\s+")) {
                if (!option.isBlank()) {
                    String[] keyValue = option.strip().split("=", 2);
                    configs.put(keyValue[0], keyValue[1]);
                }
            }
            Created previous = created.put(create.group(1), new Created(Integer.parseInt(create.group(2)), configs));
            assertThat(previous).as("%s created twice", create.group(1)).isNull();
        }
        assertThat(created).as("create-topics.sh has create lines").isNotEmpty();
        return created;
    }
}
