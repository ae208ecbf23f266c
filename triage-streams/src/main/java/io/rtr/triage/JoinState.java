package io.rtr.triage;

import io.rtr.schemas.OrderContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The order join's state, shared by its study side and its order side: latest order per accession
 * ({@link TriageTopology#ORDER_STORE}), last revision per study
 * ({@link TriageTopology#JOINED_STUDY_STORE}, key = join key, NUL, study UID) and one expiry index
 * for both ({@link TriageTopology#JOIN_EXPIRY_STORE}). Entries expire a retention period of stream
 * time after they were last written.
 */
final class JoinState {

    private static final StringSerializer PREFIX_SERIALIZER = new StringSerializer();
    private static final String ORDER_TAG = "O";
    private static final String STUDY_TAG = "S";

    private final KeyValueStore<String, Timed<OrderContext>> orders;
    private final KeyValueStore<String, Timed<JoinedStudy>> studies;
    private final TimerIndex expiry;
    private final long retentionMs;

    JoinState(ProcessorContext<?, ?> context, Duration retention) {
        this.orders = context.getStateStore(TriageTopology.ORDER_STORE);
        this.studies = context.getStateStore(TriageTopology.JOINED_STUDY_STORE);
        this.expiry = new TimerIndex(context.getStateStore(TriageTopology.JOIN_EXPIRY_STORE));
        this.retentionMs = retention.toMillis();
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
        Timed<OrderContext> old = orders.get(accession);
        if (old != null) {
            expiry.cancel(old.expiresAtMs(), ORDER_TAG + accession);
        }
        long expiresAt = activityMs + retentionMs;
        orders.put(accession, new Timed<>(order, expiresAt));
        expiry.schedule(expiresAt, ORDER_TAG + accession);
    }

    void deleteOrder(String accession) {
        Timed<OrderContext> old = orders.delete(accession);
        if (old != null) {
            expiry.cancel(old.expiresAtMs(), ORDER_TAG + accession);
        }
    }

    /**
     * The entry stored under {@code storeKey}, expired or not, or null: read once, it gives both the
     * last revision ({@link #live}) and the expiry entry that {@link #putStudy} replaces.
     */
    Timed<JoinedStudy> storedStudy(String storeKey) {
        return studies.get(storeKey);
    }

    /** The study in {@code timed}, or null; expired counts as absent, as for orders. */
    static JoinedStudy live(Timed<JoinedStudy> timed, long streamTimeMs) {
        return timed == null || timed.expiresAtMs() <= streamTimeMs ? null : timed.value();
    }

    /** Stores {@code study} under {@code storeKey}, replacing {@code old}, the entry read from the store (or null). */
    void putStudy(String storeKey, Timed<JoinedStudy> old, JoinedStudy study, long activityMs) {
        if (old != null) {
            expiry.cancel(old.expiresAtMs(), STUDY_TAG + storeKey);
        }
        long expiresAt = activityMs + retentionMs;
        studies.put(storeKey, new Timed<>(study, expiresAt));
        expiry.schedule(expiresAt, STUDY_TAG + storeKey);
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
