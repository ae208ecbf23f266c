package io.rtr.triage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One deadline per study UID, in memory, ordered by time so that a punctuation reads only the due
 * entries. It holds nothing of its own: every deadline is also a field of the study's state in a
 * changelogged store, and the owning processor rebuilds the index from that store whenever its task
 * is (re)initialized, after restoration, including after an aborted transaction. Keeping it out of
 * a store saves a changelog write, a RocksDB write and a cache entry per study and deadline (about
 * 2.5 of the 6.5 internal log writes per study of the assembler) and two RocksDB stores per task
 * to open. Memory: about 200 bytes per study with a deadline, i.e. per study within retention.
 */
final class DeadlineIndex {

    private record Entry(long atMs, String uid) {
    }

    private static final Comparator<Entry> ORDER =
            Comparator.comparingLong(Entry::atMs).thenComparing(Entry::uid);

    private final TreeSet<Entry> byTime = new TreeSet<>(ORDER);
    private final Map<String, Long> byUid = new HashMap<>();

    /** Sets {@code uid}'s deadline to {@code atMs}, replacing the one it had. */
    void set(String uid, long atMs) {
        Long old = byUid.put(uid, atMs);
        if (old != null) {
            if (old == atMs) {
                return;
            }
            byTime.remove(new Entry(old, uid));
        }
        byTime.add(new Entry(atMs, uid));
    }

    /** Removes {@code uid}'s deadline, if it has one. */
    void remove(String uid) {
        Long old = byUid.remove(uid);
        if (old != null) {
            byTime.remove(new Entry(old, uid));
        }
    }

    /** UIDs whose deadline is at or before {@code nowMs}, in time order, removed from the index. */
    List<String> takeDue(long nowMs) {
        List<String> due = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.first().atMs() <= nowMs) {
            Entry entry = byTime.pollFirst();
            byUid.remove(entry.uid());
            due.add(entry.uid());
        }
        return due;
    }

    int size() {
        return byUid.size();
    }

    void clear() {
        byTime.clear();
        byUid.clear();
    }
}
