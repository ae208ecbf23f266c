package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorklistLifecycleTest {

    @TempDir
    Path stateDir;
    private PriorityDriver p;

    @BeforeEach
    void start() {
        p = new PriorityDriver(stateDir, Map.of(PrioritizationConfig.ON_DUTY_CONFIG, "dr-a,dr-b"));
        p.study("s1", 1, PriorityDriver.inClinic(OrderPriority.ROUTINE).build());
        p.score("s1", 1, 0.9);
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void claimMarksTheEntryClaimedAndReleaseMakesItUnreadAgain() {
        assertThat(p.latest("s1").getLastActionId()).isNull();
        String claim = p.action("s1", ReadingActionType.CLAIM, "dr-a");
        WorklistEntry claimed = p.latest("s1");
        assertThat(claimed.getStatus()).isEqualTo(WorklistStatus.CLAIMED);
        assertThat(claimed.getClaimedBy()).isEqualTo("dr-a");
        // The sink keeps the API's status until an entry names the action behind it.
        assertThat(claimed.getLastActionId()).isEqualTo(claim);

        String release = p.action("s1", ReadingActionType.RELEASE, "dr-a");
        WorklistEntry released = p.latest("s1");
        assertThat(released.getLastActionId()).isEqualTo(release);
        assertThat(released.getStatus()).isEqualTo(WorklistStatus.UNREAD);
        assertThat(released.getClaimedBy()).isNull();
        assertThat(released.getVersion()).isGreaterThan(claimed.getVersion());
    }

    @Test
    void completionTombstonesTheEntry() {
        p.action("s1", ReadingActionType.COMPLETE, "dr-a");

        List<KeyValue<String, WorklistEntry>> records = p.drain();
        assertThat(records.get(records.size() - 1)).satisfies(record -> {
            assertThat(record.key).isEqualTo("s1");
            assertThat(record.value).isNull();
        });
        assertThat(p.current()).doesNotContainKey("s1");
    }

    @Test
    void lateScoreRevisionOrAgingDoesNotResurrectACompletedStudy() {
        p.action("s1", ReadingActionType.COMPLETE, "dr-a");
        p.drain();

        p.score("s1", 1, 0.99);
        p.study("s1", 2, PriorityDriver.inClinic(OrderPriority.STAT).build());
        p.action("s1", ReadingActionType.CLAIM, "dr-b");
        p.advanceWallClock(Duration.ofHours(2));

        assertThat(p.drain()).isEmpty();
    }

    @Test
    void completionOfAStudyNeverSeenStillBlocksItsLaterEvents() {
        p.action("s2", ReadingActionType.COMPLETE, "dr-a");
        p.study("s2", 1, null);

        assertThat(p.drain()).noneMatch(record -> record.key.equals("s2"));
    }

    @Test
    void completionMarkerExpiresAfterTheRetentionAndAStudySeenAgainGetsAHigherVersion() {
        long lastVersion = p.latest("s1").getVersion();
        p.action("s1", ReadingActionType.COMPLETE, "dr-a");
        p.advanceWallClock(Duration.ofDays(8));
        p.drain();

        // Past the retention the study is unknown again, so a new event starts it afresh.
        p.study("s1", 3, null);

        assertThat(p.latest("s1")).isNotNull();
        // The sink keeps the archived row's version as a watermark: the new entry must beat it.
        assertThat(p.latest("s1").getVersion()).isGreaterThan(lastVersion);
    }

    @Test
    void redeliveredActionChangesNothing() {
        ReadingAction claim = ReadingAction.newBuilder()
                .setActionId("a-1").setStudyInstanceUid("s1").setRadiologistId("dr-a")
                .setAction(ReadingActionType.CLAIM).setAt(PriorityDriver.START).build();
        p.actions.pipeInput("s1", claim);
        p.drain();

        p.actions.pipeInput("s1", claim);

        assertThat(p.drain()).isEmpty();
    }

    @Test
    void versionsOfAStudyOnlyGrow() {
        p.action("s1", ReadingActionType.CLAIM, "dr-a");
        p.action("s1", ReadingActionType.RELEASE, "dr-a");
        p.study("s1", 2, PriorityDriver.departed(OrderPriority.ROUTINE).build());
        p.advanceWallClock(Duration.ofMinutes(30));

        p.drain();
        List<Long> versions = p.emitted.stream()
                .filter(record -> record.value != null).map(record -> record.value.getVersion()).toList();
        assertThat(versions).hasSizeGreaterThanOrEqualTo(5).isSorted().doesNotHaveDuplicates();
    }
}
