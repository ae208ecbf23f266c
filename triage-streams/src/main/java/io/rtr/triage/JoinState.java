package io.rtr.triage;

import io.rtr.schemas.OrderContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The order join's state, shared by its study side and its order side: latest order per accession
 * ({@link TriageTopology#ORDER_STORE}), last revision per study
 * ({@link TriageTopology#JOINED_STUDY_STORE}, key = join key, NUL, study UID) and one in-memory
 * expiry index for both. Entries expire a retention period of stream time after they were last
 * written.
 *
 * <p>The expiry index is a {@link DeadlineIndex} per task, shared by the join's two processors
 * through {@link Indexes}: each expiry time is stored with its entry anyway, so the index is
 * rebuilt from the two stores whenever the task initializes ({@link #rebuildExpiry}, by the study
 * side, which owns the expiry punctuation; a task processes nothing before both processors are
 * initialized, so the order side may come first or second) instead of being written to a store of
 * its own for every study and order.
 */
final class JoinState {

    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();
    private static final String ORDER_TAG = "O";
    private static final String STUDY_TAG = "S";

    private final KeyValueStore<String, Timed<OrderContext>> orders;
    private final KeyValueStore<String, Timed<JoinedStudy>> studies;
    private final DeadlineIndex expiry;
    private final Indexes indexes;
    private final TaskId task;
    private final long retentionMs;

    /** The join's expiry indexes, one per task; one instance serves both join processors of a topology. */
    static final class Indexes {
        private final ConcurrentMap<TaskId, DeadlineIndex> byTask = new ConcurrentHashMap<>();
    }

    /** The join state of {@code context}'s task, sharing the task's expiry index. */
    JoinState(ProcessorContext<?, ?> context, Duration retention, Indexes indexes) {
        this.orders = context.getStateStore(TriageTopology.ORDER_STORE);
        this.studies = context.getStateStore(TriageTopology.JOINED_STUDY_STORE);
        this.indexes = indexes;
        this.task = context.taskId();
        this.expiry = indexes.byTask.computeIfAbsent(task, t -> new DeadlineIndex());
        this.retentionMs = retention.toMillis();
    }

    /** Refills the task's expiry index from the two stores, as restored for the task's initialization. */
    void rebuildExpiry() {
        expiry.clear();
        try (KeyValueIterator<String, Timed<OrderContext>> it = orders.all()) {
            while (it.hasNext()) {
                KeyValue<String, Timed<OrderContext>> entry = it.next();
                expiry.set(ORDER_TAG + entry.key, entry.value.expiresAtMs());
            }
        }
        try (KeyValueIterator<String, Timed<JoinedStudy>> it = studies.all()) {
            while (it.hasNext()) {
                KeyValue<String, Timed<JoinedStudy>> entry = it.next();
                expiry.set(STUDY_TAG + entry.key, entry.value.expiresAtMs());
            }
        }
    }

    /** Drops the task's index when a processor closes; the next initialization rebuilds it. */
    void release() {
        indexes.byTask.remove(task, expiry);
    }

    /** Store key: the join key, a separator no accession number contains, the study UID. */
    static String studyKey(String joinKey, String studyInstanceUid) {
        return joinKey + '\u0000' + studyInstanceUid;
    }

    /**
     * The order of {@code accession}, or null when none is stored or its retention ended by
     * {@code streamTimeMs} (a punctuation may not have removed it yet: in a running app the record
     * that moves stream time on is processed before the punctuation, and the answer must not
     * depend on that).
     */
    OrderContext order(String accession, long streamTimeMs) {
        Timed<OrderContext> timed = orders.get(accession);
        return timed == null || timed.expiresAtMs() <= streamTimeMs ? null : timed.value();
    }

    void putOrder(String accession, OrderContext order, long activityMs) {
        long expiresAt = activityMs + retentionMs;
        orders.put(accession, new Timed<>(order, expiresAt));
        expiry.set(ORDER_TAG + accession, expiresAt);
    }

    void deleteOrder(String accession) {
        orders.delete(accession);
        expiry.remove(ORDER_TAG + accession);
    }

    /** The last revision stored under {@code storeKey}, or null; expired counts as absent, as for orders. */
    JoinedStudy study(String storeKey, long streamTimeMs) {
        Timed<JoinedStudy> timed = studies.get(storeKey);
        return timed == null || timed.expiresAtMs() <= streamTimeMs ? null : timed.value();
    }

    /** Stores {@code study} under {@code storeKey}, expiring a retention after {@code activityMs}. */
    void putStudy(String storeKey, JoinedStudy study, long activityMs) {
        long expiresAt = activityMs + retentionMs;
        studies.put(storeKey, new Timed<>(study, expiresAt));
        expiry.set(STUDY_TAG + storeKey, expiresAt);
    }

    /** The unexpired studies whose join key is {@code joinKey}, with their store keys. */
    List<KeyValue<String, Timed<JoinedStudy>>> studiesOf(String joinKey, long streamTimeMs) {
        List<KeyValue<String, Timed<JoinedStudy>>> found = new ArrayList<>();
        try (KeyValueIterator<String, Timed<JoinedStudy>> it =
                     studies.prefixScan(joinKey + '\u0000', PREFIX_SERIALIZER)) {
            while (it.hasNext()) {
                KeyValue<String, Timed<JoinedStudy>> entry = it.next();
                if (entry.value.expiresAtMs() > streamTimeMs) {
                    found.add(entry);
                }
            }
        }
        return found;
    }

    /** Removes every order and study whose retention ended at or before {@code streamTimeMs}. */
    void expire(long streamTimeMs) {
        for (String tagged : expiry.takeDue(streamTimeMs)) {
            String key = tagged.substring(1);
            if (tagged.startsWith(ORDER_TAG)) {
                orders.delete(key);
            } else {
                studies.delete(key);
            }
        }
    }
}
