package io.rtr.triage.priority;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The worklist's priority class and score of a study for tools outside the prioritization app,
 * such as the replay A/B report: the very {@link PriorityPolicy} the app ranks with, at the
 * default weights of {@link PrioritizationConfig}, so that a "what would model B have done" answer
 * cannot drift from what the live pipeline does.
 */
public final class PriorityClassifier {

    /**
     * Where a study stands: its class (the enum declares the most urgent first), its score within
     * the class (higher is read first) and the reasons a radiologist would see.
     */
    public record Ranking(PriorityClass priorityClass, double priorityScore, List<String> reasons) {
    }

    // Weights only move the score, never the class; the defaults are what an unconfigured app uses.
    private static final PriorityPolicy DEFAULT_POLICY = new PriorityPolicy(
            PrioritizationConfig.SUSPICION_WEIGHT_DEFAULT, PrioritizationConfig.AGING_PER_MINUTE_DEFAULT,
            PrioritizationConfig.URGENT_BONUS_DEFAULT);

    private PriorityClassifier() {
    }

    /**
     * The priority class of a study scored {@code studyScore} by a model with {@code threshold}
     * (suspicious when the score reaches it, inclusive, as StudyScored defines it), under the clinic
     * order {@code order} (null when none has been joined yet).
     */
    public static PriorityClass classify(double studyScore, double threshold, OrderContext order) {
        StudyPriorityState state = new StudyPriorityState();
        state.apply(withOrder(order));
        state.scoredRevision = 1;
        state.studyScore = studyScore;
        state.threshold = threshold;
        state.suspicious = studyScore >= threshold;
        return DEFAULT_POLICY.rank(state, 0).priorityClass();
    }

    /**
     * The ranking the app would give revision {@code study} scored by {@code score} (null: not scored
     * yet) at instant {@code at}, waiting since the revision was assembled. Two rankings of the same
     * study at the same instant differ only by what the scores change, which is how the replay swaps
     * a live score for a shadow one in an emitted worklist entry.
     */
    public static Ranking rank(StudyAssembled study, StudyScored score, Instant at) {
        Objects.requireNonNull(study, "study");
        Objects.requireNonNull(at, "at");
        StudyPriorityState state = new StudyPriorityState();
        state.apply(study);
        if (score != null) {
            state.apply(score);
        }
        PriorityPolicy.Ranking ranking = DEFAULT_POLICY.rank(state, at.toEpochMilli());
        return new Ranking(ranking.priorityClass(), ranking.score(), ranking.reasons());
    }

    /** A bare revision carrying only the order, so that the order is read exactly as the app reads it. */
    private static StudyAssembled withOrder(OrderContext order) {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid("")
                .setRevision(1)
                .setCompletenessReason(CompletenessReason.QUIET_PERIOD_ELAPSED)
                .setInstances(List.of())
                .setOrderContext(order)
                .setAssembledAt(Instant.EPOCH)
                .build();
    }
}
