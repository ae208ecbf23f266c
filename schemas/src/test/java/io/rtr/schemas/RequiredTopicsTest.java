package io.rtr.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequiredTopicsTest {

    @Test
    void theMessageNamesTheMissingTopicsAndTheCommandsThatCreateThem() {
        String message = RequiredTopics.message(List.of("rtr.scores", "rtr.worklist"), "kafka:19092", "the app");

        assertThat(message)
                .startsWith("the app needs topic(s) rtr.scores, rtr.worklist, which do not exist on kafka:19092.")
                .contains("auto.create.topics.enable=false")
                .contains("compose/build/create-topics.sh")
                .contains("kafka-topics.sh --bootstrap-server kafka:19092 --create --topic rtr.scores --partitions 6"
                        + " --replication-factor <n> --config cleanup.policy=delete --config retention.ms=-1;")
                .contains("--topic rtr.worklist --partitions 6 --replication-factor <n> --config cleanup.policy=compact;");
    }

    @Test
    void aNameThatIsNoRtrTopicIsCalledOutAsAPossibleTypo() {
        assertThat(RequiredTopics.createCommand("rtr.scroes", "127.0.0.1:9092"))
                .isEqualTo("'rtr.scroes' is not an RTR topic (io.rtr.schemas.Topics): check the name");
    }
}
