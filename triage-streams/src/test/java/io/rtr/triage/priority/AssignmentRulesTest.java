package io.rtr.triage.priority;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssignmentRulesTest {

    @Test
    void rulesPreferTheSitesQualifiedReadersThenAnyQualifiedOneThenThePool() {
        AssignmentRules rules = new AssignmentRules(Map.of("north", List.of("a", "b"), "south", List.of("c")),
                Map.of("breast", List.of("b", "c")), List.of("a", "b", "c"), "pool");

        assertThat(rules.candidates("north", "breast")).containsExactly("b");
        assertThat(rules.candidates("south", "breast")).containsExactly("c");
        // Unknown site (no site rule): any qualified reader.
        assertThat(rules.candidates("east", "breast")).containsExactly("b", "c");
        // No rule applies: everyone on duty.
        assertThat(rules.candidates(null, null)).containsExactly("a", "b", "c");
        assertThat(rules.choose("north", null, r -> r.equals("a") ? 3 : 1).radiologist()).isEqualTo("b");
    }

    @Test
    void offDutyReadersAreNeverChosen() {
        AssignmentRules rules = new AssignmentRules(Map.of("north", List.of("a", "b")), Map.of(), List.of("b"),
                "pool");

        assertThat(rules.choose("north", null, r -> 0).radiologist()).isEqualTo("b");
        assertThat(new AssignmentRules(Map.of("north", List.of("a")), Map.of(), List.of("b"), "pool")
                .choose("north", null, r -> 0).pooled()).isTrue();
    }
}
