package io.rtr.schemas;

import java.time.Instant;
import java.util.List;

/**
 * Test helper: one valid instance of every event, with every optional field filled in, so round
 * trips exercise every field. Shipped in the test-jar for other modules' tests.
 */
public final class SampleEvents {

    /** A fixed instant with millisecond precision, which is what timestamp-millis keeps. */
    public static final Instant AT = Instant.ofEpochMilli(1_767_225_600_123L);
    public static final String STUDY_UID = "1.2.826.0.1.3680043.8.498.1";
    public static final String PSEUDONYM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private SampleEvents() {
    }

    /** A left CC mammogram of {@link #STUDY_UID} received over DIMSE. */
    public static InstanceReceived instanceReceived(String sopInstanceUid) {
        return InstanceReceived.newBuilder()
                .setStudyInstanceUid(STUDY_UID)
                .setSeriesInstanceUid(STUDY_UID + ".1")
                .setSopInstanceUid(sopInstanceUid)
                .setSopClassUid("1.2.840.10008.5.1.4.1.1.1.2")
                .setTransferSyntaxUid("1.2.840.10008.1.2.1")
                .setModality("MG")
                .setViewPosition("CC")
                .setImageLaterality("L")
                .setImageType(List.of("ORIGINAL", "PRIMARY"))
                .setBodyPartExamined("BREAST")
                .setBreastImplantPresent(false)
                .setPresentationIntentType("FOR PRESENTATION")
                .setRows(3328)
                .setColumns(2560)
                .setBitsAllocated(16)
                .setBitsStored(12)
                .setManufacturer("ACME")
                .setManufacturerModelName("Mammo 9000")
                .setPatientPseudonym(PSEUDONYM)
                .setPatientAgeYears(52)
                .setAccessionNumber("ACC-0001")
                .setCallingAeTitle("MODALITY1")
                .setCalledAeTitle("RTR")
                .setClinicId("clinic-north")
                .setBlobUri("file:///rtr-data/blobs/ab/cd/" + sopInstanceUid + ".dcm")
                .setBlobSizeBytes(524_288L)
                .setSha256("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .setReceivedAt(AT)
                .setReplacement(false)
                .setSource(IngestSource.DIMSE)
                .build();
    }

    /** A rejection of a for-processing image. */
    public static InstanceRejected instanceRejected() {
        InstanceReceived instance = instanceReceived(STUDY_UID + ".1.9");
        return InstanceRejected.newBuilder()
                .setInstance(instance)
                .setStudyInstanceUid(instance.getStudyInstanceUid())
                .setSopInstanceUid(instance.getSopInstanceUid())
                .setReasonCode(RejectReason.NOT_FOR_PRESENTATION)
                .setRuleId("presentation-intent")
                .setMessage("Presentation Intent Type is FOR PROCESSING")
                .setRejectedAt(AT)
                .setStage("triage-streams/filter")
                .build();
    }

    /** Revision 1 of a two-view study with an order whose patient is in the clinic. */
    public static StudyAssembled studyAssembled() {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid(STUDY_UID)
                .setRevision(1)
                .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE)
                .setInstances(List.of(instanceReceived(STUDY_UID + ".1.1"), instanceReceived(STUDY_UID + ".1.2")))
                .setOrderContext(OrderContext.newBuilder()
                        .setAccessionNumber("ACC-0001")
                        .setPatientPseudonym(PSEUDONYM)
                        .setOrderingSite("clinic-north")
                        .setScheduledAt(AT)
                        .setPatientArrived(AT)
                        .setPatientDeparted(null)
                        .setOrderPriority(OrderPriority.ROUTINE)
                        .setAssignedReader("dr-a")
                        .setSubspecialty("breast")
                        .build())
                .setAssembledAt(AT)
                .setModality("MG")
                .setClinicId("clinic-north")
                .setPatientPseudonym(PSEUDONYM)
                .setAccessionNumber("ACC-0001")
                .build();
    }

    /** A suspicious score for revision 1. */
    public static StudyScored studyScored() {
        return StudyScored.newBuilder()
                .setStudyInstanceUid(STUDY_UID)
                .setStudyRevision(1)
                .setModelName("rtr-reference")
                .setModelVersion("1.0.0")
                .setModelSha256("2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")
                .setInstanceScores(List.of(InstanceScore.newBuilder()
                        .setSopInstanceUid(STUDY_UID + ".1.1")
                        .setViewPosition("CC")
                        .setImageLaterality("L")
                        .setScore(0.91)
                        .build()))
                .setStudyScore(0.91)
                .setThreshold(0.62)
                .setSuspicious(true)
                .setDevice("/CPU:0")
                .setInferenceLatencyMillis(180L)
                .setEndToEndLatencyMillis(640L)
                .setScoredAt(AT)
                .setAccessionNumber("ACC-0001")
                .build();
    }

    /** An unread suspicious-in-clinic entry. */
    public static WorklistEntry worklistEntry() {
        return WorklistEntry.newBuilder()
                .setStudyInstanceUid(STUDY_UID)
                .setAccessionNumber("ACC-0001")
                .setRadiologistId("dr-a")
                .setPriorityClass(PriorityClass.SUSPICIOUS_IN_CLINIC)
                .setPriorityScore(0.91)
                .setStudyScore(0.91)
                .setModelName("rtr-reference")
                .setModelVersion("1.0.0")
                .setReasons(List.of("score 0.91 >= 0.62", "patient in clinic"))
                .setStatus(WorklistStatus.UNREAD)
                .setClaimedBy(null)
                .setWaitingSince(AT)
                .setUpdatedAt(AT)
                .setVersion(7L)
                .setStudyRevision(1)
                .setClinicId("clinic-north")
                .setPatientInClinic(true)
                .build();
    }

    /** A claim by dr-a. */
    public static ReadingAction readingAction() {
        return ReadingAction.newBuilder()
                .setActionId("action-1")
                .setStudyInstanceUid(STUDY_UID)
                .setRadiologistId("dr-a")
                .setAction(ReadingActionType.CLAIM)
                .setAt(AT)
                .setComment("reading now")
                .build();
    }
}
