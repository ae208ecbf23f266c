package io.rtr.inference.pipeline;

/**
 * When to stop collecting images and run the model: as soon as {@code maxSize} images are waiting,
 * or {@code maxWaitMs} after the first of them arrived, whichever comes first. Larger batches keep
 * an accelerator busy; the wait bounds the latency a lone study pays for them. Pure, so it is
 * tested with explicit times.
 */
public record BatchPolicy(int maxSize, long maxWaitMs) {

    public BatchPolicy {
        if (maxSize < 1) {
            throw new IllegalArgumentException("batch max size must be at least 1, got " + maxSize);
        }
        if (maxWaitMs < 0) {
            throw new IllegalArgumentException("batch max wait must be >= 0 ms, got " + maxWaitMs);
        }
    }

    /**
     * Whether the collected work should be scored now.
     *
     * @param images      images collected so far
     * @param firstAtMs   when the first of them was collected
     * @param nowMs       the current time on the same clock
     */
    public boolean due(int images, long firstAtMs, long nowMs) {
        return images > 0 && (images >= maxSize || nowMs - firstAtMs >= maxWaitMs);
    }

    /** How long more may be waited for images before {@link #due} turns true; 0 when it already is. */
    public long remainingWaitMs(int images, long firstAtMs, long nowMs) {
        if (images == 0) {
            return maxWaitMs;
        }
        if (images >= maxSize) {
            return 0;
        }
        return Math.max(0, firstAtMs + maxWaitMs - nowMs);
    }

    /** Number of model runs needed for {@code images} images in batches of at most {@link #maxSize}. */
    public int batches(int images) {
        return (images + maxSize - 1) / maxSize;
    }
}
