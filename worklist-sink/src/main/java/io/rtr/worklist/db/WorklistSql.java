package io.rtr.worklist.db;

import java.util.List;
import java.util.stream.Collectors;

/** The statements the writer runs, built once from the column list so placeholders and columns agree. */
final class WorklistSql {

    /** Columns an upsert writes, in the order {@link WorklistRow#values()} binds them. */
    static final List<String> UPSERT_COLUMNS = List.of(
            "study_instance_uid", "accession_number", "radiologist_id", "priority_class",
            "priority_score", "study_score", "model_name", "model_version", "reasons", "status",
            "claimed_by", "waiting_since", "updated_at", "version", "study_revision", "clinic_id",
            "patient_in_clinic", "last_action_id");

    /**
     * Columns whose stored value is the worklist API's until prioritization has seen the API's last
     * reading action: the API changes them at once, the event only after the action came back
     * through Debezium.
     */
    private static final List<String> READING_COLUMNS = List.of("status", "claimed_by", "last_action_id");

    /** The event has folded the row's newest reading action (or the row has none yet). */
    private static final String EVENT_KNOWS_LAST_ACTION = "worklist_entry.last_action_id IS NULL"
            + " OR worklist_entry.last_action_id = EXCLUDED.last_action_id";

    /**
     * Inserts a row or replaces the stored one only when the event is newer. The WHERE of DO UPDATE
     * is what makes a stale or replayed event a no-op (update count 0) rather than a regression;
     * a newer event also clears archived_at, reopening a study that was read and then revised.
     * Status and claimer follow the event only when it reflects the row's last reading action.
     */
    static final String UPSERT = "INSERT INTO worklist_entry ("
            + String.join(", ", UPSERT_COLUMNS) + ") VALUES ("
            + UPSERT_COLUMNS.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")"
            + " ON CONFLICT (study_instance_uid) DO UPDATE SET "
            + UPSERT_COLUMNS.stream().skip(1).map(WorklistSql::assignment).collect(Collectors.joining(", "))
            + ", archived_at = NULL"
            + " WHERE worklist_entry.version < EXCLUDED.version";

    /**
     * Archives the rows of a batch of tombstones in one statement. Already-archived rows keep their
     * first archived_at, so a replayed tombstone changes nothing and fires no notification.
     */
    static final String ARCHIVE = "UPDATE worklist_entry SET archived_at = now()"
            + " WHERE study_instance_uid = ANY (?) AND archived_at IS NULL";

    private WorklistSql() {
    }

    private static String assignment(String column) {
        return READING_COLUMNS.contains(column)
                ? column + " = CASE WHEN " + EVENT_KNOWS_LAST_ACTION + " THEN EXCLUDED." + column
                        + " ELSE worklist_entry." + column + " END"
                : column + " = EXCLUDED." + column;
    }
}
