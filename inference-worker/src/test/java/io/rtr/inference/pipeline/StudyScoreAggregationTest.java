package io.rtr.inference.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StudyScoreAggregationTest {

    @Test
    void studyScoreIsTheMostSuspiciousImage() {
        assertThat(StudyScoreAggregation.studyScore(new float[] {0.1f, 0.05f, 0.9f, 0.2f}))
                .isEqualTo(0.9f, within(1e-6));
    }

    @Test
    void oneSuspiciousViewAmongCleanOnesMakesTheStudySuspicious() {
        double score = StudyScoreAggregation.studyScore(new float[] {0.01f, 0.02f, 0.4f, 0.01f});
        // The mean (0.11) would fall below a 0.324 threshold; the maximum does not.
        assertThat(StudyScoreAggregation.suspicious(score, 0.324)).isTrue();
    }

    @Test
    void thresholdIsInclusive() {
        assertThat(StudyScoreAggregation.suspicious(0.5, 0.5)).isTrue();
        assertThat(StudyScoreAggregation.suspicious(0.4999, 0.5)).isFalse();
    }

    @Test
    void clampsToTheUnitInterval() {
        assertThat(StudyScoreAggregation.studyScore(new float[] {1.0000001f})).isEqualTo(1.0);
        assertThat(StudyScoreAggregation.studyScore(new float[] {-0.0001f})).isEqualTo(0.0);
    }

    @Test
    void rejectsNoScoresAndNaN() {
        assertThatThrownBy(() -> StudyScoreAggregation.studyScore(new float[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StudyScoreAggregation.studyScore(new float[] {0.2f, Float.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
}
