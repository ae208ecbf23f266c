package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.ReadingActionType;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssignmentTest {

    private static final Map<String, Object> RULES = Map.of(
            PrioritizationConfig.ON_DUTY_CONFIG, "dr-a,dr-b,dr-c",
            PrioritizationConfig.SITE_READERS_CONFIG, "clinic-north=dr-a|dr-b,clinic-south=dr-c",
            PrioritizationConfig.SUBSPECIALTY_READERS_CONFIG, "breast=dr-b|dr-c");

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
    void assignsTheOrdersReader() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).setAssignedReader("dr-z").build());

        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-z");
        assertThat(p.latest("s1").getReasons()).contains("assigned to dr-z by the order");
    }

    @Test
    void balancesQueueLengthsAmongTheSitesRadiologists() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s3", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());

        // Ties go to the first in rule order; dr-c does not read for clinic-north.
        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-a");
        assertThat(p.latest("s2").getRadiologistId()).isEqualTo("dr-b");
        assertThat(p.latest("s3").getRadiologistId()).isEqualTo("dr-a");

        p.action("s1", ReadingActionType.COMPLETE, "dr-a");
        p.action("s3", ReadingActionType.COMPLETE, "dr-a");
        p.study("s4", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());

        assertThat(p.latest("s4").getRadiologistId()).isEqualTo("dr-a");
        assertThat(p.latest("s4").getReasons()).anySatisfy(reason -> assertThat(reason)
                .startsWith("assigned to dr-a by rule").contains("0 open"));
    }

    @Test
    void requiredSubspecialtyNarrowsTheSitesRadiologists() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).setSubspecialty("breast").build());
        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).setSubspecialty("breast").build());

        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-b");
        assertThat(p.latest("s2").getRadiologistId()).isEqualTo("dr-b");
    }

    @Test
    void studyNoRuleMatchesGoesToThePool() {
        PriorityDriver p = start(Map.of(PrioritizationConfig.ON_DUTY_CONFIG, "dr-a",
                PrioritizationConfig.SITE_READERS_CONFIG, "clinic-north=dr-x"));
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());

        assertThat(p.latest("s1").getRadiologistId()).isEqualTo(PrioritizationConfig.POOL_DEFAULT);
    }

    @Test
    void studyKeepsItsRadiologistWhenReRankedEvenIfAnotherQueueIsShorterNow() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s3", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.action("s2", ReadingActionType.COMPLETE, "dr-b");

        p.score("s3", 1, 0.9);

        assertThat(p.latest("s3").getRadiologistId()).isEqualTo("dr-a");
    }

    @Test
    void releasedStudyIsReassignedByRuleToTheShortestQueue() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.study("s3", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        p.action("s2", ReadingActionType.COMPLETE, "dr-b");
        p.action("s1", ReadingActionType.CLAIM, "dr-a");

        p.action("s1", ReadingActionType.RELEASE, "dr-a");

        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-b");
    }

    @Test
    void releasedStudyAssignedByTheOrderStaysWithTheOrdersReader() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).setAssignedReader("dr-a").build());
        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).setAssignedReader("dr-a").build());
        p.action("s1", ReadingActionType.CLAIM, "dr-a");

        p.action("s1", ReadingActionType.RELEASE, "dr-a");

        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-a");
    }

    @Test
    void claimMovesAPoolStudyToTheClaimerAndReleaseHandsItBackToTheRules() {
        PriorityDriver p = start(Map.of(PrioritizationConfig.ON_DUTY_CONFIG, "dr-a",
                PrioritizationConfig.SITE_READERS_CONFIG, "clinic-north=dr-x"));
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());
        assertThat(p.latest("s1").getRadiologistId()).isEqualTo(PrioritizationConfig.POOL_DEFAULT);

        p.action("s1", ReadingActionType.CLAIM, "dr-a");
        assertThat(p.latest("s1").getRadiologistId()).isEqualTo("dr-a");
        assertThat(p.latest("s1").getReasons()).contains("claimed by dr-a");

        p.action("s1", ReadingActionType.RELEASE, "dr-a");
        assertThat(p.latest("s1").getRadiologistId()).isEqualTo(PrioritizationConfig.POOL_DEFAULT);
    }

    @Test
    void claimedStudiesCountInTheClaimersQueue() {
        PriorityDriver p = start(RULES);
        p.study("s1", 1, PriorityDriver.order(OrderPriority.ROUTINE).setAssignedReader("dr-z").build());
        p.action("s1", ReadingActionType.CLAIM, "dr-a");

        p.study("s2", 1, PriorityDriver.order(OrderPriority.ROUTINE).build());

        assertThat(p.latest("s2").getRadiologistId()).isEqualTo("dr-b");
    }
}
