package io.rtr.worklist.db;

import io.rtr.schemas.WorklistEntry;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link WorklistEntry} as JDBC values, in {@link WorklistSql#UPSERT_COLUMNS} order: enums as
 * their symbol names (what the CHECK constraints list), timestamps as UTC {@link OffsetDateTime}
 * (what pgjdbc binds to timestamptz without a zone guess), reasons as a String array for text[].
 */
record WorklistRow(String studyInstanceUid, String accessionNumber, String radiologistId, String priorityClass,
                   double priorityScore, Double studyScore, String modelName, String modelVersion,
                   String[] reasons, String status, String claimedBy, OffsetDateTime waitingSince,
                   OffsetDateTime updatedAt, long version, int studyRevision, String clinicId,
                   boolean patientInClinic, String lastActionId) {

    static WorklistRow of(WorklistEntry entry) {
        return new WorklistRow(
                entry.getStudyInstanceUid(),
                entry.getAccessionNumber(),
                entry.getRadiologistId(),
                entry.getPriorityClass().name(),
                entry.getPriorityScore(),
                entry.getStudyScore(),
                entry.getModelName(),
                entry.getModelVersion(),
                entry.getReasons() == null ? new String[0] : entry.getReasons().toArray(new String[0]),
                entry.getStatus().name(),
                entry.getClaimedBy(),
                utc(entry.getWaitingSince()),
                utc(entry.getUpdatedAt()),
                entry.getVersion(),
                entry.getStudyRevision(),
                entry.getClinicId(),
                entry.getPatientInClinic(),
                entry.getLastActionId());
    }

    /** The values to bind, one per {@link WorklistSql#UPSERT_COLUMNS} entry and in that order. */
    List<Object> values() {
        return Arrays.asList(studyInstanceUid, accessionNumber, radiologistId, priorityClass, priorityScore,
                studyScore, modelName, modelVersion, reasons, status, claimedBy, waitingSince, updatedAt,
                version, studyRevision, clinicId, patientInClinic, lastActionId);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
