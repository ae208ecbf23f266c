package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import io.rtr.schemas.StudyAssembled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyAssemblyTest {

    private static final String STUDY = "1.2.826.0.1.1";

    @TempDir
    Path stateDir;
    private TriageDriver triage;

    @BeforeEach
    void start() {
        triage = new TriageDriver(stateDir);
    }

    @AfterEach
    void stop() {
        triage.close();
    }

    private void sendFourViews() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());
    }

    @Test
    void emitsStudyAsSoonAsTheFourScreeningViewsArrived() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        assertThat(triage.studies.isEmpty()).isTrue();

        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        List<StudyAssembled> studies = triage.emittedStudies();
        assertThat(studies).singleElement().satisfies(study -> {
            assertThat(study.getStudyInstanceUid()).isEqualTo(STUDY);
            assertThat(study.getRevision()).isEqualTo(1);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.EXPECTED_VIEWS_COMPLETE);
            assertThat(study.getInstances()).extracting(InstanceReceived::getSopInstanceUid)
                    .containsExactly(STUDY + ".1.LCC", STUDY + ".1.LMLO", STUDY + ".1.RCC", STUDY + ".1.RMLO");
            assertThat(study.getModality()).isEqualTo("MG");
            assertThat(study.getAccessionNumber()).isEqualTo("ACC-" + STUDY);
            assertThat(study.getOrderContext()).isNull();
        });
    }

    @Test
    void studyIsKeyedByStudyInstanceUid() {
        sendFourViews();

        assertThat(triage.studies.readRecord().key()).isEqualTo(STUDY);
    }

    @Test
    void emitsIncompleteStudyOnceTheQuietPeriodPassedOnTheWallClock() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());

        triage.advanceWallClock(Duration.ofSeconds(59));
        assertThat(triage.studies.isEmpty()).as("MG quiet period is 60 s").isTrue();

        triage.advanceWallClock(Duration.ofSeconds(2));
        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(1);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.QUIET_PERIOD_ELAPSED);
            assertThat(study.getInstances()).hasSize(2);
            assertThat(study.getAssembledAt()).isAfterOrEqualTo(TriageDriver.START.plusSeconds(60));
        });
    }

    @Test
    void newInstanceRestartsTheQuietPeriod() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.advanceWallClock(Duration.ofSeconds(50));
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());

        triage.advanceWallClock(Duration.ofSeconds(50));
        assertThat(triage.studies.isEmpty()).isTrue();

        triage.advanceWallClock(Duration.ofSeconds(11));
        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getInstances()).hasSize(2));
    }

    @Test
    void modalityWithoutConfiguredQuietPeriodUsesTheDefault() throws IOException {
        Path rules = Files.writeString(stateDir.resolve("rules.yaml"),
                "rules:\n  - id: mg-or-ct\n    type: modality\n    allow: [MG, CT]\n");
        triage.close();
        triage = new TriageDriver(stateDir.resolve("ct"), Map.of(TriageConfig.RULES_FILE_CONFIG, rules.toString()));
        String ct = "1.2.826.0.1.2";
        triage.send(TestInstances.view(ct, "L", "CC").setModality("CT").build());

        triage.advanceWallClock(Duration.ofSeconds(61));
        assertThat(triage.studies.isEmpty()).as("default quiet period is 120 s").isTrue();

        triage.advanceWallClock(Duration.ofSeconds(60));
        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getModality()).isEqualTo("CT");
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.QUIET_PERIOD_ELAPSED);
        });
    }

    @Test
    void completeStudyIsNotEmittedAgainWhenItsQuietPeriodWouldHaveEnded() {
        sendFourViews();
        triage.advanceWallClock(Duration.ofMinutes(5));

        assertThat(triage.emittedStudies()).hasSize(1);
    }

    @Test
    void lateInstanceAfterEmissionProducesTheNextRevision() {
        sendFourViews();
        triage.emittedStudies();

        // A repeated left CC view (e.g. re-exposure): a new SOP instance, not a duplicate.
        triage.send(TestInstances.view(STUDY, "L", "CC").setSopInstanceUid(STUDY + ".1.extra").setSha256("x").build());

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(2);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.LATE_INSTANCE_REVISION);
            assertThat(study.getInstances()).hasSize(5);
        });
    }

    @Test
    void lateInstanceAfterQuietPeriodProducesTheNextRevision() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.advanceWallClock(Duration.ofSeconds(61));
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());

        assertThat(triage.emittedStudies()).extracting(StudyAssembled::getRevision,
                        StudyAssembled::getCompletenessReason)
                .containsExactly(
                        tuple(1, CompletenessReason.QUIET_PERIOD_ELAPSED),
                        tuple(2, CompletenessReason.LATE_INSTANCE_REVISION));
    }

    @Test
    void exactRepeatOfAnInstanceIsDroppedAndReportedAsDuplicate() {
        InstanceReceived leftCc = TestInstances.view(STUDY, "L", "CC").build();
        triage.send(leftCc);
        triage.send(leftCc);
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getInstances()).hasSize(4));
        assertThat(triage.rejected.readValuesToList()).singleElement().satisfies(rejection -> {
            assertThat(rejection.getReasonCode()).isEqualTo(RejectReason.DUPLICATE);
            assertThat(rejection.getSopInstanceUid()).isEqualTo(leftCc.getSopInstanceUid());
            assertThat(rejection.getStage()).isEqualTo(StudyAssemblyProcessor.STAGE);
        });
    }

    @Test
    void exactRepeatAfterEmissionDoesNotProduceARevision() {
        sendFourViews();
        triage.emittedStudies();

        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        assertThat(triage.studies.isEmpty()).isTrue();
        assertThat(triage.rejected.readValuesToList()).extracting(InstanceRejected::getReasonCode)
                .containsExactly(RejectReason.DUPLICATE);
    }

    @Test
    void replacementTakesThePlaceOfTheInstanceItReplaces() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "CC").setSha256("sha-new").setReplacement(true).build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getInstances()).hasSize(4);
            assertThat(study.getInstances().get(0).getSha256()).isEqualTo("sha-new");
        });
        assertThat(triage.rejected.isEmpty()).isTrue();
    }

    @Test
    void replacementAfterEmissionProducesTheNextRevisionWithTheNewInstance() {
        sendFourViews();
        triage.emittedStudies();

        triage.send(TestInstances.view(STUDY, "R", "CC").setSha256("sha-new").setReplacement(true).build());

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(2);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.LATE_INSTANCE_REVISION);
            assertThat(study.getInstances()).hasSize(4);
            assertThat(study.getInstances().get(2).getSha256()).isEqualTo("sha-new");
        });
    }

    @Test
    void expectedViewsAreConfigurable() {
        triage.close();
        triage = new TriageDriver(stateDir.resolve("custom"),
                Map.of(TriageConfig.EXPECTED_VIEWS_CONFIG, "MG=L-CC|R-CC"));

        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());

        assertThat(triage.emittedStudies()).singleElement().satisfies(study ->
                assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.EXPECTED_VIEWS_COMPLETE));
    }
}
