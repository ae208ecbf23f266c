package io.rtr.triage;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * When a study is complete: the views expected per modality (laterality-viewPosition, e.g. L-CC)
 * and the quiet period per modality after which an incomplete study is emitted anyway.
 */
record AssemblyPolicy(Map<String, Set<String>> expectedViews, Map<String, Duration> quietPeriods,
                      Duration defaultQuietPeriod) {

    AssemblyPolicy {
        expectedViews = Map.copyOf(expectedViews);
        quietPeriods = Map.copyOf(quietPeriods);
        Objects.requireNonNull(defaultQuietPeriod, "defaultQuietPeriod");
    }

    /** Whether {@code instances} cover every expected view of {@code modality}; false when none are configured. */
    boolean viewsComplete(String modality, List<StudyState.Instance> instances) {
        Set<String> expected = modality == null ? null : expectedViews.get(modality.toUpperCase(Locale.ROOT));
        if (expected == null || expected.isEmpty()) {
            return false;
        }
        Set<String> seen = new HashSet<>();
        for (StudyState.Instance instance : instances) {
            if (instance.imageLaterality() != null && instance.viewPosition() != null) {
                seen.add(viewKey(instance.imageLaterality(), instance.viewPosition()));
            }
        }
        return seen.containsAll(expected);
    }

    Duration quietPeriod(String modality) {
        return modality == null ? defaultQuietPeriod
                : quietPeriods.getOrDefault(modality.toUpperCase(Locale.ROOT), defaultQuietPeriod);
    }

    static String viewKey(String laterality, String viewPosition) {
        return laterality.trim().toUpperCase(Locale.ROOT) + "-" + viewPosition.trim().toUpperCase(Locale.ROOT);
    }
}
