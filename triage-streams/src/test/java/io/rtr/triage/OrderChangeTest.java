package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.OrderPriority;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OrderChangeTest {

    @Test
    void readsTheAfterStateOfAnEnvelopeWithSchemas() {
        OrderChange change = OrderChange.parse("""
                {"schema":{"type":"struct"},"payload":{"before":null,"op":"c","ts_ms":1000,
                 "after":{"accession_number":"A1","order_priority":"stat","scheduled_at":1795338000000000}}}
                """);

        assertThat(change.accessionNumber()).isEqualTo("A1");
        assertThat(change.order().getOrderPriority()).isEqualTo(OrderPriority.STAT);
        assertThat(change.order().getScheduledAt()).isEqualTo(Instant.ofEpochMilli(1795338000000L));
    }

    @Test
    void readsAFlattenedRowWithMillisecondTimestamps() {
        OrderChange change = OrderChange.parse("""
                {"accession_number":"A2","scheduled_at":1795338000000,"patient_arrived":"2026-11-22T08:40:00"}
                """);

        assertThat(change.order().getScheduledAt()).isEqualTo(Instant.ofEpochMilli(1795338000000L));
        assertThat(change.order().getPatientArrived()).isEqualTo(Instant.parse("2026-11-22T08:40:00Z"));
        assertThat(change.order().getOrderPriority()).isEqualTo(OrderPriority.ROUTINE);
    }

    @Test
    void arrivedFlagTakesTheTimeOfTheChange() {
        OrderChange change = OrderChange.parse("""
                {"op":"u","ts_ms":5000,"after":{"accession_number":"A3","patient_arrived":true,"patient_departed":false}}
                """);

        assertThat(change.order().getPatientArrived()).isEqualTo(Instant.ofEpochMilli(5000));
        assertThat(change.order().getPatientDeparted()).isNull();
    }

    @Test
    void deleteEventDeletesTheAccessionOfItsBeforeState() {
        OrderChange change = OrderChange.parse("{\"op\":\"d\",\"before\":{\"accession_number\":\"A4\"},\"after\":null}");

        assertThat(change.accessionNumber()).isEqualTo("A4");
        assertThat(change.order()).isNull();
    }

    @Test
    void tombstoneIsIgnored() {
        assertThat(OrderChange.parse(null)).isNull();
    }

    @Test
    void rowWithoutAccessionNumberIsRefused() {
        assertThatThrownBy(() -> OrderChange.parse("{\"op\":\"c\",\"after\":{\"id\":7}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("accession_number");
    }

    @Test
    void unknownPriorityIsRefusedNamingTheColumn() {
        assertThatThrownBy(() -> OrderChange.parse("{\"accession_number\":\"A5\",\"order_priority\":\"ASAP\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order_priority");
    }
}
