package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class StudyStateSerdeTest {

    private final Serde<StudyAssembled> studySerde = Topics.STUDIES.valueSerde(
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry()));
    private final StudyState.StoreSerde serde = new StudyState.StoreSerde(studySerde);

    @Test
    void roundTripsTheDeadlinesAndWhereTheirIndexEntriesAre() {
        StudyState state = new StudyState(study(), 5_000L, 9_000L, 4_000L, 8_000L);

        StudyState read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.timerIndexedAtMs()).isEqualTo(4_000L);
        assertThat(read.expiryIndexedAtMs()).isEqualTo(8_000L);
        assertThat(read.study()).isEqualTo(state.study());
    }

    @Test
    void readsFormatOneStateWithIndexEntriesAtItsDeadlines() {
        byte[] study = studySerde.serializer().serialize("t", study());
        byte[] formatOne = ByteBuffer.allocate(1 + 2 * Long.BYTES + study.length).put((byte) 1).putLong(5_000L)
                .putLong(9_000L).put(study).array();

        StudyState read = serde.deserializer().deserialize("t", formatOne);

        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.timerIndexedAtMs()).isEqualTo(5_000L);
        assertThat(read.expiryIndexedAtMs()).isEqualTo(9_000L);
        assertThat(read.study()).isEqualTo(study());
    }

    private static StudyAssembled study() {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid("1.2.3")
                .setRevision(0)
                .setCompletenessReason(CompletenessReason.QUIET_PERIOD_ELAPSED)
                .setInstances(new ArrayList<>())
                .setAssembledAt(Instant.ofEpochMilli(1_000L))
                .build();
    }
}
