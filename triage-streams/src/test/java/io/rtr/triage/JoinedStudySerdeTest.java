package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class JoinedStudySerdeTest {

    private final Map<String, Object> serdeConfig =
            Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new SwitchableRegistry());
    private final Serde<StudyAssembled> studySerde = Topics.STUDIES.valueSerde(serdeConfig);
    private final JoinedStudy.StoreSerde serde = new JoinedStudy.StoreSerde(studySerde, orderSerde());

    @Test
    void roundTripsRevisionOrderAndSnapshotBytes() {
        byte[] snapshot = studySerde.serializer().serialize("t", study(1, null));
        JoinedStudy joined = new JoinedStudy(3, order(), snapshot);

        JoinedStudy read = serde.deserializer().deserialize("t", serde.serializer().serialize("t", joined));

        assertThat(read.revision()).isEqualTo(3);
        assertThat(read.order()).isEqualTo(order());
        assertThat(read.snapshot()).isEqualTo(snapshot);
    }

    @Test
    void roundTripsAStudyWithoutOrder() {
        byte[] snapshot = studySerde.serializer().serialize("t", study(1, null));

        JoinedStudy read = serde.deserializer().deserialize("t",
                serde.serializer().serialize("t", new JoinedStudy(1, null, snapshot)));

        assertThat(read.order()).isNull();
        assertThat(studySerde.deserializer().deserialize("t", read.snapshot())).isEqualTo(study(1, null));
    }

    @Test
    void readsTheEmittedStudyThatEarlierVersionsStored() {
        StudyAssembled emitted = study(2, order());
        byte[] legacy = studySerde.serializer().serialize("t", emitted);

        JoinedStudy read = serde.deserializer().deserialize("t", legacy);

        assertThat(read.revision()).isEqualTo(2);
        assertThat(read.order()).isEqualTo(order());
        assertThat(studySerde.deserializer().deserialize("t", read.snapshot())).isEqualTo(emitted);
    }

    @Test
    void writesAnOrderWhereEarlierVersionsRegisteredStudiesUnderTheChangelogSubject() {
        String changelog = "app-triage-joined-studies-changelog";
        studySerde.serializer().serialize(changelog, study(1, null));
        byte[] snapshot = studySerde.serializer().serialize("repartition", study(1, null));

        byte[] written = serde.serializer().serialize(changelog, new JoinedStudy(2, order(), snapshot));

        assertThat(serde.deserializer().deserialize(changelog, written).order()).isEqualTo(order());
    }

    @Test
    void rejectsAnUnknownFormat() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {7, 0, 0, 0, 1, 0, 0, 0, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("not in format");
    }

    private AvroSerde<OrderContext> orderSerde() {
        AvroSerde<OrderContext> orders = new AvroSerde<>(OrderContext.class);
        orders.configure(serdeConfig, false);
        return orders;
    }

    private static OrderContext order() {
        return OrderContext.newBuilder().setAccessionNumber("ACC-1").setOrderPriority(OrderPriority.STAT).build();
    }

    private static StudyAssembled study(int revision, OrderContext order) {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid("1.2.3")
                .setRevision(revision)
                .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE)
                .setInstances(List.of(TestInstances.valid("1.2.3")))
                .setAssembledAt(Instant.ofEpochMilli(1_000L))
                .setAccessionNumber("ACC-1")
                .setOrderContext(order)
                .build();
    }
}
