package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PriorityClassifierTest {

    private static final Instant ARRIVED = Instant.parse("2026-01-01T10:00:00Z");

    private static OrderContext order(OrderPriority priority, Instant arrived, Instant departed) {
        return OrderContext.newBuilder().setAccessionNumber("ACC-1").setOrderPriority(priority)
                .setPatientArrived(arrived).setPatientDeparted(departed).build();
    }

    private static StudyScored score(double studyScore, boolean suspicious) {
        // Set on a fresh sample rather than copied with newBuilder(record): a copy makes Avro load
        // nested classes by name, which its class guard refuses until a deserializer trusted them.
        StudyScored score = SampleEvents.studyScored();
        score.setStudyScore(studyScore);
        score.setThreshold(0.5);
        score.setSuspicious(suspicious);
        return score;
    }

    @Test
    void scoreReachingTheThresholdIsSuspiciousInclusive() {
        OrderContext gone = order(OrderPriority.ROUTINE, ARRIVED, ARRIVED.plusSeconds(60));

        assertThat(PriorityClassifier.classify(0.5, 0.5, gone)).isEqualTo(PriorityClass.SUSPICIOUS);
        assertThat(PriorityClassifier.classify(0.4999, 0.5, gone)).isEqualTo(PriorityClass.ROUTINE);
    }

    @Test
    void patientStillInClinicMakesASuspiciousStudySuspiciousInClinic() {
        assertThat(PriorityClassifier.classify(0.9, 0.5, order(OrderPriority.ROUTINE, ARRIVED, null)))
                .isEqualTo(PriorityClass.SUSPICIOUS_IN_CLINIC);
        assertThat(PriorityClassifier.classify(0.1, 0.5, order(OrderPriority.ROUTINE, ARRIVED, null)))
                .isEqualTo(PriorityClass.ROUTINE);
    }

    @Test
    void statOrderIsStatWhateverTheScoreAndNoOrderIsDecidedByTheScore() {
        assertThat(PriorityClassifier.classify(0.0, 0.5, order(OrderPriority.STAT, null, null)))
                .isEqualTo(PriorityClass.STAT);
        assertThat(PriorityClassifier.classify(0.7, 0.5, null)).isEqualTo(PriorityClass.SUSPICIOUS);
        assertThat(PriorityClassifier.classify(0.3, 0.5, null)).isEqualTo(PriorityClass.ROUTINE);
    }

    @Test
    void rankingsOfOneStudyAtOneInstantDifferOnlyByTheScore() {
        StudyAssembled study = SampleEvents.studyAssembled();
        Instant at = study.getAssembledAt().plusSeconds(600);
        StudyScored low = score(0.2, false);
        StudyScored high = score(0.9, true);

        PriorityClassifier.Ranking lowRanking = PriorityClassifier.rank(study, low, at);
        PriorityClassifier.Ranking highRanking = PriorityClassifier.rank(study, high, at);

        assertThat(lowRanking.priorityClass()).isEqualTo(PriorityClass.ROUTINE);
        assertThat(highRanking.priorityClass()).isEqualTo(PriorityClass.SUSPICIOUS_IN_CLINIC);
        // Default suspicion weight: 100 points per unit of score; the 10 minutes of aging cancel out.
        assertThat(highRanking.priorityScore() - lowRanking.priorityScore()).isCloseTo(70.0, within(1e-9));
        assertThat(highRanking.reasons()).contains("patient in clinic", "waiting 10 min");
    }

    @Test
    void unscoredStudyIsRankedAsAwaitingItsScore() {
        PriorityClassifier.Ranking ranking = PriorityClassifier.rank(SampleEvents.studyAssembled(), null,
                SampleEvents.AT);

        assertThat(ranking.priorityClass()).isEqualTo(PriorityClass.ROUTINE);
        assertThat(ranking.reasons()).contains("awaiting AI score");
    }
}
