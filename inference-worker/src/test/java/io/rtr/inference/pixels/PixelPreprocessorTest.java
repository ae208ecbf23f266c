package io.rtr.inference.pixels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.Phantom;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pixels.PixelPreprocessor.Flip;
import io.rtr.inference.pixels.PixelPreprocessor.Image;
import io.rtr.inference.pixels.PixelPreprocessor.Normalization;
import io.rtr.inference.pixels.PixelPreprocessor.Options;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PixelPreprocessorTest {

    /** A 2x4 ramp 0..700 with window 350/700 covering it. */
    private static Image ramp(boolean monochrome1, double slope, double intercept, String laterality) {
        int[] stored = {0, 100, 200, 300, 400, 500, 600, 700};
        return new Image(2, 4, stored, monochrome1, slope, intercept, 350.5, 701, laterality);
    }

    private static float[] run(Options options, Image image) {
        float[] out = new float[options.height() * options.width()];
        new PixelPreprocessor(options).preprocess(image, out, 0);
        return out;
    }

    private static Options same(Normalization normalization, Flip flip) {
        return new Options(2, 4, normalization, 0, 100, flip);
    }

    @Test
    void windowMapsTheWindowOntoZeroToOne() {
        float[] out = run(same(Normalization.WINDOW, Flip.NONE), ramp(false, 1, 0, "L"));
        assertThat(out[0]).isCloseTo(0f, within(1e-3f));
        assertThat(out[7]).isCloseTo(1f, within(1e-3f));
        assertThat(out[4]).isCloseTo(400f / 700f, within(2e-3f));
    }

    @Test
    void invertsMonochrome1SoThatDenseIsAlwaysBright() {
        float[] mono2 = run(same(Normalization.WINDOW, Flip.NONE), ramp(false, 1, 0, "L"));
        float[] mono1 = run(same(Normalization.WINDOW, Flip.NONE), ramp(true, 1, 0, "L"));
        for (int i = 0; i < mono2.length; i++) {
            assertThat(mono1[i]).isCloseTo(1 - mono2[i], within(1e-6f));
        }
    }

    @Test
    void appliesRescaleSlopeAndInterceptBeforeTheWindow() {
        // Stored 0..700 with slope 2 and intercept -700 gives modality -700..700; window 0/1400 spans it.
        int[] stored = {0, 100, 200, 300, 400, 500, 600, 700};
        Image image = new Image(2, 4, stored, false, 2, -700, 0.5, 1401, null);
        float[] out = run(same(Normalization.WINDOW, Flip.NONE), image);
        assertThat(out[0]).isCloseTo(0f, within(1e-3f));
        assertThat(out[7]).isCloseTo(1f, within(1e-3f));
        // stored 350 would be modality 0, the window centre; stored 300 is modality -100.
        assertThat(out[3]).isCloseTo(0.5f - 100f / 1400f, within(2e-3f));
    }

    @Test
    void fallsBackToPercentilesWhenTheObjectHasNoWindow() {
        int[] stored = {0, 100, 200, 300, 400, 500, 600, 700};
        Image image = new Image(2, 4, stored, false, 1, 0, Double.NaN, Double.NaN, "L");
        float[] out = run(same(Normalization.WINDOW, Flip.NONE), image);
        assertThat(out[0]).isCloseTo(0f, within(1e-3f));
        assertThat(out[7]).isCloseTo(1f, within(1e-2f));
    }

    @Test
    void percentileNormalizationIgnoresAFewHotPixels() {
        int n = 100 * 100;
        int[] stored = new int[n];
        for (int i = 0; i < n; i++) {
            stored[i] = 1000 + (i % 1000);
        }
        stored[0] = 65535;
        stored[1] = 0;
        Image image = new Image(100, 100, stored, false, 1, 0, Double.NaN, Double.NaN, "L");
        Options options = new Options(100, 100, Normalization.PERCENTILE, 1, 99, Flip.NONE);
        float[] out = run(options, image);
        // Without clipping the outliers, the 1000..1999 band would be squeezed into ~0.015..0.03.
        assertThat(out[500]).isBetween(0.4f, 0.6f);
        assertThat(out[0]).isEqualTo(1f);
        assertThat(out[1]).isEqualTo(0f);
    }

    @Test
    void flipsRightBreastsSoThatTheChestWallIsOnTheLeft() {
        Options options = same(Normalization.WINDOW, Flip.CHEST_WALL_LEFT);
        float[] left = run(options, ramp(false, 1, 0, "L"));
        float[] right = run(options, ramp(false, 1, 0, "R"));
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 4; c++) {
                assertThat(right[r * 4 + c]).isEqualTo(left[r * 4 + 3 - c]);
            }
        }
    }

    @Test
    void flipsByTissueWhenLateralityIsUnknown() {
        Options options = new Options(128, 104, Normalization.WINDOW, 0, 100, Flip.CHEST_WALL_LEFT);
        Phantom right = PhantomGenerator.render(128, 104, Laterality.R, View.CC, Lesion.NONE, 4);
        float[] out = run(options, asImage(right, null));
        double leftEdge = 0;
        double rightEdge = 0;
        for (int r = 0; r < 128; r++) {
            leftEdge += out[r * 104];
            rightEdge += out[r * 104 + 103];
        }
        assertThat(leftEdge).isGreaterThan(4 * rightEdge);
    }

    @Test
    void resizeKeepsTheAspectRatioAndPadsWithZeros() {
        // 4 rows x 2 columns at the top of the window into 4x4: the image fills the left half, the right half is padding.
        int[] stored = new int[8];
        Arrays.fill(stored, 100);
        Image image = new Image(4, 2, stored, false, 1, 0, 50.5, 101, "L");
        float[] out = run(new Options(4, 4, Normalization.WINDOW, 0, 100, Flip.NONE), image);
        for (int r = 0; r < 4; r++) {
            assertThat(new float[] {out[r * 4], out[r * 4 + 1], out[r * 4 + 2], out[r * 4 + 3]})
                    .containsExactly(1f, 1f, 0f, 0f);
        }
    }

    @Test
    void shrinkingAveragesAreasSoSmallBrightDotsSurvive() {
        int[] stored = new int[64 * 64];
        stored[10 * 64 + 10] = 1000;
        Image image = new Image(64, 64, stored, false, 1, 0, 500.5, 1001, "L");
        float[] out = run(new Options(16, 16, Normalization.WINDOW, 0, 100, Flip.NONE), image);
        // One hot pixel in a 4x4 cell averages to 1/16.
        assertThat(out[2 * 16 + 2]).isCloseTo(1f / 16, within(1e-3f));
    }

    @Test
    void atTheModelsOwnSizeEachPixelIsItsNormalizedValueMirroredForARightBreast() {
        int rows = 6;
        int columns = 5;
        int[] stored = new int[rows * columns];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = (i * 37) % 1001;
        }
        Options options = new Options(rows, columns, Normalization.WINDOW, 0, 100, Flip.CHEST_WALL_LEFT);
        float[] left = run(options, new Image(rows, columns, stored, false, 1, 0, 500.5, 1001, "L"));
        float[] right = run(options, new Image(rows, columns, stored, false, 1, 0, 500.5, 1001, "R"));
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                assertThat(left[r * columns + c]).isCloseTo(stored[r * columns + c] / 1000f, within(1e-5f));
                assertThat(right[r * columns + c]).isEqualTo(left[r * columns + columns - 1 - c]);
            }
        }
    }

    @Test
    void enlargingInterpolates() {
        int[] stored = {0, 1000};
        Image image = new Image(1, 2, stored, false, 1, 0, 500.5, 1001, "L");
        float[] out = run(new Options(2, 4, Normalization.WINDOW, 0, 100, Flip.NONE), image);
        assertThat(out[0]).isEqualTo(0f);
        assertThat(out[3]).isEqualTo(1f);
        assertThat(out[1]).isStrictlyBetween(0f, 1f);
    }

    @Test
    void writesAtTheRequestedOffsetAndReusesItsBuffer() {
        Options options = new Options(8, 8, Normalization.WINDOW, 0, 100, Flip.NONE);
        PixelPreprocessor preprocessor = new PixelPreprocessor(options);
        float[] batch = new float[3 * 64];
        Arrays.fill(batch, -1f);
        Phantom big = PhantomGenerator.render(64, 52, Laterality.L, View.CC, Lesion.NONE, 1);
        Phantom small = PhantomGenerator.render(32, 32, Laterality.L, View.CC, Lesion.NONE, 2);
        preprocessor.preprocess(asImage(big, "L"), batch, 64);
        preprocessor.preprocess(asImage(small, "L"), batch, 128);
        for (int i = 0; i < 64; i++) {
            assertThat(batch[i]).isEqualTo(-1f);
            assertThat(batch[64 + i]).isBetween(0f, 1f);
            assertThat(batch[128 + i]).isBetween(0f, 1f);
        }
        assertThatThrownBy(() -> preprocessor.preprocess(asImage(small, "L"), batch, 150))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void storedValuesAreMaskedToBitsStoredAndSignExtended() {
        assertThat(PixelPreprocessor.storedValue(0xF123, 12, false)).isEqualTo(0x123);
        assertThat(PixelPreprocessor.storedValue(0x0FFF, 12, true)).isEqualTo(-1);
        assertThat(PixelPreprocessor.storedValue(0x07FF, 12, true)).isEqualTo(2047);
        assertThat(PixelPreprocessor.storedValue(0xFFFF, 16, false)).isEqualTo(65535);
    }

    @Test
    void decodeReadsGeometryPhotometricRescaleWindowAndLaterality() throws DicomException {
        Phantom p = PhantomGenerator.render(64, 48, Laterality.R, View.CC, Lesion.NONE, 8);
        AttributeList list = PhantomGenerator.toDicom(p, PhantomGenerator.StudyIdentity.fromSeed(8), 1);
        Image image = PixelPreprocessor.decode(list);
        assertThat(image.rows()).isEqualTo(64);
        assertThat(image.columns()).isEqualTo(48);
        assertThat(image.monochrome1()).isFalse();
        assertThat(image.rescaleSlope()).isEqualTo(1.0);
        assertThat(image.windowCenter()).isEqualTo(PhantomGenerator.WINDOW_CENTER);
        assertThat(image.windowWidth()).isEqualTo(PhantomGenerator.WINDOW_WIDTH);
        assertThat(image.laterality()).isEqualTo("R");
    }

    @Test
    void decodeRejectsColourImagesWithAReason() throws DicomException {
        Phantom p = PhantomGenerator.render(32, 32, Laterality.L, View.CC, Lesion.NONE, 8);
        AttributeList list = PhantomGenerator.toDicom(p, PhantomGenerator.StudyIdentity.fromSeed(8), 1);
        list.remove(TagFromName.PhotometricInterpretation);
        list.putNewAttribute(TagFromName.PhotometricInterpretation).addValue("RGB");
        assertThatThrownBy(() -> PixelPreprocessor.decode(list))
                .isInstanceOf(DicomException.class).hasMessageContaining("RGB");
    }

    private static Image asImage(Phantom p, String laterality) {
        int[] stored = new int[p.pixels().length];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = p.pixels()[i] & 0xFFFF;
        }
        return new Image(p.rows(), p.columns(), stored, false, 1, 0, PhantomGenerator.WINDOW_CENTER,
                PhantomGenerator.WINDOW_WIDTH, laterality);
    }
}
