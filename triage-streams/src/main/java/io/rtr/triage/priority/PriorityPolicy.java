package io.rtr.triage.priority;

import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ranks a study: its priority class (strict: STAT order, suspicious with the patient still in
 * clinic, suspicious, routine) and a score within the class (suspicion + aging + order priority),
 * with the reasons a radiologist sees. A pure function of the study state and the time.
 */
final class PriorityPolicy {

    private static final double MILLIS_PER_MINUTE = 60_000.0;

    private final double suspicionWeight;
    private final double agingPerMinute;
    private final double urgentBonus;

    PriorityPolicy(double suspicionWeight, double agingPerMinute, double urgentBonus) {
        this.suspicionWeight = suspicionWeight;
        this.agingPerMinute = agingPerMinute;
        this.urgentBonus = urgentBonus;
    }

    /** The class, score and reasons of a study at {@code nowMs}. */
    record Ranking(PriorityClass priorityClass, double score, List<String> reasons, boolean patientInClinic) {
    }

    Ranking rank(StudyPriorityState state, long nowMs) {
        List<String> reasons = new ArrayList<>();
        boolean stat = state.orderPriority == OrderPriority.STAT;
        boolean urgent = state.orderPriority == OrderPriority.URGENT;
        boolean inClinic = state.patientArrived != null && state.patientDeparted == null;
        boolean suspicious = state.scored() && state.suspicious;

        PriorityClass priorityClass;
        if (stat) {
            priorityClass = PriorityClass.STAT;
        } else if (suspicious && inClinic) {
            priorityClass = PriorityClass.SUSPICIOUS_IN_CLINIC;
        } else if (suspicious) {
            priorityClass = PriorityClass.SUSPICIOUS;
        } else {
            priorityClass = PriorityClass.ROUTINE;
        }

        double score = 0;
        if (stat) {
            reasons.add("STAT order");
        }
        if (urgent) {
            score += urgentBonus;
            reasons.add(String.format(Locale.ROOT, "URGENT order (+%.0f)", urgentBonus));
        }
        if (state.scored()) {
            score += state.studyScore * suspicionWeight;
            reasons.add(String.format(Locale.ROOT, "AI score %.2f %s threshold %.2f (model %s %s)", state.studyScore,
                    state.suspicious ? ">=" : "<", state.threshold, state.modelName, state.modelVersion));
        } else {
            reasons.add("awaiting AI score");
        }
        if (inClinic) {
            reasons.add("patient in clinic");
        }
        // Wall clock against the study's event time: waiting is a real-world duration, and a
        // clock that only moved with new events would stop aging exactly when the queue is quiet.
        long waitedMs = state.waitingSince == null ? 0 : Math.max(0, nowMs - state.waitingSince);
        score += waitedMs / MILLIS_PER_MINUTE * agingPerMinute;
        reasons.add("waiting " + waitedMs / 60_000L + " min");
        // Three decimals: stable values in the topic and the table, and no false "changes".
        return new Ranking(priorityClass, Math.round(score * 1000.0) / 1000.0, List.copyOf(reasons), inClinic);
    }

    /** Whether a re-ranking differs enough from what was last emitted to be worth an update. */
    static boolean materiallyChanged(StudyPriorityState state, Ranking ranking, double minChange) {
        return ranking.priorityClass() != state.lastClass || Math.abs(ranking.score() - state.lastScore) >= minChange;
    }
}
