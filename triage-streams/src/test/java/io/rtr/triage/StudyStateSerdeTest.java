package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class StudyStateSerdeTest {

    private static final String STUDY = "1.2.3";

    private final Map<String, Object> serdeConfig =
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
    private final Serde<StudyAssembled> studySerde = Topics.STUDIES.valueSerde(serdeConfig);
    private final Serde<InstanceReceived> instanceSerde = Topics.INSTANCES.valueSerde(serdeConfig);
    private final StudyState.StoreSerde serde = new StudyState.StoreSerde(studySerde, instanceSerde);

    @Test
    void roundTripsInstancesAsReceivedAttributesSnapshotsAndTimers() {
        InstanceReceived cc = TestInstances.view(STUDY, "L", "CC").build();
        InstanceReceived mlo = TestInstances.view(STUDY, "L", "MLO").setImageLaterality(null).build();
        StudyState state = new StudyState(STUDY);
        state.put(StudyState.Instance.of(received(cc)));
        state.put(StudyState.Instance.of(received(mlo)));
        state.fillAttributes(cc);
        state.nextSnapshot(CompletenessReason.EXPECTED_VIEWS_COMPLETE, new SplicedStudy.Instances.Builder().build(),
                0L);
        state.quietDeadlineMs(5_000L);
        state.expiresAtMs(9_000L);

        StudyState read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", state));

        assertThat(read.studyInstanceUid()).isEqualTo(STUDY);
        assertThat(read.emittedSnapshots()).isEqualTo(1);
        assertThat(read.modality()).isEqualTo("MG");
        assertThat(read.accessionNumber()).isEqualTo("ACC-" + STUDY);
        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.instances()).hasSize(2);
        assertThat(read.instances().get(1).imageLaterality()).isNull();
        assertThat(read.instances().get(1).viewPosition()).isEqualTo("MLO");
        assertThat(read.instances().get(0).bytes()).isEqualTo(received(cc).bytes());
        assertThat(decode(read.instances().get(1))).isEqualTo(mlo);
        SplicedStudy next = read.nextSnapshot(CompletenessReason.QUIET_PERIOD_ELAPSED,
                new SplicedStudy.Instances.Builder().build(), 0L);
        assertThat(next.revision()).isEqualTo(2);
        assertThat(next.clinicId()).isEqualTo("clinic-1");
        assertThat(next.patientPseudonym()).isEqualTo("ab12");
    }

    @Test
    void readsFormatTwoStateWithItsInstancesAsRtrInstancesValues() {
        InstanceReceived cc = TestInstances.valid(STUDY);
        byte[] study = studySerde.serializer().serialize("t", legacyStudy(cc));
        byte[] formatTwo = ByteBuffer.allocate(1 + 4 * Long.BYTES + study.length).put((byte) 2).putLong(5_000L)
                .putLong(9_000L).putLong(4_000L).putLong(8_000L).put(study).array();

        StudyState read = serde.deserializer().deserialize("t", formatTwo);

        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.emittedSnapshots()).isEqualTo(1);
        assertThat(read.accessionNumber()).isEqualTo("ACC-" + STUDY);
        assertThat(read.instance(cc.getSopInstanceUid()).sha256()).isEqualTo(cc.getSha256());
        assertThat(decode(read.instances().get(0))).isEqualTo(cc);
    }

    @Test
    void readsFormatOneStateWithItsDeadlines() {
        byte[] study = studySerde.serializer().serialize("t", legacyStudy(TestInstances.valid(STUDY)));
        byte[] formatOne = ByteBuffer.allocate(1 + 2 * Long.BYTES + study.length).put((byte) 1).putLong(5_000L)
                .putLong(9_000L).put(study).array();

        StudyState read = serde.deserializer().deserialize("t", formatOne);

        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.instances()).hasSize(1);
    }

    @Test
    void readsFormatThreeStateSkippingItsTimerIndexTimes() {
        InstanceReceived cc = TestInstances.valid(STUDY);
        StudyState state = new StudyState(STUDY);
        state.put(StudyState.Instance.of(received(cc)));
        state.fillAttributes(cc);
        state.quietDeadlineMs(5_000L);
        state.expiresAtMs(9_000L);
        byte[] formatFour = serde.serializer().serialize("t", state);
        int times = 1 + 2 * Long.BYTES;
        // Format 3 is format 4 with the two index times (here 4000 and 8000) after the expiry.
        byte[] formatThree = ByteBuffer.allocate(formatFour.length + 2 * Long.BYTES).put((byte) 3)
                .put(formatFour, 1, times - 1).putLong(4_000L).putLong(8_000L)
                .put(formatFour, times, formatFour.length - times).array();

        StudyState read = serde.deserializer().deserialize("t", formatThree);

        assertThat(formatFour[0]).isEqualTo((byte) 4);
        assertThat(read.quietDeadlineMs()).isEqualTo(5_000L);
        assertThat(read.expiresAtMs()).isEqualTo(9_000L);
        assertThat(read.accessionNumber()).isEqualTo("ACC-" + STUDY);
        assertThat(decode(read.instances().get(0))).isEqualTo(cc);
    }

    @Test
    void rejectsTruncatedState() {
        StudyState state = new StudyState(STUDY);
        state.put(StudyState.Instance.of(received(TestInstances.valid(STUDY))));
        byte[] bytes = serde.serializer().serialize("t", state);

        assertThatThrownBy(() -> serde.deserializer().deserialize("t", Arrays.copyOf(bytes, bytes.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
    }

    private ReceivedInstance received(InstanceReceived instance) {
        return new ReceivedInstance(instance, instanceSerde.serializer().serialize(Topics.INSTANCES.name(), instance));
    }

    private InstanceReceived decode(StudyState.Instance instance) {
        return instanceSerde.deserializer().deserialize(Topics.INSTANCES.name(), instance.bytes());
    }

    private static StudyAssembled legacyStudy(InstanceReceived instance) {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid(STUDY)
                .setRevision(1)
                .setCompletenessReason(CompletenessReason.QUIET_PERIOD_ELAPSED)
                .setInstances(List.of(instance))
                .setAssembledAt(Instant.ofEpochMilli(1_000L))
                .setModality("MG")
                .setAccessionNumber("ACC-" + STUDY)
                .build();
    }
}
