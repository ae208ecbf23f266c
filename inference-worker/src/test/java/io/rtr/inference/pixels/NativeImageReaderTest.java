package io.rtr.inference.pixels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SequenceAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pixels.PixelPreprocessor.Flip;
import io.rtr.inference.pixels.PixelPreprocessor.Normalization;
import io.rtr.inference.pixels.PixelPreprocessor.Options;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The direct reader must give the model exactly the input the PixelMed path gives, for every kind
 * of native grayscale object; whatever it cannot read it must decline, not misread.
 */
class NativeImageReaderTest {

    private static final Options WINDOW_64 = new Options(64, 64, Normalization.WINDOW, 0.5, 99.5,
            Flip.CHEST_WALL_LEFT);
    private static final Options PERCENTILE_64 = new Options(64, 64, Normalization.PERCENTILE, 0.5, 99.5,
            Flip.CHEST_WALL_LEFT);

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void phantomMonochrome2Unsigned16BitWithWindowMatchesPixelMed(String syntax) throws Exception {
        assertSameModelInput(phantom(Laterality.L, 256, 208), syntax, WINDOW_64);
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void rightBreastIsFlippedLikePixelMedPath(String syntax) throws Exception {
        assertSameModelInput(phantom(Laterality.R, 256, 208), syntax, WINDOW_64);
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void monochrome1WithRescaleMatchesPixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.R, 200, 160);
        set(list, TagFromName.PhotometricInterpretation, "MONOCHROME1");
        set(list, TagFromName.RescaleSlope, "0.5");
        set(list, TagFromName.RescaleIntercept, "-100.25");
        set(list, TagFromName.WindowCenter, "900\\1200");
        set(list, TagFromName.WindowWidth, "1500\\2000");
        assertSameModelInput(list, syntax, WINDOW_64);
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void signed12BitStoredWithJunkHighBitsMatchesPixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.L, 61, 47);
        short[] words = new short[61 * 47];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < words.length; i++) {
            // 12 stored bits, signed, with overlay junk in the top four bits.
            words[i] = (short) ((random.nextInt(16) << 12) | random.nextInt(4096));
        }
        Attribute pixels = new OtherWordAttribute(TagFromName.PixelData);
        pixels.setValues(words);
        list.put(pixels);
        set(list, TagFromName.BitsStored, 12);
        set(list, TagFromName.HighBit, 11);
        set(list, TagFromName.PixelRepresentation, 1);
        set(list, TagFromName.WindowCenter, "0");
        set(list, TagFromName.WindowWidth, "3000");
        assertSameModelInput(list, syntax, new Options(20, 24, Normalization.WINDOW, 0.5, 99.5, Flip.NONE));
        assertSameModelInput(list, syntax, new Options(20, 24, Normalization.PERCENTILE, 1, 99, Flip.NONE));
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void unsigned8BitMatchesPixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.L, 33, 41);
        byte[] bytes = new byte[33 * 41];
        new SplittableRandom(4).nextBytes(bytes);
        Attribute pixels = new OtherByteAttribute(TagFromName.PixelData);
        pixels.setValues(bytes);
        list.put(pixels);
        set(list, TagFromName.BitsAllocated, 8);
        set(list, TagFromName.BitsStored, 8);
        set(list, TagFromName.HighBit, 7);
        set(list, TagFromName.WindowCenter, "128");
        set(list, TagFromName.WindowWidth, "200");
        assertSameModelInput(list, syntax, new Options(16, 16, Normalization.WINDOW, 0.5, 99.5, Flip.NONE));
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void percentileNormalizationAndObjectsWithoutWindowMatchPixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.L, 256, 208);
        assertSameModelInput(list, syntax, PERCENTILE_64);
        list.remove(TagFromName.WindowCenter);
        list.remove(TagFromName.WindowWidth);
        assertSameModelInput(list, syntax, WINDOW_64);
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void unknownLateralityFlipsByTissueLikePixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.R, 256, 208);
        list.remove(TagFromName.ImageLaterality);
        list.remove(TagFromName.Laterality);
        assertSameModelInput(list, syntax, WINDOW_64);
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void oddSizesShrinkingAndEnlargingMatchPixelMed(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.R, 131, 77);
        assertSameModelInput(list, syntax, new Options(37, 29, Normalization.WINDOW, 0.5, 99.5, Flip.CHEST_WALL_LEFT));
        assertSameModelInput(list, syntax, new Options(301, 203, Normalization.WINDOW, 0.5, 99.5,
                Flip.CHEST_WALL_LEFT));
    }

    @ParameterizedTest
    @ValueSource(strings = {NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN, NativeImageReader.IMPLICIT_VR_LITTLE_ENDIAN})
    void skipsNestedSequencesBeforeThePixels(String syntax) throws Exception {
        AttributeList list = phantom(Laterality.L, 64, 52);
        AttributeList inner = new AttributeList();
        set(inner, TagFromName.CodeValue, "T-04000");
        set(inner, TagFromName.CodeMeaning, "Breast");
        SequenceAttribute innerSequence = new SequenceAttribute(TagFromName.AnatomicRegionModifierSequence);
        innerSequence.addItem(inner);
        AttributeList outer = new AttributeList();
        set(outer, TagFromName.CodeValue, "T-04000");
        outer.put(innerSequence);
        SequenceAttribute sequence = new SequenceAttribute(TagFromName.AnatomicRegionSequence);
        sequence.addItem(outer);
        list.put(sequence);
        assertSameModelInput(list, syntax, WINDOW_64);
    }

    @Test
    void declinesDeflatedObjectsWhichStillDecodeThroughPixelMed() throws Exception {
        AttributeList list = phantom(Laterality.L, 64, 52);
        byte[] deflated = part10(list, TransferSyntax.DeflatedExplicitVRLittleEndian);
        assertThat(new NativeImageReader().read(deflated, deflated.length)).isNull();
        float[] viaBytes = new float[64 * 64];
        new PixelPreprocessor(WINDOW_64).preprocess(deflated, deflated.length, viaBytes, 0);
        assertThat(viaBytes).containsExactly(pixelMed(deflated, WINDOW_64));
    }

    @Test
    void declinesDamagedObjectsSoThatPixelMedReportsThem() throws Exception {
        byte[] whole = part10(phantom(Laterality.L, 64, 52), NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN);
        byte[] truncated = Arrays.copyOf(whole, whole.length - 100);
        assertThat(new NativeImageReader().read(truncated, truncated.length)).isNull();
        assertThat(new NativeImageReader().read(whole, 200)).isNull();
        byte[] garbage = "not DICOM".getBytes(StandardCharsets.US_ASCII);
        assertThat(new NativeImageReader().read(garbage, garbage.length)).isNull();
        assertThatThrownBy(() -> new PixelPreprocessor(WINDOW_64).preprocess(truncated, truncated.length,
                new float[64 * 64], 0)).isInstanceOfAny(DicomException.class, IOException.class,
                RuntimeException.class);
    }

    @Test
    void readsOnlyTheGivenLengthOfAReusedBuffer() throws Exception {
        byte[] bytes = part10(phantom(Laterality.L, 64, 52), NativeImageReader.EXPLICIT_VR_LITTLE_ENDIAN);
        byte[] buffer = Arrays.copyOf(bytes, bytes.length + 4096);
        Arrays.fill(buffer, bytes.length, buffer.length, (byte) 0x7F);
        float[] fromBuffer = new float[64 * 64];
        new PixelPreprocessor(WINDOW_64).preprocess(buffer, bytes.length, fromBuffer, 0);
        assertThat(fromBuffer).containsExactly(pixelMed(bytes, WINDOW_64));
    }

    private static void assertSameModelInput(AttributeList list, String syntax, Options options) throws Exception {
        byte[] bytes = part10(list, syntax);
        assertThat(new NativeImageReader().read(bytes, bytes.length)).as("direct reader takes %s", syntax).isNotNull();
        float[] direct = new float[options.height() * options.width()];
        new PixelPreprocessor(options).preprocess(bytes, bytes.length, direct, 0);
        float[] reference = pixelMed(bytes, options);
        float brightest = 0;
        for (float v : reference) {
            brightest = Math.max(brightest, v);
        }
        assertThat(brightest).as("the reference input is not blank").isGreaterThan(0.01f);
        for (int i = 0; i < reference.length; i++) {
            assertThat(direct[i]).as("model input %d", i).isCloseTo(reference[i], within(1e-6f));
        }
    }

    private static float[] pixelMed(byte[] bytes, Options options) throws Exception {
        AttributeList list = new AttributeList();
        try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(bytes))) {
            list.read(in);
        }
        float[] out = new float[options.height() * options.width()];
        new PixelPreprocessor(options).preprocess(list, out, 0);
        return out;
    }

    private static AttributeList phantom(Laterality laterality, int rows, int columns) {
        PhantomGenerator.Phantom p = PhantomGenerator.render(rows, columns, laterality, View.CC, Lesion.MASS, 77);
        return PhantomGenerator.toDicom(p, PhantomGenerator.StudyIdentity.fromSeed(77), 1);
    }

    private static byte[] part10(AttributeList list, String syntax) throws Exception {
        set(list, TagFromName.TransferSyntaxUID, syntax);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        list.write(out, syntax, true, true);
        return out.toByteArray();
    }

    private static void set(AttributeList list, AttributeTag tag, String value) throws DicomException {
        list.remove(tag);
        list.putNewAttribute(tag).addValue(value);
    }

    private static void set(AttributeList list, AttributeTag tag, int value) throws DicomException {
        list.remove(tag);
        list.putNewAttribute(tag).addValue(value);
    }
}
