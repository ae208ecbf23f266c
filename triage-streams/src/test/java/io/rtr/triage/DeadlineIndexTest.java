package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadlineIndexTest {

    private final DeadlineIndex index = new DeadlineIndex();

    @Test
    void takesDueUidsInTimeOrderAndOnlyOnce() {
        index.set("b", 20);
        index.set("a", 10);
        index.set("c", 30);
        index.set("d", 20);

        assertThat(index.takeDue(9)).isEmpty();
        assertThat(index.takeDue(20)).containsExactly("a", "b", "d");
        assertThat(index.takeDue(20)).isEmpty();
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void aNewDeadlineReplacesTheOldOneEitherWay() {
        index.set("a", 10);
        index.set("a", 50);
        index.set("b", 40);
        index.set("b", 5);

        assertThat(index.takeDue(10)).containsExactly("b");
        assertThat(index.takeDue(49)).isEmpty();
        assertThat(index.takeDue(50)).containsExactly("a");
    }

    @Test
    void removedAndClearedUidsAreNeverDue() {
        index.set("a", 10);
        index.set("b", 10);
        index.remove("a");
        index.remove("never-set");
        assertThat(index.takeDue(10)).containsExactly("b");

        index.set("c", 10);
        index.clear();
        assertThat(index.takeDue(Long.MAX_VALUE)).isEmpty();
        assertThat(index.size()).isZero();
    }
}
