package io.rtr.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pixels.PixelPreprocessor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the committed reference model; the first run in a fresh environment unpacks TensorFlow (slow once). */
class SavedModelScorerTest {

    /** Far from the trainer's training seeds (below 10^8) and its held-out set (10^9 .. 10^9 + 400). */
    private static final long KNOWN_SEED = 2_000_000_000L;

    private static Path modelDir;
    private static SavedModelScorer scorer;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadReferenceModel() throws URISyntaxException {
        modelDir = Path.of(SavedModelScorerTest.class.getResource("/reference-model/saved_model/saved_model.pb").toURI())
                .getParent();
        scorer = SavedModelScorer.open(modelDir);
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    @Test
    void referenceModelScoresKnownLesionPhantomsAboveTheThresholdAndCleanOnesBelow() throws Exception {
        double threshold = scorer.descriptor().threshold();
        // Soft: a regression shows every misjudged phantom at once, not just the first.
        SoftAssertions softly = new SoftAssertions();
        Lesion[] lesions = {Lesion.MASS, Lesion.CALCIFICATIONS};
        int study = 0;
        for (Laterality side : Laterality.values()) {
            for (View view : View.values()) {
                for (Lesion lesion : lesions) {
                    long seed = KNOWN_SEED + study++;
                    List<Path> files = PhantomGenerator.writeStudy(dir.resolve("s" + seed), seed, 128, 104, lesion,
                            side, view);
                    float[] scores = scoreFiles(files);
                    for (int i = 0; i < files.size(); i++) {
                        AttributeList list = read(files.get(i));
                        boolean hasLesion = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.ImageLaterality)
                                .equals(side.name())
                                && Attribute.getSingleStringValueOrEmptyString(list, TagFromName.ViewPosition)
                                .equals(view.name());
                        String what = "study seed " + seed + " " + files.get(i).getFileName() + " ("
                                + (hasLesion ? lesion : "clean") + ")";
                        if (hasLesion) {
                            softly.assertThat((double) scores[i]).as(what).isGreaterThanOrEqualTo(threshold);
                        } else {
                            softly.assertThat((double) scores[i]).as(what).isLessThan(threshold);
                        }
                    }
                }
            }
        }
        softly.assertAll();
    }

    @Test
    void scoresABatchInOneRunWithOneProbabilityPerImage() throws Exception {
        List<Path> files = PhantomGenerator.writeStudy(dir, KNOWN_SEED + 100, 128, 104, Lesion.NONE, Laterality.L,
                View.CC);
        float[] scores = scoreFiles(files);
        assertThat(scores).hasSize(4);
        for (float s : scores) {
            assertThat(s).isBetween(0f, 1f);
        }
        // Scoring one image alone gives the same number as scoring it inside the batch.
        float[] single = scoreFiles(files.subList(2, 3));
        assertThat(single[0]).isCloseTo(scores[2], within(1e-5f));
    }

    @Test
    void reportsTheDeviceAndAStableDigest() throws Exception {
        assertThat(scorer.device()).contains("CPU");
        assertThat(scorer.digest()).hasSize(64).isEqualTo(SavedModelScorer.digest(modelDir));
        Path copy = copyModel();
        assertThat(SavedModelScorer.digest(copy)).isEqualTo(scorer.digest());
        Files.writeString(copy.resolve("extra.txt"), "x");
        assertThat(SavedModelScorer.digest(copy)).isNotEqualTo(scorer.digest());
    }

    @Test
    void wrongInputShapeFailsAtStartUpSayingWhatTheModelHasAndWhatTheDescriptorExpects() {
        ModelDescriptor wrong = with("input.shape", "-1,128,128,1");
        assertThatThrownBy(() -> SavedModelScorer.open(modelDir, wrong))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining(modelDir.toString())
                .hasMessageContaining("has inputs ['image' DT_FLOAT [-1, 64, 64, 1]]")
                .hasMessageContaining("descriptor expects input 'image' DT_FLOAT [-1, 128, 128, 1]");
    }

    @Test
    void wrongDtypeFailsAtStartUp() {
        ModelDescriptor wrong = with("input.dtype", "DT_UINT8");
        assertThatThrownBy(() -> SavedModelScorer.open(modelDir, wrong))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("'image' DT_FLOAT")
                .hasMessageContaining("descriptor expects input 'image' DT_UINT8");
    }

    @Test
    void unknownSignatureFailsAtStartUpListingTheModelsSignatures() {
        ModelDescriptor wrong = with("signature", "predict");
        assertThatThrownBy(() -> SavedModelScorer.open(modelDir, wrong))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("the model has signatures [serving_default]")
                .hasMessageContaining("the descriptor expects signature 'predict'");
    }

    @Test
    void unknownInputOrOutputNameFailsAtStartUp() {
        assertThatThrownBy(() -> SavedModelScorer.open(modelDir, with("input.name", "pixels")))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("descriptor expects input 'pixels'");
        assertThatThrownBy(() -> SavedModelScorer.open(modelDir, with("output.name", "probability")))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("outputs ['score' DT_FLOAT [-1, 1]]")
                .hasMessageContaining("descriptor expects output 'probability'");
    }

    @Test
    void aFolderWithoutASavedModelIsNamed() {
        assertThatThrownBy(() -> SavedModelScorer.open(dir, scorer.descriptor()))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("saved_model.pb missing");
    }

    private float[] scoreFiles(List<Path> files) throws Exception {
        PixelPreprocessor preprocessor = new PixelPreprocessor(scorer.descriptor().preprocessing());
        float[] batch = new float[files.size() * scorer.imageSize()];
        for (int i = 0; i < files.size(); i++) {
            preprocessor.preprocess(read(files.get(i)), batch, i * scorer.imageSize());
        }
        return scorer.score(batch, files.size());
    }

    private static AttributeList read(Path file) throws Exception {
        AttributeList list = new AttributeList();
        list.read(file.toFile());
        return list;
    }

    private static ModelDescriptor with(String key, String value) {
        Properties p = scorer.descriptor().toProperties();
        p.setProperty(key, value);
        return ModelDescriptor.fromProperties(p, "test descriptor");
    }

    private Path copyModel() throws IOException {
        Path target = dir.resolve("copy");
        try (Stream<Path> walk = Files.walk(modelDir)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(p, target.resolve(modelDir.relativize(p).toString()));
            }
        }
        return target;
    }
}
