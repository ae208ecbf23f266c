package io.rtr.inference.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BatchPolicyTest {

    private final BatchPolicy policy = new BatchPolicy(8, 50);

    @Test
    void isDueAsSoonAsTheBatchIsFullEvenBeforeTheWaitEnds() {
        assertThat(policy.due(7, 1_000, 1_000)).isFalse();
        assertThat(policy.due(8, 1_000, 1_000)).isTrue();
        assertThat(policy.due(11, 1_000, 1_001)).isTrue();
        assertThat(policy.remainingWaitMs(8, 1_000, 1_000)).isZero();
    }

    @Test
    void isDueWhenTheFirstImageHasWaitedTheMaximumEvenIfTheBatchIsNotFull() {
        assertThat(policy.due(1, 1_000, 1_049)).isFalse();
        assertThat(policy.remainingWaitMs(1, 1_000, 1_049)).isEqualTo(1);
        assertThat(policy.due(1, 1_000, 1_050)).isTrue();
        assertThat(policy.remainingWaitMs(1, 1_000, 1_070)).isZero();
    }

    @Test
    void nothingCollectedIsNeverDue() {
        assertThat(policy.due(0, 0, Long.MAX_VALUE / 2)).isFalse();
        assertThat(policy.remainingWaitMs(0, 0, 10)).isEqualTo(50);
    }

    @Test
    void aZeroWaitScoresWhateverIsThere() {
        BatchPolicy noWait = new BatchPolicy(32, 0);
        assertThat(noWait.due(1, 5, 5)).isTrue();
    }

    @Test
    void countsTheModelRunsARoundNeeds() {
        assertThat(policy.batches(0)).isZero();
        assertThat(policy.batches(8)).isEqualTo(1);
        assertThat(policy.batches(9)).isEqualTo(2);
        assertThat(new BatchPolicy(1, 0).batches(4)).isEqualTo(4);
    }

    @Test
    void rejectsAnEmptyBatchOrANegativeWait() {
        assertThatThrownBy(() -> new BatchPolicy(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchPolicy(4, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
