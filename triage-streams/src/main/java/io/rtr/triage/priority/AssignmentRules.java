package io.rtr.triage.priority;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * Who may read a study that its order does not assign: the radiologists of its ordering site,
 * narrowed to those qualified for its subspecialty, narrowed to those on duty; among them the one
 * with the shortest queue. A study no rule can place goes to the shared pool.
 */
final class AssignmentRules {

    /** The outcome of a rule-based choice: who, and the reason shown on the worklist. */
    record Choice(String radiologist, boolean pooled, String reason) {
    }

    private final Map<String, List<String>> bySite;
    private final Map<String, List<String>> bySubspecialty;
    private final List<String> onDuty;
    private final String pool;

    AssignmentRules(Map<String, List<String>> bySite, Map<String, List<String>> bySubspecialty,
                    List<String> onDuty, String pool) {
        this.bySite = Map.copyOf(bySite);
        this.bySubspecialty = Map.copyOf(bySubspecialty);
        this.onDuty = List.copyOf(onDuty);
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    String pool() {
        return pool;
    }

    /** Candidates in rule order (site list order first), before queue lengths are looked at. */
    List<String> candidates(String site, String subspecialty) {
        Set<String> candidates = null;
        if (subspecialty != null && bySubspecialty.containsKey(subspecialty)) {
            candidates = new LinkedHashSet<>(bySubspecialty.get(subspecialty));
        }
        if (site != null && bySite.containsKey(site)) {
            Set<String> siteReaders = new LinkedHashSet<>(bySite.get(site));
            if (candidates != null) {
                // The subspecialty is a requirement, the site a preference: keep the site's
                // qualified readers when there are any, otherwise any qualified reader.
                siteReaders.retainAll(candidates);
                if (!siteReaders.isEmpty()) {
                    candidates = siteReaders;
                }
            } else {
                candidates = siteReaders;
            }
        }
        if (candidates == null) {
            return onDuty;
        }
        if (!onDuty.isEmpty()) {
            candidates.retainAll(onDuty);
        }
        return new ArrayList<>(candidates);
    }

    /**
     * The candidate with the shortest queue ({@code queueLength}); ties go to the earlier one in
     * rule order, so the choice is deterministic and replays give the same answer.
     */
    Choice choose(String site, String subspecialty, ToLongFunction<String> queueLength) {
        List<String> candidates = candidates(site, subspecialty);
        String best = null;
        long bestLength = Long.MAX_VALUE;
        for (String candidate : candidates) {
            long length = queueLength.applyAsLong(candidate);
            if (length < bestLength) {
                best = candidate;
                bestLength = length;
            }
        }
        if (best == null) {
            return new Choice(pool, true, "in " + pool + ": no radiologist on duty matches site "
                    + orNone(site) + ", subspecialty " + orNone(subspecialty));
        }
        return new Choice(best, false, "assigned to " + best + " by rule (site " + orNone(site) + ", subspecialty "
                + orNone(subspecialty) + "; shortest queue of " + candidates.size() + ": " + bestLength + " open)");
    }

    private static String orNone(String value) {
        return value == null ? "any" : value;
    }
}
