package io.rtr.worklist.api;

import java.util.List;

/**
 * One row of a radiologist's worklist as the API returns it: the study, where it stands in the
 * reading order, and why (priority class, scores, model, minutes waiting, reasons).
 */
record WorklistItem(int readingOrder, String studyInstanceUid, String accessionNumber, String priorityClass,
                    double priorityScore, Double studyScore, String modelName, String modelVersion,
                    List<String> reasons, String status, String claimedBy, String waitingSince,
                    long minutesWaiting, boolean patientInClinic, String clinicId) {
}
