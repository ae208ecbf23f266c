package io.rtr.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.inference.pixels.PixelPreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDescriptorTest {

    @TempDir
    Path dir;

    private static Properties valid() {
        Properties p = new Properties();
        p.setProperty("model.name", "m");
        p.setProperty("model.version", "2");
        p.setProperty("input.name", "image");
        p.setProperty("input.shape", "-1, 128, 96, 1");
        p.setProperty("output.name", "score");
        p.setProperty("preprocess.flip", "chest-wall-left");
        p.setProperty("preprocess.normalization", "percentile");
        p.setProperty("threshold", "0.3");
        return p;
    }

    @Test
    void readsKeysAndAppliesDefaults() {
        ModelDescriptor d = ModelDescriptor.fromProperties(valid(), "test");
        assertThat(d.signature()).isEqualTo("serving_default");
        assertThat(d.inputDtype()).isEqualTo("DT_FLOAT");
        assertThat(d.height()).isEqualTo(128);
        assertThat(d.width()).isEqualTo(96);
        assertThat(d.threshold()).isEqualTo(0.3);
        assertThat(d.preprocessing()).isEqualTo(new PixelPreprocessor.Options(128, 96,
                PixelPreprocessor.Normalization.PERCENTILE, 0.5, 99.5, PixelPreprocessor.Flip.CHEST_WALL_LEFT));
    }

    @Test
    void survivesAStoreAndLoadRoundTrip() throws Exception {
        ModelDescriptor d = ModelDescriptor.fromProperties(valid(), "test");
        Path file = dir.resolve(ModelDescriptor.FILE_NAME);
        d.store(file, "round trip");
        assertThat(Files.readString(file)).contains("#round trip");
        assertThat(ModelDescriptor.load(file)).isEqualTo(d);
    }

    @Test
    void missingKeyIsNamedTogetherWithTheFile() {
        Properties p = valid();
        p.remove("output.name");
        assertThatThrownBy(() -> ModelDescriptor.fromProperties(p, "/models/x/rtr-model.properties"))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("/models/x/rtr-model.properties")
                .hasMessageContaining("'output.name' is missing");
    }

    @Test
    void rejectsAShapeThatIsNotAnyBatchOfOneChannelImages() {
        Properties p = valid();
        p.setProperty("input.shape", "8,128,96,3");
        assertThatThrownBy(() -> ModelDescriptor.fromProperties(p, "d"))
                .isInstanceOf(ModelContractException.class)
                .hasMessageContaining("input.shape must be -1,height,width,1")
                .hasMessageContaining("[8, 128, 96, 3]");
    }

    @Test
    void rejectsAThresholdOutsideZeroToOne() {
        Properties p = valid();
        p.setProperty("threshold", "50");
        assertThatThrownBy(() -> ModelDescriptor.fromProperties(p, "d"))
                .isInstanceOf(ModelContractException.class).hasMessageContaining("threshold must be in 0..1");
    }

    @Test
    void rejectsAnUnknownFlipMode() {
        Properties p = valid();
        p.setProperty("preprocess.flip", "sideways");
        assertThatThrownBy(() -> ModelDescriptor.fromProperties(p, "d"))
                .isInstanceOf(ModelContractException.class).hasMessageContaining("SIDEWAYS");
    }

    @Test
    void missingFileIsReportedWithItsPath() {
        Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> ModelDescriptor.load(missing))
                .isInstanceOf(ModelContractException.class).hasMessageContaining(missing.toString());
    }
}
