package io.rtr.standalone.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyScored;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayReportTest {

    private static List<StudyScored> scores(double... values) {
        List<StudyScored> scores = new ArrayList<>();
        for (double value : values) {
            StudyScored score = SampleEvents.studyScored();
            score.setStudyScore(value);
            score.setThreshold(0.5);
            score.setSuspicious(value >= 0.5);
            scores.add(score);
        }
        return scores;
    }

    @Test
    void percentilesAreNearestRankScoresOfTheSample() {
        ReplayReport.Distribution d = ReplayReport.Distribution.of(
                scores(0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0));

        assertThat(d.count()).isEqualTo(10);
        assertThat(d.mean()).isCloseTo(0.55, within(1e-9));
        assertThat(d.p50()).isEqualTo(0.5);
        assertThat(d.p90()).isEqualTo(0.9);
        assertThat(d.suspicious()).isEqualTo(6);
        assertThat(d.shareSuspicious()).isEqualTo(0.6);
    }

    @Test
    void emptySampleHasNoStatistics() {
        ReplayReport.Distribution d = ReplayReport.Distribution.of(List.of());

        assertThat(d.count()).isZero();
        assertThat(d.mean()).isNaN();
        assertThat(d.p50()).isNaN();
        assertThat(d.shareSuspicious()).isNaN();
    }

    @Test
    void oneScoreIsItsOwnMedianAndP90() {
        ReplayReport.Distribution d = ReplayReport.Distribution.of(scores(0.3));

        assertThat(d.p50()).isEqualTo(0.3);
        assertThat(d.p90()).isEqualTo(0.3);
    }
}
