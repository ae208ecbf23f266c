package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class InternalSerdeTest {

    @Test
    void studyStateRoundTripsEveryField() {
        StudyPriorityState state = new StudyPriorityState();
        state.revision = 3;
        state.accessionNumber = "ACC-1";
        state.clinicId = "clinic-north";
        state.orderPriority = OrderPriority.URGENT;
        state.patientArrived = 10L;
        state.patientDeparted = 20L;
        state.assignedReader = "dr-a";
        state.subspecialty = "breast";
        state.orderingSite = "site-1";
        state.scoredRevision = 2;
        state.studyScore = 0.91;
        state.threshold = 0.32;
        state.suspicious = true;
        state.modelName = "rtr-reference";
        state.modelVersion = "1.0.0";
        state.status = WorklistStatus.CLAIMED;
        state.claimedBy = "dr-b";
        state.lastActionId = "a-1";
        state.waitingSince = 5L;
        state.version = 42L;
        state.lastClass = PriorityClass.SUSPICIOUS;
        state.lastScore = 12.5;
        state.completedAt = 99L;

        byte[] bytes = StudyPriorityState.SERDE.serializer().serialize("t", state);
        StudyPriorityState read = StudyPriorityState.SERDE.deserializer().deserialize("t", bytes);

        assertThat(read).usingRecursiveComparison().isEqualTo(state);
    }

    @Test
    void emptyStudyStateRoundTrips() {
        StudyPriorityState state = StudyPriorityState.completedMarker(7L, 8L);

        byte[] bytes = StudyPriorityState.SERDE.serializer().serialize("t", state);

        assertThat(StudyPriorityState.SERDE.deserializer().deserialize("t", bytes))
                .usingRecursiveComparison().isEqualTo(state);
    }

    @Test
    void routingRequestRoundTripsItsEntryAndRoutingFields() {
        WorklistEntry entry = WorklistEntry.newBuilder()
                .setStudyInstanceUid("1.2.3").setAccessionNumber(null).setRadiologistId("")
                .setPriorityClass(PriorityClass.STAT).setPriorityScore(3.5).setStudyScore(null)
                .setModelName(null).setModelVersion(null).setReasons(List.of("STAT order", "waiting 1 min"))
                .setStatus(WorklistStatus.UNREAD).setClaimedBy(null)
                .setWaitingSince(Instant.ofEpochMilli(1000)).setUpdatedAt(Instant.ofEpochMilli(2000))
                .setVersion(9L).setStudyRevision(1).setClinicId("c").setPatientInClinic(true)
                .setLastActionId("a-1").build();
        RoutingRequest request = new RoutingRequest(entry, "dr-a", null, "breast", true);

        byte[] bytes = RoutingRequest.SERDE.serializer().serialize("t", request);

        assertThat(RoutingRequest.SERDE.deserializer().deserialize("t", bytes)).isEqualTo(request);
        assertThat(RoutingRequest.SERDE.serializer().serialize("t", null)).isNull();
    }

    @Test
    void routingRequestOfTheFirstFormatReadsWithoutALastAction() {
        WorklistEntry entry = WorklistEntry.newBuilder()
                .setStudyInstanceUid("1.2.3").setRadiologistId("").setPriorityClass(PriorityClass.ROUTINE)
                .setPriorityScore(1.0).setReasons(List.of()).setStatus(WorklistStatus.UNREAD)
                .setWaitingSince(Instant.ofEpochMilli(1000)).setUpdatedAt(Instant.ofEpochMilli(2000))
                .setVersion(3L).setStudyRevision(1).setPatientInClinic(false).build();
        RoutingRequest request = new RoutingRequest(entry, null, "site", null, false);
        byte[] current = RoutingRequest.SERDE.serializer().serialize("t", request);
        // Format 1 is format 2 without the trailing lastActionId (here one "absent" byte).
        byte[] first = Arrays.copyOf(current, current.length - 1);
        first[0] = 1;

        assertThat(RoutingRequest.SERDE.deserializer().deserialize("t", first)).isEqualTo(request);
    }

    @Test
    void unknownFormatIsASerializationError() {
        assertThatThrownBy(() -> Assignment.SERDE.deserializer().deserialize("t", new byte[] {9, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown internal format 9");
    }
}
