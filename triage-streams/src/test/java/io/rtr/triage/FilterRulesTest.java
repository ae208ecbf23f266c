package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rule type through the production topology, with the default rules unless a test needs others. */
class FilterRulesTest {

    private static final String STUDY = "1.2.826.0.2.1";

    @TempDir
    Path stateDir;
    private TriageDriver triage;

    @AfterEach
    void stop() {
        if (triage != null) {
            triage.close();
        }
    }

    private InstanceRejected rejectionOf(InstanceReceived instance) {
        if (triage == null) {
            triage = new TriageDriver(stateDir);
        }
        triage.send(instance);
        List<TestRecord<String, InstanceRejected>> records = triage.rejected.readRecordsToList();
        assertThat(records).as("rejections").hasSize(1);
        assertThat(records.get(0).key()).isEqualTo(instance.getStudyInstanceUid());
        InstanceRejected rejection = records.get(0).value();
        assertThat(rejection.getInstance()).isEqualTo(instance);
        assertThat(rejection.getSopInstanceUid()).isEqualTo(instance.getSopInstanceUid());
        assertThat(rejection.getStage()).isEqualTo(InstanceFilterProcessor.STAGE);
        assertThat(rejection.getRejectedAt()).isEqualTo(TriageDriver.START);
        return rejection;
    }

    private void withRules(String yaml) throws IOException {
        Path file = Files.writeString(stateDir.resolve("rules.yaml"), yaml);
        triage = new TriageDriver(stateDir.resolve("state"), Map.of(TriageConfig.RULES_FILE_CONFIG, file.toString()));
    }

