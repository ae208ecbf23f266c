package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.DeadLetterHeaders;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.Topics;
import io.rtr.triage.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorityDeadLetterTest {

    @TempDir
    Path stateDir;
    private PriorityDriver p;

    @BeforeEach
    void start() {
        p = new PriorityDriver(stateDir, Map.of());
    }

    @AfterEach
    void stop() {
        p.close();
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void undeserializableScoreGoesToTheDeadLetterTopicWithTheReasonAndProcessingContinues() {
        p.study("s1", 1, null);
        byte[] key = "s1".getBytes(StandardCharsets.UTF_8);
        byte[] garbage = {0x7f, 0x01, 0x02, 0x03, 0x04, 0x05};
        p.rawScores.pipeInput(new TestRecord<>(key, garbage, PriorityDriver.START));
        p.score("s1", 1, 0.9);

        assertThat(p.deadLetters.readRecordsToList()).singleElement().satisfies(letter -> {
            assertThat(letter.key()).isEqualTo(key);
            assertThat(letter.value()).isEqualTo(garbage);
            Headers headers = letter.headers();
            assertThat(header(headers, DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.DESERIALIZATION);
            assertThat(header(headers, DeadLetterHeaders.MESSAGE)).isNotBlank();
            assertThat(header(headers, DeadLetterHeaders.EXCEPTION_CLASS))
                    .isEqualTo("org.apache.kafka.common.errors.SerializationException");
            assertThat(header(headers, DeadLetterHeaders.STAGE)).isEqualTo(InputDecodeProcessor.STAGE);
            assertThat(header(headers, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.SCORES.name());
            assertThat(header(headers, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(headers, DeadLetterHeaders.FAILED_AT)).isEqualTo(PriorityDriver.START.toString());
        });
        assertThat(p.latest("s1").getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
    }

    @Test
    void scoreKeyedByAnotherStudyGoesToTheDeadLetterTopic() {
        p.scores.pipeInput(new TestRecord<>("s-other", PriorityDriver.scored("s1", 1, 0.9), PriorityDriver.START));

        assertThat(p.deadLetters.readRecordsToList()).singleElement().satisfies(letter ->
                assertThat(header(letter.headers(), DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.KEY_MISMATCH));
        assertThat(p.drain()).isEmpty();
    }

    @Test
    void scoreWithoutValueGoesToTheDeadLetterTopic() {
        p.rawScores.pipeInput(new TestRecord<>("s1".getBytes(StandardCharsets.UTF_8), null, PriorityDriver.START));

        assertThat(p.deadLetters.readRecordsToList()).singleElement().satisfies(letter ->
                assertThat(header(letter.headers(), DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.NULL_VALUE));
    }

    @Test
    void unreachableRegistryStopsTheTaskInsteadOfDeadLetteringAGoodRecord() {
        byte[] framed = PriorityDriver.scoreBytes(p, "s1");
        p.registry.goDown();

        assertThatThrownBy(() -> p.rawScores.pipeInput(new TestRecord<>("s1".getBytes(StandardCharsets.UTF_8),
                framed, PriorityDriver.START)))
                .isInstanceOf(StreamsException.class)
                .hasStackTraceContaining("Schema registry unavailable");
        assertThat(p.deadLetters.isEmpty()).isTrue();
    }
}
