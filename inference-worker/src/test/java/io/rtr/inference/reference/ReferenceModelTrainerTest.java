package io.rtr.inference.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceModelTrainerTest {

    @TempDir
    Path dir;

    @Test
    void aucIsOneForAPerfectRankingZeroForAReversedOneAndHalfForTies() {
        float[] labels = {0, 0, 1, 1};
        assertThat(ReferenceModelTrainer.auc(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, labels)).isEqualTo(1.0);
        assertThat(ReferenceModelTrainer.auc(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, labels)).isEqualTo(0.0);
        assertThat(ReferenceModelTrainer.auc(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, labels)).isEqualTo(0.5);
        // One positive (0.4) below one negative (0.6): 3 of 4 pairs ordered right.
        assertThat(ReferenceModelTrainer.auc(new float[] {0.1f, 0.6f, 0.4f, 0.9f}, labels))
                .isCloseTo(0.75, within(1e-12));
    }

    @Test
    void youdenThresholdSeparatesTheClassesWhenItCan() {
        float[] labels = {0, 0, 0, 1, 1};
        double t = ReferenceModelTrainer.youdenThreshold(new float[] {0.1f, 0.2f, 0.3f, 0.7f, 0.9f}, labels);
        assertThat(t).isEqualTo(0.5);
    }

    @Test
    void aTinyTrainingRunExportsAModelTheScorerAccepts() throws Exception {
        ReferenceModelTrainer.train(dir, 64, 1, 7);
        Path savedModel = dir.resolve("saved_model");
        assertThat(savedModel.resolve("saved_model.pb")).isRegularFile();
        assertThat(dir.resolve(ModelDescriptor.FILE_NAME)).isRegularFile();
        try (SavedModelScorer scorer = SavedModelScorer.open(savedModel)) {
            ModelDescriptor expected = ReferenceModelTrainer.descriptor(scorer.descriptor().threshold());
            assertThat(scorer.descriptor()).isEqualTo(expected);
            float[] scores = scorer.score(new float[2 * 64 * 64], 2);
            assertThat(scores[0]).isBetween(0f, 1f);
        }
        long bytes;
        try (Stream<Path> files = Files.walk(dir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertThat(bytes).isLessThan(2L * 1024 * 1024);
    }

    @Test
    void timingModelIsTheWidenedNetworkAtItsInputSizeAndSaysItIsNoClassifier() throws Exception {
        long flops = ReferenceModelTrainer.exportTimingModel(dir, 40, 32, 2, 3);
        // conv1 24 filters at 40x32, conv2 48 at 20x16, conv3 64 at 10x8; 9 taps, multiply and add.
        assertThat(flops).isEqualTo(2L * 9 * (40 * 32 * 24 + 20 * 16 * 24 * 48 + 10 * 8 * 48 * 64));
        try (SavedModelScorer scorer = SavedModelScorer.open(dir.resolve("saved_model"))) {
            assertThat(scorer.descriptor().modelName()).contains("timing").contains("not-a-classifier");
            assertThat(scorer.descriptor().inputShape()).containsExactly(-1, 40, 32, 1);
            float[] scores = scorer.score(new float[3 * 40 * 32], 3);
            assertThat(scores).hasSize(3);
            assertThat(scores[2]).isBetween(0f, 1f);
        }
        assertThat(Files.readString(dir.resolve(ModelDescriptor.FILE_NAME))).contains("TIMING MODEL")
                .contains("random weights");
    }
}
