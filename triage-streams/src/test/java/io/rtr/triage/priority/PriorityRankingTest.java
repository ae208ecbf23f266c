package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.WorklistEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriorityRankingTest {

    @TempDir
    Path stateDir;
    private PriorityDriver priority;

    private PriorityDriver start(Map<String, ?> overrides) {
        priority = new PriorityDriver(stateDir, overrides);
        return priority;
    }

    @AfterEach
    void stop() {
        if (priority != null) {
            priority.close();
        }
    }

    @Test
    void ordersStatBeforeSuspiciousInClinicBeforeSuspiciousBeforeRoutine() {
        PriorityDriver p = start(Map.of());
        p.study("routine", 1, PriorityDriver.inClinic(OrderPriority.ROUTINE).build());
        p.score("routine", 1, 0.10);
        p.study("suspicious", 1, PriorityDriver.departed(OrderPriority.ROUTINE).build());
        p.score("suspicious", 1, 0.95);
        p.study("in-clinic", 1, PriorityDriver.inClinic(OrderPriority.ROUTINE).build());
        p.score("in-clinic", 1, 0.60);
        p.study("stat", 1, PriorityDriver.departed(OrderPriority.STAT).build());
        p.score("stat", 1, 0.05);

        assertThat(p.latest("stat").getPriorityClass()).isEqualTo(PriorityClass.STAT);
        assertThat(p.latest("in-clinic").getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS_IN_CLINIC);
        assertThat(p.latest("suspicious").getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
        assertThat(p.latest("routine").getPriorityClass()).isEqualTo(PriorityClass.ROUTINE);
        // The class is strict: a higher AI score does not lift a departed patient above one still in clinic.
        assertThat(p.readingOrder()).containsExactly("stat", "in-clinic", "suspicious", "routine");
    }

    @Test
    void explainsTheRankingInReasons() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, PriorityDriver.inClinic(OrderPriority.URGENT).build());
        p.score("s1", 1, 0.91);
        p.advanceWallClock(Duration.ofMinutes(42));
        p.study("s1", 2, PriorityDriver.inClinic(OrderPriority.URGENT).build());

        WorklistEntry entry = p.latest("s1");
        assertThat(entry.getReasons()).contains("URGENT order (+30)",
                "AI score 0.91 >= threshold 0.32 (model rtr-reference 1.0.0)", "patient in clinic", "waiting 42 min");
        assertThat(entry.getPatientInClinic()).isTrue();
        assertThat(entry.getStudyScore()).isEqualTo(0.91);
        assertThat(entry.getModelVersion()).isEqualTo("1.0.0");
        // 0.91 * 100 (suspicion) + 42 min * 1 (aging) + 30 (urgent).
        assertThat(entry.getPriorityScore()).isEqualTo(163.0);
    }

    @Test
    void unscoredStudyIsOnTheWorklistAsRoutineAwaitingItsScore() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, null);

        WorklistEntry entry = p.latest("s1");
        assertThat(entry.getPriorityClass()).isEqualTo(PriorityClass.ROUTINE);
        assertThat(entry.getStudyScore()).isNull();
        assertThat(entry.getReasons()).contains("awaiting AI score");
        assertThat(entry.getVersion()).isPositive();
    }

    @Test
    void scoreBeforeItsStudyIsKeptAndUsedWhenTheStudyArrives() {
        PriorityDriver p = start(Map.of());
        p.score("s1", 1, 0.8);
        assertThat(p.drain()).isEmpty();

        p.study("s1", 1, null);

        assertThat(p.latest("s1").getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
    }

    @Test
    void agingRaisesAWaitingRoutineStudyUntilItOvertakesAFresherOneWithAHigherScore() {
        PriorityDriver p = start(Map.of(PrioritizationConfig.AGING_MIN_CHANGE_CONFIG, 5.0));
        p.study("old", 1, null);
        p.score("old", 1, 0.10);
        double initial = p.latest("old").getPriorityScore();
        p.drain();

        // Below the minimum change nothing is re-emitted: aging must not flood the topic.
        p.advanceWallClock(Duration.ofMinutes(4));
        assertThat(p.drain()).isEmpty();

        p.advanceWallClock(Duration.ofMinutes(1));
        List<KeyValue<String, WorklistEntry>> aged = p.drain();
        assertThat(aged).singleElement().satisfies(record -> {
            assertThat(record.value.getPriorityScore()).isEqualTo(initial + 5.0);
            assertThat(record.value.getUpdatedAt()).isEqualTo(PriorityDriver.START.plus(Duration.ofMinutes(5)));
            assertThat(record.value.getReasons()).contains("waiting 5 min");
        });

        // After 20 minutes of waiting the old study (10 + 20) is ahead of a fresh one scored 0.25
        // (25 + 0), which without aging would have gone first; one scored 0.35 still goes first.
        p.advanceWallClock(Duration.ofMinutes(15));
        p.study("fresh", 1, null);
        p.score("fresh", 1, 0.25);
        p.study("fresher", 1, null);
        p.score("fresher", 1, 0.35);
        assertThat(p.latest("old").getPriorityScore()).isEqualTo(initial + 20.0);
        assertThat(p.readingOrder()).containsExactly("fresher", "old", "fresh");
    }

    @Test
    void agingLeavesClaimedStudiesAlone() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, null);
        p.action("s1", ReadingActionType.CLAIM, "dr-a");
        p.drain();

        p.advanceWallClock(Duration.ofMinutes(30));

        assertThat(p.drain()).isEmpty();
    }

    @Test
    void newScoreReRanksTheEntryWithAHigherVersion() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, PriorityDriver.departed(OrderPriority.ROUTINE).build());
        p.score("s1", 1, 0.10);
        WorklistEntry before = p.latest("s1");
        assertThat(before.getPriorityClass()).isEqualTo(PriorityClass.ROUTINE);

        p.study("s1", 2, PriorityDriver.departed(OrderPriority.ROUTINE).build());
        p.score("s1", 2, 0.70);

        List<KeyValue<String, WorklistEntry>> all = p.emitted;
        WorklistEntry after = p.latest("s1");
        assertThat(after.getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
        assertThat(after.getStudyRevision()).isEqualTo(2);
        assertThat(after.getVersion()).isGreaterThan(before.getVersion());
        assertThat(all).extracting(record -> record.value.getVersion()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void staleScoreOfAnEarlierRevisionDoesNotReplaceANewerOne() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, null);
        p.score("s1", 2, 0.70);
        p.drain();

        p.score("s1", 1, 0.05);

        assertThat(p.drain()).isEmpty();
        assertThat(p.latest("s1").getStudyScore()).isEqualTo(0.70);
    }

    @Test
    void patientLeavingTheClinicMovesASuspiciousStudyDownAClassWithANewVersion() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 1, PriorityDriver.inClinic(OrderPriority.ROUTINE).build());
        p.score("s1", 1, 0.8);
        WorklistEntry inClinic = p.latest("s1");
        assertThat(inClinic.getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS_IN_CLINIC);

        // The triage app publishes the order change as an ORDER_ENRICHED revision.
        p.study("s1", 2, PriorityDriver.departed(OrderPriority.ROUTINE).build());

        WorklistEntry departed = p.latest("s1");
        assertThat(departed.getPriorityClass()).isEqualTo(PriorityClass.SUSPICIOUS);
        assertThat(departed.getPatientInClinic()).isFalse();
        assertThat(departed.getReasons()).doesNotContain("patient in clinic");
        assertThat(departed.getVersion()).isGreaterThan(inClinic.getVersion());
    }

    @Test
    void staleRevisionIsIgnored() {
        PriorityDriver p = start(Map.of());
        p.study("s1", 2, PriorityDriver.departed(OrderPriority.ROUTINE).build());
        p.drain();

        p.study("s1", 1, PriorityDriver.inClinic(OrderPriority.STAT).build());

        assertThat(p.drain()).isEmpty();
    }
}
