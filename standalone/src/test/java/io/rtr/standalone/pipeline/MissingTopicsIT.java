package io.rtr.standalone.pipeline;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.RequiredTopics;
import io.rtr.schemas.Topics;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker creates no topic on first use, and Connect's source producers would wait forever for
 * one that is missing: the pipeline refuses to start instead, naming the topics and how to create them.
 */
class MissingTopicsIT {

    @TempDir
    Path dir;

    @Test
    void thePipelineRefusesToStartWithoutItsTopicsAndSaysHowToCreateThem() {
        try (Platform platform = Platform.start(PlatformConfig.forTests(dir),
                List.of(Topics.INSTANCES, Topics.STUDIES, Topics.SCORES, Topics.CLINIC_ORDERS))) {

            assertThatThrownBy(() -> Pipeline.start(platform, PipelineConfig.forTests(dir)))
                    .isInstanceOf(RequiredTopics.MissingTopicsException.class)
                    .hasMessageStartingWith("the pipeline needs topic(s) rtr.instances.rejected, rtr.scores.dlq,"
                            + " rtr.triage.dlq, rtr.worklist, rtr.worklist.actions, rtr.worklist.dlq, which do not"
                            + " exist on " + platform.bootstrapServers())
                    .hasMessageContaining("kafka-topics.sh --bootstrap-server " + platform.bootstrapServers()
                            + " --create --topic rtr.worklist --partitions 6 --replication-factor <n>"
                            + " --config cleanup.policy=compact;");
        }
    }
}
