package io.rtr.inference.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rtr.inference.PhantomStudies;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scoring pipeline on the reference model, including how each kind of bad input is classified. */
class ScoringPipelineTest {

    private static SavedModelScorer scorer;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() throws Exception {
        Path model = Path.of(ScoringPipelineTest.class.getResource("/reference-model/saved_model/saved_model.pb")
                .toURI()).getParent();
        scorer = SavedModelScorer.open(model);
    }

    @AfterAll
    static void closeModel() {
        scorer.close();
    }

    @Test
    void scoresLesionStudyAboveThresholdAndCleanStudyBelowInOneRoundAcrossBatches() throws Exception {
        StudyAssembled lesion = PhantomStudies.lesionStudy(dir);
        StudyAssembled clean = PhantomStudies.cleanStudy(dir);
        List<ScoringPipeline.StudyOutcome> outcomes;
        // Batches of 3 split both four-image studies across model runs.
        try (ScoringPipeline pipeline = new ScoringPipeline(scorer, new BlobFetcher(dir), 2, 3)) {
            pipeline.submit(lesion);
            pipeline.submit(clean);
            assertThat(pipeline.pendingImages()).isEqualTo(8);
            outcomes = pipeline.scoreAll();
            assertThat(pipeline.pendingImages()).isZero();
        }
        assertThat(outcomes).hasSize(2).allMatch(ScoringPipeline.StudyOutcome::scored);
        StudyScoredFactory factory = new StudyScoredFactory(scorer);
        StudyScored lesionScore = factory.build(outcomes.get(0), Instant.now());
        StudyScored cleanScore = factory.build(outcomes.get(1), Instant.now());
        double threshold = scorer.descriptor().threshold();
        assertThat(lesionScore.getStudyScore()).isGreaterThanOrEqualTo(threshold);
        assertThat(lesionScore.getSuspicious()).isTrue();
        assertThat(cleanScore.getStudyScore()).isLessThan(threshold);
        assertThat(cleanScore.getSuspicious()).isFalse();
        assertThat(lesionScore.getInstanceScores()).hasSize(4);
        assertThat(lesionScore.getInstanceScores().get(0).getSopInstanceUid())
                .isEqualTo(lesion.getInstances().get(0).getSopInstanceUid());
        assertThat(lesionScore.getModelSha256()).isEqualTo(scorer.digest());
        assertThat(lesionScore.getThreshold()).isEqualTo(threshold);
        assertThat(lesionScore.getDevice()).contains("CPU");
        assertThat(lesionScore.getStudyRevision()).isEqualTo(1);

        // The batch size changes how images are grouped, never their scores.
        try (ScoringPipeline single = new ScoringPipeline(scorer, new BlobFetcher(null), 1, 1)) {
            single.submit(lesion);
            float[] alone = single.scoreAll().get(0).imageScores();
            for (int i = 0; i < alone.length; i++) {
                assertThat(alone[i]).isCloseTo(outcomes.get(0).imageScores()[i], within(1e-5f));
            }
        }
    }

    @Test
    void corruptBlobIsUndecodable() throws Exception {
        StudyAssembled study = PhantomStudies.cleanStudy(dir);
        InstanceReceived first = study.getInstances().get(0);
        Path blob = Path.of(URI.create(first.getBlobUri()));
        byte[] bytes = Files.readAllBytes(blob);
        byte[] truncated = Arrays.copyOf(bytes, bytes.length / 3);
        Files.write(blob, truncated);
        // The event's digest matches the damaged bytes: damage before ingest, caught only by decoding.
        StudyAssembled damaged = PhantomStudies.withInstance(study, 0,
                InstanceReceived.newBuilder(first).setSha256(BlobFetcher.sha256(truncated)).build());
        assertFailure(damaged, UnscorableReason.PIXELS_UNDECODABLE);

        Files.writeString(blob, "this is not DICOM at all", StandardCharsets.US_ASCII);
        StudyAssembled garbage = PhantomStudies.withInstance(study, 0, InstanceReceived.newBuilder(first)
                .setSha256(BlobFetcher.sha256(Files.readAllBytes(blob))).build());
        assertFailure(garbage, UnscorableReason.PIXELS_UNDECODABLE);
    }

    @Test
    void blobReplacedAfterIngestIsADigestMismatch() throws Exception {
        StudyAssembled study = PhantomStudies.cleanStudy(dir);
        StudyAssembled mismatched = PhantomStudies.withInstance(study, 2, InstanceReceived.newBuilder(
                study.getInstances().get(2)).setSha256("0".repeat(64)).build());
        assertFailure(mismatched, UnscorableReason.BLOB_DIGEST_MISMATCH);
    }

    @Test
    void missingBlobIsMissing() throws Exception {
        StudyAssembled study = PhantomStudies.cleanStudy(dir);
        Files.delete(Path.of(URI.create(study.getInstances().get(3).getBlobUri())));
        assertFailure(study, UnscorableReason.BLOB_MISSING);
    }

    @Test
    void blobOutsideTheRootOrNotAFileUriIsUnreadable() throws Exception {
        StudyAssembled study = PhantomStudies.cleanStudy(dir);
        try (ScoringPipeline pipeline = new ScoringPipeline(scorer, new BlobFetcher(dir.resolve("elsewhere")), 1, 4)) {
            pipeline.submit(study);
            ScoringPipeline.StudyOutcome outcome = pipeline.scoreAll().get(0);
            assertThat(outcome.failure().reason()).isEqualTo(UnscorableReason.BLOB_UNREADABLE);
            assertThat(outcome.failure()).hasMessageContaining("outside the blob root");
        }
        StudyAssembled s3 = PhantomStudies.withInstance(study, 0, InstanceReceived.newBuilder(
                study.getInstances().get(0)).setBlobUri("s3://bucket/key.dcm").build());
        assertFailure(s3, UnscorableReason.BLOB_UNREADABLE);
    }

    @Test
    void studyWithoutInstancesHasNoImages() throws Exception {
        StudyAssembled study = StudyAssembled.newBuilder(PhantomStudies.cleanStudy(dir)).setInstances(List.of()).build();
        assertFailure(study, UnscorableReason.NO_IMAGES);
    }

    /** The failing study is reported with the reason and its UID while the good one in the same round is scored. */
    private void assertFailure(StudyAssembled bad, UnscorableReason reason) throws Exception {
        StudyAssembled good = PhantomStudies.lesionStudy(dir.resolve("good"));
        try (ScoringPipeline pipeline = new ScoringPipeline(scorer, new BlobFetcher(null), 2, 16)) {
            pipeline.submit(bad);
            pipeline.submit(good);
            List<ScoringPipeline.StudyOutcome> outcomes = pipeline.scoreAll();
            assertThat(outcomes.get(0).scored()).isFalse();
            assertThat(outcomes.get(0).failure().reason()).isEqualTo(reason);
            assertThat(outcomes.get(0).failure()).hasMessageContaining(bad.getStudyInstanceUid());
            assertThat(outcomes.get(1).scored()).isTrue();
        }
    }
}
