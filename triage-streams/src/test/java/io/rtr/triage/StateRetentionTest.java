package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.StudyAssembled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State is kept for a retention period of stream time (record timestamps), one hour here. */
class StateRetentionTest {

    private static final String STUDY = "1.2.826.0.5.1";
    private static final String OTHER = "1.2.826.0.5.2";

    @TempDir
    Path stateDir;
    private TriageDriver triage;

    @BeforeEach
    void start() {
        triage = new TriageDriver(stateDir, Map.of(TriageConfig.STATE_RETENTION_MS_CONFIG,
                Duration.ofHours(1).toMillis()));
    }

    @AfterEach
    void stop() {
        triage.close();
    }

    private void sendFourViews(String study) {
        triage.send(TestInstances.view(study, "L", "CC").build());
        triage.send(TestInstances.view(study, "L", "MLO").build());
        triage.send(TestInstances.view(study, "R", "CC").build());
        triage.send(TestInstances.view(study, "R", "MLO").build());
    }

    /** Moves stream time on by sending an unrelated instance with a later timestamp. */
    private void moveStreamTimeTo(Duration sinceStart) {
        triage.sendAt(TestInstances.view(OTHER, "L", "CC").build(), TriageDriver.START.plus(sinceStart));
    }

    @Test
    void lateInstanceWithinRetentionIsARevisionOfTheStudy() {
        sendFourViews(STUDY);
        moveStreamTimeTo(Duration.ofMinutes(50));

        triage.send(TestInstances.view(STUDY, "L", "CC").setSopInstanceUid(STUDY + ".9").setSha256("n").build());

        assertThat(triage.emittedStudies()).extracting(StudyAssembled::getRevision).containsExactly(1, 2);
    }

    @Test
    void instanceAfterRetentionStartsTheStudyAfresh() {
        sendFourViews(STUDY);
        moveStreamTimeTo(Duration.ofHours(2));

        triage.send(TestInstances.view(STUDY, "L", "CC").setSopInstanceUid(STUDY + ".9").setSha256("n").build());
        triage.advanceWallClock(Duration.ofSeconds(61));

        assertThat(triage.studies.readRecordsToList()).filteredOn(r -> r.key().equals(STUDY))
                .extracting(r -> r.value().getRevision(), r -> r.value().getInstances().size())
                .containsExactly(tuple(1, 4), tuple(1, 1));
    }

    @Test
    void studyNotYetEmittedWhenItsStateExpiresIsEmittedFirst() {
        // Stream time can outrun the wall clock only when a backlog is replayed; the study must
        // still go out rather than vanish with its state.
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        moveStreamTimeTo(Duration.ofHours(2));

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getStudyInstanceUid()).isEqualTo(STUDY);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.QUIET_PERIOD_ELAPSED);
        });
    }

    @Test
    void expiredOrderIsNotJoined() {
        triage.sendOrder(OrderJoinTest.orderEvent("c", "ACC-" + STUDY, "STAT", null));
        moveStreamTimeTo(Duration.ofHours(2));

        sendFourViews(STUDY);

        assertThat(triage.emittedStudies()).filteredOn(s -> s.getStudyInstanceUid().equals(STUDY)).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext()).isNull());
    }

    @Test
    void orderWithinRetentionIsJoined() {
        triage.sendOrder(OrderJoinTest.orderEvent("c", "ACC-" + STUDY, "STAT", null));
        moveStreamTimeTo(Duration.ofMinutes(50));

        sendFourViews(STUDY);

        assertThat(triage.emittedStudies()).filteredOn(s -> s.getStudyInstanceUid().equals(STUDY)).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext()).isNotNull());
    }
}
