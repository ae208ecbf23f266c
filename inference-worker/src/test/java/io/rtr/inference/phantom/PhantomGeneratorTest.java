package io.rtr.inference.phantom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.Phantom;
import io.rtr.inference.phantom.PhantomGenerator.StudyIdentity;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pixels.PixelPreprocessor;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhantomGeneratorTest {

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesSamePixelsAndOtherSeedsDiffer() {
        Phantom a = PhantomGenerator.render(96, 80, Laterality.L, View.CC, Lesion.MASS, 7);
        Phantom b = PhantomGenerator.render(96, 80, Laterality.L, View.CC, Lesion.MASS, 7);
        Phantom c = PhantomGenerator.render(96, 80, Laterality.L, View.CC, Lesion.MASS, 8);
        assertThat(a.pixels()).isEqualTo(b.pixels());
        assertThat(a.pixels()).isNotEqualTo(c.pixels());
    }

    @Test
    void valuesStayWithinTwelveBits() {
        Phantom p = PhantomGenerator.render(256, 208, Laterality.R, View.MLO, Lesion.CALCIFICATIONS, 3);
        for (short v : p.pixels()) {
            assertThat(v & 0xFFFF).isBetween(0, 4095);
        }
    }

    @Test
    void chestWallIsOnTheLeftForLeftBreastsAndOnTheRightForRightOnes() {
        Phantom left = PhantomGenerator.render(128, 104, Laterality.L, View.CC, Lesion.NONE, 11);
        Phantom right = PhantomGenerator.render(128, 104, Laterality.R, View.CC, Lesion.NONE, 11);
        assertThat(columnMean(left, 0)).isGreaterThan(4 * columnMean(left, 103));
        assertThat(columnMean(right, 103)).isGreaterThan(4 * columnMean(right, 0));
    }

    @Test
    void massIsBrighterThanTheSameBreastWithoutIt() {
        Phantom clean = PhantomGenerator.render(256, 208, Laterality.L, View.CC, Lesion.NONE, 21);
        Phantom mass = PhantomGenerator.render(256, 208, Laterality.L, View.CC, Lesion.MASS, 21);
        assertThat(clean.lesionRow()).isEqualTo(-1);
        int centre = mass.lesionRow() * mass.columns() + mass.lesionColumn();
        assertThat((mass.pixels()[centre] & 0xFFFF) - (clean.pixels()[centre] & 0xFFFF)).isGreaterThan(400);
    }

    @Test
    void calcificationClusterAddsSmallVeryBrightDots() {
        Phantom clean = PhantomGenerator.render(512, 416, Laterality.R, View.MLO, Lesion.NONE, 5);
        Phantom calc = PhantomGenerator.render(512, 416, Laterality.R, View.MLO, Lesion.CALCIFICATIONS, 5);
        int brighter = 0;
        for (int i = 0; i < clean.pixels().length; i++) {
            if ((calc.pixels()[i] & 0xFFFF) - (clean.pixels()[i] & 0xFFFF) > 700) {
                brighter++;
            }
        }
        // Several dots of a few pixels each, not a mass-sized blob.
        assertThat(brighter).isBetween(6, 600);
    }

    @Test
    void writesAnMgForPresentationObjectThatPixelMedReadsBack() throws Exception {
        Phantom p = PhantomGenerator.render(128, 104, Laterality.R, View.MLO, Lesion.MASS, 99);
        StudyIdentity study = StudyIdentity.fromSeed(99);
        Path file = PhantomGenerator.write(p, study, 4, dir.resolve("r_mlo.dcm"));

        AttributeList list = new AttributeList();
        list.read(file.toFile());
        assertThat(string(list, TagFromName.SOPClassUID))
                .isEqualTo(SOPClass.DigitalMammographyXRayImageStorageForPresentation);
        assertThat(string(list, TagFromName.MediaStorageSOPClassUID))
                .isEqualTo(SOPClass.DigitalMammographyXRayImageStorageForPresentation);
        assertThat(string(list, TagFromName.TransferSyntaxUID)).isEqualTo(TransferSyntax.ExplicitVRLittleEndian);
        assertThat(string(list, TagFromName.Modality)).isEqualTo("MG");
        assertThat(Attribute.getDelimitedStringValuesOrEmptyString(list, TagFromName.ImageType))
                .isEqualTo("ORIGINAL\\PRIMARY");
        assertThat(string(list, TagFromName.PresentationIntentType)).isEqualTo("FOR PRESENTATION");
        assertThat(string(list, TagFromName.PhotometricInterpretation)).isEqualTo("MONOCHROME2");
        assertThat(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 0)).isEqualTo(16);
        assertThat(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsStored, 0)).isEqualTo(12);
        assertThat(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0)).isEqualTo(128);
        assertThat(Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0)).isEqualTo(104);
        assertThat(string(list, TagFromName.ViewPosition)).isEqualTo("MLO");
        assertThat(string(list, TagFromName.ImageLaterality)).isEqualTo("R");
        assertThat(string(list, TagFromName.StudyInstanceUID)).isEqualTo(study.studyInstanceUid()).startsWith("2.25.");
        assertThat(string(list, TagFromName.SOPInstanceUID)).startsWith("2.25.").hasSizeLessThanOrEqualTo(64);
        assertThat(string(list, TagFromName.SeriesInstanceUID)).startsWith("2.25.").hasSizeLessThanOrEqualTo(64);
        assertThat(string(list, TagFromName.PatientID)).startsWith("PHANTOM-");
        assertThat(string(list, TagFromName.PatientName)).startsWith("PHANTOM^SYNTHETIC");

        PixelPreprocessor.Image decoded = PixelPreprocessor.decode(list);
        for (int i = 0; i < p.pixels().length; i++) {
            assertThat(decoded.stored()[i]).isEqualTo(p.pixels()[i] & 0xFFFF);
        }
    }

    @Test
    void deflatedFileDecodesToTheSamePixels() throws Exception {
        Phantom p = PhantomGenerator.render(64, 64, Laterality.L, View.CC, Lesion.CALCIFICATIONS, 12);
        Path file = PhantomGenerator.write(p, StudyIdentity.fromSeed(12), 1, dir.resolve("deflated.dcm"),
                TransferSyntax.DeflatedExplicitVRLittleEndian);
        AttributeList list = new AttributeList();
        list.read(file.toFile());
        assertThat(string(list, TagFromName.TransferSyntaxUID)).isEqualTo(TransferSyntax.DeflatedExplicitVRLittleEndian);
        int[] stored = PixelPreprocessor.decode(list).stored();
        for (int i = 0; i < p.pixels().length; i++) {
            assertThat(stored[i]).isEqualTo(p.pixels()[i] & 0xFFFF);
        }
    }

    @Test
    void fourViewStudyHasOneStudyFourViewsAndTheLesionOnlyWhereAsked() throws Exception {
        List<Path> files = PhantomGenerator.writeStudy(dir.resolve("study"), 314, 128, 104, Lesion.MASS,
                Laterality.R, View.CC);
        assertThat(files).hasSize(4);
        Set<String> studies = new HashSet<>();
        Set<String> sops = new HashSet<>();
        Set<String> views = new HashSet<>();
        for (Path file : files) {
            AttributeList list = new AttributeList();
            list.read(file.toFile());
            studies.add(string(list, TagFromName.StudyInstanceUID));
            sops.add(string(list, TagFromName.SOPInstanceUID));
            String side = string(list, TagFromName.ImageLaterality);
            String view = string(list, TagFromName.ViewPosition);
            views.add(side + "-" + view);
            Phantom clean = PhantomGenerator.render(128, 104, Laterality.valueOf(side), View.valueOf(view), Lesion.NONE,
                    PhantomGenerator.viewSeed(314, Laterality.valueOf(side), View.valueOf(view)));
            int[] stored = PixelPreprocessor.decode(list).stored();
            boolean same = true;
            for (int i = 0; i < stored.length && same; i++) {
                same = stored[i] == (clean.pixels()[i] & 0xFFFF);
            }
            assertThat(same).as("%s-%s is lesion-free", side, view).isEqualTo(!(side.equals("R") && view.equals("CC")));
        }
        assertThat(studies).hasSize(1);
        assertThat(sops).hasSize(4);
        assertThat(views).containsExactlyInAnyOrder("L-CC", "L-MLO", "R-CC", "R-MLO");
    }

    @Test
    void refusesImagesTooSmallToHoldABreast() {
        assertThatThrownBy(() -> PhantomGenerator.render(16, 16, Laterality.L, View.CC, Lesion.NONE, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16x16");
    }

    private static double columnMean(Phantom p, int column) {
        double sum = 0;
        for (int r = 0; r < p.rows(); r++) {
            sum += p.pixels()[r * p.columns() + column] & 0xFFFF;
        }
        return sum / p.rows();
    }

    private static String string(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag);
    }
}
