package io.rtr.worklist.db;

/**
 * What one {@link WorklistWriter#write} did: rows inserted or replaced, upserts ignored because the
 * stored row was as new or newer (stale or replayed events), and rows archived by tombstones.
 *
 * <p>When the driver rewrites batches into multi-row statements ({@code reWriteBatchedInserts}),
 * Postgres reports no per-row counts: then {@code upserted} counts the rows sent and
 * {@code ignored} only the older versions collapsed within the batch.
 */
public record WriteResult(int upserted, int ignored, int archived) {

    /** Nothing written. */
    public static final WriteResult EMPTY = new WriteResult(0, 0, 0);

    /** The sum of this and {@code other}. */
    public WriteResult plus(WriteResult other) {
        return new WriteResult(upserted + other.upserted, ignored + other.ignored, archived + other.archived);
    }
}
