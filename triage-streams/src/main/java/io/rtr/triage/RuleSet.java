package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import java.util.List;
import java.util.Optional;

/** The ordered filtering rules of the triage app; the first rule that refuses an instance decides. */
public final class RuleSet {

    private final List<Rule> rules;

    RuleSet(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** Empty when every rule accepts the instance, else the first rejection. */
    Optional<Rejection> evaluate(InstanceReceived instance) {
        for (Rule rule : rules) {
            Optional<Rejection> rejection = rule.check(instance);
            if (rejection.isPresent()) {
                return rejection;
            }
        }
        return Optional.empty();
    }

    /** Ids of the enabled rules in evaluation order, e.g. for the start-up log line. */
    public List<String> ruleIds() {
        return rules.stream().map(Rule::id).toList();
    }
}
