package io.rtr.triage;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Due-times of studies, kept in a key-value store whose keys sort by time (zero-padded millis,
 * then the UID), so a punctuation reads only the due entries instead of every study.
 */
final class TimerIndex {

    private static final char SEPARATOR = '\u0000';
    private final KeyValueStore<String, String> store;

    TimerIndex(KeyValueStore<String, String> store) {
        this.store = store;
    }

    void schedule(long atMs, String uid) {
        store.put(key(atMs, uid), uid);
    }

    void cancel(long atMs, String uid) {
        store.delete(key(atMs, uid));
    }

    /** UIDs due at or before {@code nowMs}, removed from the index. */
    List<String> takeDue(long nowMs) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        // "\u0001" sorts after SEPARATOR + any UID, so the bound includes every entry at nowMs.
        try (KeyValueIterator<String, String> it = store.range(null, String.format("%019d", nowMs) + '\u0001')) {
            while (it.hasNext()) {
                due.add(it.next());
            }
        }
        List<String> uids = new ArrayList<>(due.size());
        for (KeyValue<String, String> entry : due) {
            store.delete(entry.key);
            uids.add(entry.value);
        }
        return uids;
    }

    private static String key(long atMs, String uid) {
        return String.format("%019d", atMs) + SEPARATOR + uid;
    }
}
