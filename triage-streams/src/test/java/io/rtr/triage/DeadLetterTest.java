package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.DeadLetterHeaders;
import io.rtr.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeadLetterTest {

    private static final String STUDY = "1.2.826.0.4.1";

    @TempDir
    Path stateDir;
    private TriageDriver triage;

    @BeforeEach
    void start() {
        triage = new TriageDriver(stateDir);
    }

    @AfterEach
    void stop() {
        triage.close();
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void undeserializableInstanceGoesToTheDeadLetterTopicWithTheReasonAndTheNextRecordIsProcessed() {
        byte[] key = STUDY.getBytes(StandardCharsets.UTF_8);
        byte[] garbage = {0x7f, 0x01, 0x02, 0x03, 0x04, 0x05};
        triage.rawInstances.pipeInput(new TestRecord<>(key, garbage, TriageDriver.START));
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        List<TestRecord<byte[], byte[]>> letters = triage.deadLetters.readRecordsToList();
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.key()).isEqualTo(key);
            assertThat(letter.value()).isEqualTo(garbage);
            Headers headers = letter.headers();
            assertThat(header(headers, DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.DESERIALIZATION);
            assertThat(header(headers, DeadLetterHeaders.MESSAGE)).contains("magic byte 0x7f").contains("partition 0 offset 0");
            assertThat(header(headers, DeadLetterHeaders.EXCEPTION_CLASS))
                    .isEqualTo("org.apache.kafka.common.errors.SerializationException");
            assertThat(header(headers, DeadLetterHeaders.STAGE)).isEqualTo(InstanceDecodeProcessor.STAGE);
            assertThat(header(headers, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.INSTANCES.name());
            assertThat(header(headers, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(headers, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
            assertThat(header(headers, DeadLetterHeaders.FAILED_AT)).isEqualTo(TriageDriver.START.toString());
        });
        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getInstances()).hasSize(4));
    }

    @Test
    void unreachableRegistryStopsTheTaskInsteadOfDeadLetteringAGoodRecord() {
        // Nothing was decoded yet, so the decoder must ask the registry for the writer schema.
        triage.registry.goDown();

        assertThatThrownBy(() -> triage.send(TestInstances.valid(STUDY)))
                .isInstanceOf(StreamsException.class)
                .hasStackTraceContaining("Schema registry unavailable");
        assertThat(triage.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void instanceWithoutValueGoesToTheDeadLetterTopic() {
        triage.rawInstances.pipeInput(new TestRecord<>(STUDY.getBytes(StandardCharsets.UTF_8), null,
                TriageDriver.START));

        assertThat(triage.deadLetters.readRecordsToList()).singleElement().satisfies(letter ->
                assertThat(header(letter.headers(), DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.NULL_VALUE));
    }

    @Test
    void instanceKeyedByAnotherStudyGoesToTheDeadLetterTopic() {
        triage.instances.pipeInput(new TestRecord<>("1.2.3.wrong", TestInstances.valid(STUDY), TriageDriver.START));

        assertThat(triage.deadLetters.readRecordsToList()).singleElement().satisfies(letter -> {
            assertThat(header(letter.headers(), DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.KEY_MISMATCH);
            assertThat(header(letter.headers(), DeadLetterHeaders.MESSAGE)).contains(STUDY);
        });
        assertThat(triage.rejected.isEmpty()).isTrue();
    }

    @Test
    void unusableOrderEventGoesToTheDeadLetterTopicAndTheNextOrderIsJoined() {
        triage.sendOrder("{not json");
        triage.sendOrder(OrderJoinTest.orderEvent("c", "ACC-" + STUDY, "STAT", null));
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        assertThat(triage.deadLetters.readRecordsToList()).singleElement().satisfies(letter -> {
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
            assertThat(header(letter.headers(), DeadLetterHeaders.REASON)).isEqualTo(DeadLetter.INVALID_ORDER);
            assertThat(header(letter.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.CLINIC_ORDERS.name());
        });
        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext()).isNotNull());
    }
}
