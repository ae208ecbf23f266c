package io.rtr.inference.pipeline;

/**
 * Turns per-image scores into the study score. The study score is the maximum image score: a
 * screening study is suspicious when any one view is (a lesion usually shows on one or two of the
 * four views), so averaging would dilute exactly the signal that matters, and the maximum keeps the
 * study score on the same scale as the model's image-level threshold, which is calibrated per image.
 */
public final class StudyScoreAggregation {

    private StudyScoreAggregation() {
    }

    /** The maximum of {@code scores}, clamped to 0..1 so that a model's rounding never leaves the range. */
    public static double studyScore(float[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("a study needs at least one image score");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            if (Float.isNaN(s)) {
                throw new IllegalArgumentException("the model returned NaN for an image");
            }
            max = Math.max(max, s);
        }
        return Math.min(1.0, Math.max(0.0, max));
    }

    /** Whether a study score reaches the model's threshold (inclusive, as StudyScored documents). */
    public static boolean suspicious(double studyScore, double threshold) {
        return studyScore >= threshold;
    }
}
