package io.rtr.standalone;

import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.standalone.kafka.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PipelineTopicsIT {

    @TempDir
    Path dir;

    @Test
    void createsWhatIsMissingAndLeavesWhatIsThereAsItIs() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(dir).port(0).controllerPort(0).start();
             Admin admin = admin(kafka)) {
            PipelineTopics.createMissing(admin, List.of(Topics.INSTANCES));

            PipelineTopics.createMissing(admin, Topics.ALL);

            // The broker lists a topic shortly after the controller created it.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                            .containsAll(Topics.ALL.stream().map(Topic::name).toList()));
        }
    }

    @Test
    void refusesATopicWithOtherPartitionsOrCleanupPolicyThanDescribedNamingIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(dir).port(0).controllerPort(0).start();
             Admin admin = admin(kafka)) {
            // What a consumer or producer started first would have left with auto-creation on.
            admin.createTopics(List.of(new NewTopic(Topics.WORKLIST.name(), 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(Topics.WORKLIST.name()));

            assertThatThrownBy(() -> PipelineTopics.createMissing(admin, Topics.ALL))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("rtr.worklist has 1 partition(s) and cleanup.policy=delete instead of 6"
                            + " and compact")
                    .hasMessageContaining("kafka-topics.sh --delete");
        }
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
