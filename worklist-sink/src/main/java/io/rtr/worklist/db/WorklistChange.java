package io.rtr.worklist.db;

import io.rtr.schemas.WorklistEntry;
import java.util.Objects;

/**
 * One change to the worklist table: an entry to upsert, or a tombstone (the study was read) that
 * archives the study's row.
 */
public final class WorklistChange {

    private final String studyInstanceUid;
    private final WorklistEntry entry;

    private WorklistChange(String studyInstanceUid, WorklistEntry entry) {
        this.studyInstanceUid = Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
        this.entry = entry;
    }

    /** Upserts {@code entry} unless the stored row already has the same or a newer version. */
    public static WorklistChange upsert(WorklistEntry entry) {
        Objects.requireNonNull(entry, "entry");
        return new WorklistChange(entry.getStudyInstanceUid(), entry);
    }

    /** Archives the row of {@code studyInstanceUid}, taking it off every worklist view. */
    public static WorklistChange tombstone(String studyInstanceUid) {
        return new WorklistChange(studyInstanceUid, null);
    }

    /** The study this change is about. */
    public String studyInstanceUid() {
        return studyInstanceUid;
    }

    /** The entry to upsert, or null for a tombstone. */
    public WorklistEntry entry() {
        return entry;
    }

    /** Whether this change archives the row. */
    public boolean isTombstone() {
        return entry == null;
    }

    @Override
    public String toString() {
        return isTombstone() ? "tombstone(" + studyInstanceUid + ")"
                : "upsert(" + studyInstanceUid + " v" + entry.getVersion() + ")";
    }
}
