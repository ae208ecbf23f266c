package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import org.junit.jupiter.api.Test;

class PriorityPolicyTest {

    private static final long MINUTE = 60_000L;
    private final PriorityPolicy policy = new PriorityPolicy(100.0, 2.0, 30.0);

    private static StudyPriorityState scored(double score, boolean suspicious) {
        StudyPriorityState state = new StudyPriorityState();
        state.revision = 1;
        state.waitingSince = 0L;
        state.scoredRevision = 1;
        state.studyScore = score;
        state.threshold = 0.5;
        state.suspicious = suspicious;
        state.modelName = "m";
        state.modelVersion = "2";
        return state;
    }

    @Test
    void statOrderIsStatWhateverTheScore() {
        StudyPriorityState state = scored(0.01, false);
        state.orderPriority = OrderPriority.STAT;

        PriorityPolicy.Ranking ranking = policy.rank(state, 0);

        assertThat(ranking.priorityClass()).isEqualTo(PriorityClass.STAT);
        assertThat(ranking.reasons()).startsWith("STAT order");
    }

    @Test
    void agingRateIsConfigurable() {
        StudyPriorityState state = scored(0.2, false);

        assertThat(policy.rank(state, 10 * MINUTE).score() - policy.rank(state, 0).score()).isEqualTo(20.0);
    }

    @Test
    void arrivedButNotDepartedIsInClinicAndNotArrivedIsNot() {
        StudyPriorityState state = scored(0.9, true);
        assertThat(policy.rank(state, 0).priorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);

        state.patientArrived = 0L;
        assertThat(policy.rank(state, 0).priorityClass()).isEqualTo(PriorityClass.SUSPICIOUS_IN_CLINIC);

        state.patientDeparted = 1L;
        assertThat(policy.rank(state, 0).priorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
    }

    @Test
    void reasonShowsTheScoreBelowItsThreshold() {
        assertThat(policy.rank(scored(0.2, false), 0).reasons())
                .contains("AI score 0.20 < threshold 0.50 (model m 2)");
    }

    @Test
    void onlyAClassChangeOrAScoreChangeOfAtLeastTheMinimumIsMaterial() {
        StudyPriorityState state = scored(0.2, false);
        PriorityPolicy.Ranking now = policy.rank(state, 0);
        state.lastClass = now.priorityClass();
        state.lastScore = now.score();

        assertThat(PriorityPolicy.materiallyChanged(state, policy.rank(state, 2 * MINUTE), 5.0)).isFalse();
        assertThat(PriorityPolicy.materiallyChanged(state, policy.rank(state, 3 * MINUTE), 5.0)).isTrue();
        state.lastClass = PriorityClass.SUSPICIOUS;
        assertThat(PriorityPolicy.materiallyChanged(state, now, 5.0)).isTrue();
    }
}
