package io.rtr.triage;

import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import java.time.Instant;
import java.util.List;

/** Instance events for tests: by default a screening MG view that every default rule accepts. */
final class TestInstances {

    static final String MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2";

    private TestInstances() {
    }

    /** A valid view of {@code study}; the SOP UID is derived from laterality and view. */
    static InstanceReceived.Builder view(String study, String laterality, String viewPosition) {
        return InstanceReceived.newBuilder()
                .setStudyInstanceUid(study)
                .setSeriesInstanceUid(study + ".1")
                .setSopInstanceUid(study + ".1." + laterality + viewPosition)
                .setSopClassUid(MG_FOR_PRESENTATION)
                .setTransferSyntaxUid("1.2.840.10008.1.2.1")
                .setModality("MG")
                .setViewPosition(viewPosition)
                .setImageLaterality(laterality)
                .setImageType(List.of("ORIGINAL", "PRIMARY"))
                .setBodyPartExamined("BREAST")
                .setBreastImplantPresent(false)
                .setPresentationIntentType("FOR PRESENTATION")
                .setRows(4096)
                .setColumns(3328)
                .setBitsAllocated(16)
                .setBitsStored(12)
                .setManufacturer("HOLOGIC, Inc.")
                .setManufacturerModelName("Selenia Dimensions")
                .setPatientPseudonym("ab12")
                .setPatientAgeYears(55)
                .setAccessionNumber("ACC-" + study)
                .setClinicId("clinic-1")
                .setBlobUri("file:///blobs/" + study + "/" + laterality + viewPosition + ".dcm")
                .setBlobSizeBytes(500_000L)
                .setSha256("sha-" + laterality + viewPosition)
                .setReceivedAt(Instant.parse("2026-11-22T09:00:00Z"))
                .setReplacement(false)
                .setSource(IngestSource.DIMSE);
    }

    static InstanceReceived valid(String study) {
        return view(study, "L", "CC").build();
    }
}
