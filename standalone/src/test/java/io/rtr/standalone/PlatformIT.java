package io.rtr.standalone;

import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformIT {

    @TempDir
    static Path dataDir;

    private static Platform platform;

    @BeforeAll
    static void start() {
        platform = Platform.start(PlatformConfig.forTests(dataDir));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void createsThePipelineTopicsWithTheirPartitionsAndCleanupPolicy() throws Exception {
        List<String> names = Topics.ALL.stream().map(Topic::name).toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.bootstrapServers()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            List<ConfigResource> resources = names.stream()
                    .map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
            for (Topic<?, ?> topic : Topics.ALL) {
                assertThat(topics.get(topic.name()).partitions()).as(topic.name()).hasSize(topic.partitions());
                String policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                        .get("cleanup.policy").value();
                assertThat(policy).as(topic.name()).isEqualTo(topic.compacted() ? "compact" : "delete");
                // Every setting the topic asks for (retention included) is what the broker applies.
                Config applied = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
                topic.topicConfigs().forEach((key, value) ->
                        assertThat(applied.get(key).value()).as(topic.name() + " " + key).isEqualTo(value));
            }
        }
    }

    @Test
    void laysOutTheDataFolderPerComponent() {
        assertThat(dataDir.resolve("kafka").resolve("meta.properties")).exists();
        assertThat(dataDir.resolve("postgres").resolve("PG_VERSION")).exists();
        assertThat(dataDir.resolve("blobs")).isDirectory();
        assertThat(dataDir.resolve("spool")).isDirectory();
    }

    @Test
    void everyEndpointAnswers() throws Exception {
        HttpResponse<String> root = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(platform.schemaRegistryUrl() + "/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(root.statusCode()).isEqualTo(200);

        try (Connection connection = platform.postgres().connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW wal_level")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("logical");
        }

        assertThat(DemoCommand.endpoints(platform))
                .contains(platform.bootstrapServers())
                .contains(platform.schemaRegistryUrl())
                .contains(platform.jdbcUrl())
                .contains("rtr (password rtr)");
    }
}
