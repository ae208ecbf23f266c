package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimerIndexTest {

    @Test
    void padsTimesExactlyAsTheFormattedKeysDid() {
        long[] times = {0L, 7L, 1_795_366_571_477L, 999_999_999_999_999_999L, Long.MAX_VALUE, -1L, Long.MIN_VALUE};
        for (long time : times) {
            assertThat(TimerIndex.padded(time)).as("time %d", time).isEqualTo(String.format("%019d", time));
        }
    }

    @Test
    void paddedTimesSortAsTheTimesDo() {
        assertThat(TimerIndex.padded(999L)).isLessThan(TimerIndex.padded(1_000L));
        assertThat(TimerIndex.padded(1_795_366_571_477L)).isLessThan(TimerIndex.padded(1_795_366_571_478L));
    }
}
