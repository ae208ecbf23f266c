package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.WireFormat;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SplicedStudySerdeTest {

    private static final String TOPIC = "triage-studies-by-accession-repartition";

    private final AvroSerde<StudyAssembled> studySerde = new AvroSerde<>(StudyAssembled.class);
    private final AvroSerde<InstanceReceived> instanceSerde = new AvroSerde<>(InstanceReceived.class);
    private final SplicedStudy.Serde serde;

    SplicedStudySerdeTest() {
        SwitchableRegistry registry = new SwitchableRegistry();
        studySerde.configure(AvroSerdeConfig.forRegistryClient(registry), false);
        instanceSerde.configure(AvroSerdeConfig.forRegistryClient(registry), false);
        serde = new SplicedStudy.Serde(studySerde);
    }

    @Test
    void splicedInstancesDecodeToTheStudyWithThoseInstances() {
        List<InstanceReceived> instances = List.of(TestInstances.view("1.2.3", "L", "CC").build(),
                TestInstances.view("1.2.3", "R", "MLO").setManufacturerModelName(null).setRows(null).build());
        SplicedStudy.Instances.Builder spliced = new SplicedStudy.Instances.Builder();
        for (InstanceReceived instance : instances) {
            byte[] received = instanceSerde.serializer().serialize("rtr.instances", instance);
            spliced.addBody(received, WireFormat.HEADER_LENGTH, received.length - WireFormat.HEADER_LENGTH);
        }
        SplicedStudy study = new SplicedStudy("1.2.3", 1, CompletenessReason.EXPECTED_VIEWS_COMPLETE, spliced.build(),
                order(), 1_000L, "MG", null, "ab12", "ACC-1");

        byte[] written = serde.serializer().serialize(TOPIC, study);

        assertThat(studySerde.deserializer().deserialize(TOPIC, written)).isEqualTo(StudyAssembled.newBuilder()
                .setStudyInstanceUid("1.2.3").setRevision(1)
                .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE).setInstances(instances)
                .setOrderContext(order()).setAssembledAt(Instant.ofEpochMilli(1_000L)).setModality("MG")
                .setPatientPseudonym("ab12").setAccessionNumber("ACC-1").build());
    }

    @Test
    void readsBackWhatItWroteWithTheInstanceBodiesUnchanged() {
        StudyAssembled original = study(2, null, 3);
        SplicedStudy spliced = SplicedStudy.of(original);

        SplicedStudy read = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, spliced));

        assertThat(read.instances().bodies()).isEqualTo(spliced.instances().bodies());
        assertThat(studySerde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, read)))
                .isEqualTo(original);
    }

    @Test
    void revisedStudyDecodesWithTheNewRevisionReasonOrderAndTime() {
        byte[] snapshot = serde.serializer().serialize(TOPIC, SplicedStudy.of(study(1, null, 4)));

        SplicedStudy revised = serde.deserializer().deserialize(TOPIC, snapshot)
                .revised(5, CompletenessReason.ORDER_ENRICHED, order(), 9_000L);

        StudyAssembled expected = StudyAssembled.newBuilder(study(5, order(), 4))
                .setCompletenessReason(CompletenessReason.ORDER_ENRICHED)
                .setAssembledAt(Instant.ofEpochMilli(9_000L)).build();
        assertThat(studySerde.deserializer().deserialize("rtr.studies",
                serde.serializer().serialize("rtr.studies", revised))).isEqualTo(expected);
    }

    @Test
    void readsStudiesAsEarlierVersionsWroteThemWithAndWithoutOrder() {
        for (StudyAssembled legacy : List.of(study(1, null, 4), study(3, order(), 2), study(1, null, 0))) {
            byte[] written = studySerde.serializer().serialize(TOPIC, legacy);

            SplicedStudy read = serde.deserializer().deserialize(TOPIC, written);

            assertThat(read.orderContext()).isEqualTo(legacy.getOrderContext());
            assertThat(studySerde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, read)))
                    .isEqualTo(legacy);
        }
    }

    @Test
    void rejectsATruncatedStudy() {
        byte[] written = serde.serializer().serialize(TOPIC, SplicedStudy.of(study(1, null, 2)));

        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, Arrays.copyOf(written, written.length - 3)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(TOPIC);
    }

    private static StudyAssembled study(int revision, OrderContext order, int instances) {
        String[][] views = {{"L", "CC"}, {"L", "MLO"}, {"R", "CC"}, {"R", "MLO"}};
        List<InstanceReceived> list = Arrays.stream(views).limit(instances)
                .map(view -> TestInstances.view("1.2.3", view[0], view[1]).build()).toList();
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid("1.2.3")
                .setRevision(revision)
                .setCompletenessReason(CompletenessReason.QUIET_PERIOD_ELAPSED)
                .setInstances(list)
                .setOrderContext(order)
                .setAssembledAt(Instant.ofEpochMilli(1_000L))
                .setModality("MG")
                .setClinicId("clinic-1")
                .setAccessionNumber("ACC-1")
                .build();
    }

    private static OrderContext order() {
        return OrderContext.newBuilder().setAccessionNumber("ACC-1").setOrderPriority(OrderPriority.STAT)
                .setPatientArrived(Instant.ofEpochMilli(500L)).build();
    }
}