    @Test
    void acceptsAScreeningViewThatEveryDefaultRuleAllows() {
        triage = new TriageDriver(stateDir);
        triage.send(TestInstances.valid(STUDY));

        assertThat(triage.rejected.isEmpty()).isTrue();
        assertThat(triage.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void rejectsModalityOtherThanMammography() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setModality("CT").build());

        assertThat(r.getRuleId()).isEqualTo("mg-modality");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.MODALITY_NOT_ALLOWED);
        assertThat(r.getMessage()).contains("modality 'CT'");
    }

    @Test
    void rejectsSopClassOtherThanMammographyForPresentation() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC")
                .setSopClassUid("1.2.840.10008.5.1.4.1.1.1.2.1").build());

        assertThat(r.getRuleId()).isEqualTo("mg-sop-class");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.SOP_CLASS_NOT_ALLOWED);
    }

    @Test
    void rejectsDerivedImageType() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC")
                .setImageType(List.of("DERIVED", "PRIMARY")).build());

        assertThat(r.getRuleId()).isEqualTo("original-primary");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.IMAGE_TYPE_NOT_ORIGINAL_PRIMARY);
        assertThat(r.getMessage()).contains("DERIVED\\PRIMARY");
    }

    @Test
    void rejectsImageForProcessing() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC")
                .setPresentationIntentType("FOR PROCESSING").build());

        assertThat(r.getRuleId()).isEqualTo("for-presentation");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.NOT_FOR_PRESENTATION);
    }

    @Test
    void rejectsViewPositionOutsideTheScreeningViews() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "XCCL").build());

        assertThat(r.getRuleId()).isEqualTo("standard-views");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.VIEW_POSITION_NOT_ALLOWED);
    }

    @Test
    void rejectsImageWithoutLaterality() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setImageLaterality(null).build());

        assertThat(r.getRuleId()).isEqualTo("laterality-left-right");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.LATERALITY_MISSING);
    }

    @Test
    void rejectsImageWithBreastImplant() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setBreastImplantPresent(true).build());

        assertThat(r.getRuleId()).isEqualTo("no-breast-implant");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.BREAST_IMPLANT_PRESENT);
    }

    @Test
    void rejectsPatientOutsideTheScreeningAgeRangeWithoutNamingTheAge() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setPatientAgeYears(33).build());

        assertThat(r.getRuleId()).isEqualTo("screening-age");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.PATIENT_AGE_OUT_OF_RANGE);
        assertThat(r.getMessage()).contains("[40, 74]").doesNotContain("33");
    }

    @Test
    void acceptsPatientOfUnknownAgeWithTheDefaultRules() {
        triage = new TriageDriver(stateDir);
        triage.send(TestInstances.view(STUDY, "L", "CC").setPatientAgeYears(null).build());

        assertThat(triage.rejected.isEmpty()).isTrue();
    }

    @Test
    void rejectsDeviceMissingFromTheAllowList() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setManufacturer("ACME Imaging").build());

        assertThat(r.getRuleId()).isEqualTo("validated-devices");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.DEVICE_NOT_ALLOWED);
    }

    @Test
    void rejectsModelMissingFromTheAllowListOfAnAllowedManufacturer() throws IOException {
        withRules("""
                rules:
                  - id: hologic-dimensions
                    type: device
                    allow:
                      - manufacturer: "HOLOGIC.*"
                        models: ["Selenia Dimensions"]
                """);

        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC")
                .setManufacturerModelName("Lorad Selenia").build());

        assertThat(r.getRuleId()).isEqualTo("hologic-dimensions");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.DEVICE_NOT_ALLOWED);
    }

    @Test
    void rejectsBodyPartOtherThanBreastWithTheGenericInRule() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setBodyPartExamined("CHEST").build());

        assertThat(r.getRuleId()).isEqualTo("breast-body-part");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.ATTRIBUTE_MISMATCH);
        assertThat(r.getMessage()).contains("bodyPartExamined 'CHEST'");
    }

    @Test
    void rejectsAttributeNotEqualToTheConfiguredValue() throws IOException {
        withRules("""
                rules:
                  - id: clinic-one-only
                    type: attribute
                    attribute: clinicId
                    equals: clinic-1
                """);

        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setClinicId("clinic-2").build());

        assertThat(r.getRuleId()).isEqualTo("clinic-one-only");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.ATTRIBUTE_MISMATCH);
    }

    @Test
    void rejectsAttributeNotMatchingTheConfiguredPattern() throws IOException {
        withRules("""
                rules:
                  - id: bits-stored
                    type: attribute
                    attribute: bitsStored
                    matches: "1[0-6]"
                """);

        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setBitsStored(8).build());

        assertThat(r.getRuleId()).isEqualTo("bits-stored");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.ATTRIBUTE_MISMATCH);
        assertThat(r.getMessage()).contains("bitsStored '8'");
    }

    @Test
    void rejectsMissingAttributeOfAGenericRule() throws IOException {
        withRules("""
                rules:
                  - id: needs-calling-ae
                    type: attribute
                    attribute: callingAeTitle
                    in: [MAMMO1, MAMMO2]
                """);

        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setCallingAeTitle(null).build());

        assertThat(r.getRuleId()).isEqualTo("needs-calling-ae");
        assertThat(r.getReasonCode()).isEqualTo(RejectReason.MISSING_ATTRIBUTE);
    }

    @Test
    void firstRuleInFileOrderDecides() {
        InstanceRejected r = rejectionOf(TestInstances.view(STUDY, "L", "CC").setModality("CT")
                .setBreastImplantPresent(true).build());

        assertThat(r.getRuleId()).isEqualTo("mg-modality");
    }

    @Test
    void disabledRuleDoesNotReject() throws IOException {
        withRules("""
                rules:
                  - id: mg-modality
                    type: modality
                    allow: [MG]
                    enabled: false
                """);
        triage.send(TestInstances.view(STUDY, "L", "CC").setModality("CT").build());

        assertThat(triage.rejected.isEmpty()).isTrue();
    }

    @Test
    void rejectedInstanceDoesNotReachStudyAssembly() {
        triage = new TriageDriver(stateDir);
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").setImageType(List.of("DERIVED", "SECONDARY")).build());

        assertThat(triage.studies.isEmpty()).isTrue();
        assertThat(triage.rejected.readValuesToList()).hasSize(1);
    }
}
