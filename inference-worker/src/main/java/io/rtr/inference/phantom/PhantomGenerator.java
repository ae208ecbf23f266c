package io.rtr.inference.phantom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Synthetic screening-mammography phantoms, deterministic from a seed, written as MG DICOM files.
 *
 * <p>The images are good enough to exercise decoding, preprocessing and a small CNN end to end;
 * they are not anatomically faithful and must never be used to judge a clinical model.
 *
 * <p>Geometry follows the usual stored orientation of screening views: a left breast has its chest
 * wall on the left edge of the image (Patient Orientation {@code A\R} or {@code A\F}), a right
 * breast on the right edge ({@code P\L} or {@code P\F}).
 */
public final class PhantomGenerator {

    /** Stored pixel depth: 12 bits in 16-bit words, as most FFDM detectors deliver. */
    public static final int BITS_STORED = 12;
    /** Default VOI window written into every phantom; it spans air to calcifications. */
    public static final double WINDOW_CENTER = 2048;
    /** Default VOI window width. */
    public static final double WINDOW_WIDTH = 4096;

    private static final int MAX_STORED = (1 << BITS_STORED) - 1;
    private static final double BACKGROUND = 40;

    /** Which breast. */
    public enum Laterality { L, R }

    /** Which projection. */
    public enum View { CC, MLO }

    /** What, if anything, the phantom hides. */
    public enum Lesion { NONE, MASS, CALCIFICATIONS }

    /**
     * One rendered phantom: stored 12-bit values row by row, plus where the lesion was put
     * (row/column of its centre, or -1 when there is none).
     */
    public record Phantom(int rows, int columns, short[] pixels, Laterality laterality, View view,
                          Lesion lesion, int lesionRow, int lesionColumn) {
        public Phantom {
            Objects.requireNonNull(pixels, "pixels");
            if (pixels.length != rows * columns) {
                throw new IllegalArgumentException("pixels has " + pixels.length + " values, expected " + rows * columns);
            }
        }
    }

    /**
     * Identity of a synthetic study. Patient ID and name are obviously fake on purpose so that no one
     * mistakes a phantom for a real examination.
     */
    public record StudyIdentity(String studyInstanceUid, String accessionNumber, String patientId, String patientName) {

        /** A stable identity derived from a seed, so that the same seed gives the same UIDs. */
        public static StudyIdentity fromSeed(long seed) {
            return new StudyIdentity(uid("study", seed, 0), String.format("PH%08d", Math.floorMod(seed, 100_000_000L)),
                    "PHANTOM-" + Long.toUnsignedString(seed, 36).toUpperCase(), "PHANTOM^SYNTHETIC^" + seed);
        }
    }

    private PhantomGenerator() {
    }

    /**
     * Renders one phantom.
     *
     * @param rows    image height, at least 32
     * @param columns image width, at least 32
     */
    public static Phantom render(int rows, int columns, Laterality laterality, View view, Lesion lesion, long seed) {
        if (rows < 32 || columns < 32) {
            throw new IllegalArgumentException("phantoms need at least 32x32 pixels, got " + rows + "x" + columns);
        }
        Objects.requireNonNull(laterality, "laterality");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(lesion, "lesion");
        // The anatomy depends on the seed only, so a lesion and a clean phantom of one seed differ
        // by the lesion alone; the lesion gets its own stream for the same reason.
        SplittableRandom anatomy = new SplittableRandom(seed);
        SplittableRandom lesionRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        SplittableRandom noise = new SplittableRandom(seed * 31 + 7);

        double minDim = Math.min(rows, columns);
        double depth = columns * (0.68 + 0.14 * anatomy.nextDouble());
        double halfHeight = rows * (0.36 + 0.09 * anatomy.nextDouble());
        double centreRow = rows * (view == View.MLO ? 0.56 : 0.5) + rows * 0.04 * (anatomy.nextDouble() - 0.5);
        double fat = 820 + 220 * anatomy.nextDouble();
        double density = 0.6 + 0.8 * anatomy.nextDouble();
        double pectoralDepth = columns * (0.22 + 0.1 * anatomy.nextDouble());
        double pectoralHeight = rows * (0.55 + 0.2 * anatomy.nextDouble());

        ValueNoise coarse = new ValueNoise(anatomy.split(), 4, 4);
        ValueNoise medium = new ValueNoise(anatomy.split(), 10, 10);
        ValueNoise fine = new ValueNoise(anatomy.split(), 26, 26);
        ValueNoise grain = new ValueNoise(anatomy.split(), 60, 60);

        float[] image = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            double v = (r + 0.5) / rows;
            // In MLO the breast runs up along the chest wall into the axilla: stretch the upper half
            // of the outline so that it reaches the top edge at the chest wall.
            double upper = view == View.MLO ? Math.max(halfHeight, centreRow * 1.02) : halfHeight;
            double dy = (r - centreRow) / (r < centreRow ? upper : halfHeight);
            for (int c = 0; c < columns; c++) {
                // Distance from the chest wall, so that left and right are mirror images.
                int fromWall = laterality == Laterality.L ? c : columns - 1 - c;
                double dx = fromWall / depth;
                double radial = dx * dx + dy * dy;
                double outline = radial;
                double value = BACKGROUND;
                if (outline < 1.0) {
                    double u = (c + 0.5) / columns;
                    // Thickness falls towards the skin line, so does the attenuation.
                    double thickness = Math.sqrt(1.0 - outline);
                    double n = 0.55 * coarse.at(u, v) + 0.3 * medium.at(u, v) + 0.15 * fine.at(u, v);
                    double glandular = smoothstep(0.42, 0.72, n) * density * (1.0 - 0.6 * radial);
                    value = fat * (0.45 + 0.55 * Math.sqrt(thickness)) + 900 * Math.max(0, glandular)
                            + 110 * (grain.at(u, v) - 0.5);
                    if (view == View.MLO) {
                        double pect = 1.0 - fromWall / pectoralDepth - r / pectoralHeight;
                        value += 650 * smoothstep(0.0, 0.06, pect);
                    }
                    value = mix(BACKGROUND, value, smoothstep(0.0, 0.04, 1.0 - outline));
                }
                image[r * columns + c] = (float) value;
            }
        }

        int lesionRow = -1;
        int lesionColumn = -1;
        if (lesion != Lesion.NONE) {
            // Somewhere well inside the breast: within 60 % of the outline, away from the chest wall.
            double radial;
            double fromWall;
            double row;
            do {
                fromWall = depth * (0.2 + 0.6 * lesionRandom.nextDouble());
                row = centreRow + halfHeight * 0.7 * (2 * lesionRandom.nextDouble() - 1);
                double dx = fromWall / depth;
                double dy = (row - centreRow) / halfHeight;
                radial = dx * dx + dy * dy;
            } while (radial > 0.6);
            double column = laterality == Laterality.L ? fromWall : columns - 1 - fromWall;
            lesionRow = (int) Math.round(row);
            lesionColumn = (int) Math.round(column);
            if (lesion == Lesion.MASS) {
                addMass(image, rows, columns, row, column, minDim, lesionRandom);
            } else {
                addCalcifications(image, rows, columns, row, column, minDim, lesionRandom);
            }
        }

        short[] pixels = new short[rows * columns];
        for (int i = 0; i < pixels.length; i++) {
            double sigma = image[i] > BACKGROUND + 1 ? 16 : 5;
            long stored = Math.round(image[i] + sigma * noise.nextGaussian());
            pixels[i] = (short) Math.max(0, Math.min(MAX_STORED, stored));
        }
        return new Phantom(rows, columns, pixels, laterality, view, lesion, lesionRow, lesionColumn);
    }

    private static void addMass(float[] image, int rows, int columns, double row, double column, double minDim,
                                SplittableRandom random) {
        double radius = minDim * (0.05 + 0.03 * random.nextDouble());
        double contrast = 620 + 260 * random.nextDouble();
        int lobes = 3 + random.nextInt(4);
        double phase = random.nextDouble() * 2 * Math.PI;
        boolean spiculated = random.nextBoolean();
        int spicules = spiculated ? 8 + random.nextInt(8) : 0;
        double[] angle = new double[spicules];
        double[] length = new double[spicules];
        for (int s = 0; s < spicules; s++) {
            angle[s] = random.nextDouble() * 2 * Math.PI;
            length[s] = radius * (1.6 + random.nextDouble());
        }
        double spiculeWidth = Math.max(0.6, radius * 0.09);
        double reach = radius * 2.8;
        int r0 = Math.max(0, (int) (row - reach));
        int r1 = Math.min(rows - 1, (int) (row + reach));
        int c0 = Math.max(0, (int) (column - reach));
        int c1 = Math.min(columns - 1, (int) (column + reach));
        for (int r = r0; r <= r1; r++) {
            for (int c = c0; c <= c1; c++) {
                double dy = r - row;
                double dx = c - column;
                double dist = Math.sqrt(dx * dx + dy * dy);
                double theta = Math.atan2(dy, dx);
                // Lobulated outline and a soft edge: a fuzzy, not a sharp, margin.
                double edge = radius * (1 + 0.15 * Math.sin(lobes * theta + phase));
                double body = 1.0 - smoothstep(0.55 * edge, 1.15 * edge, dist);
                double spikes = 0;
                for (int s = 0; s < spicules; s++) {
                    double ux = Math.cos(angle[s]);
                    double uy = Math.sin(angle[s]);
                    double along = dx * ux + dy * uy;
                    if (along <= 0 || along >= length[s]) {
                        continue;
                    }
                    double across = Math.abs(-dx * uy + dy * ux);
                    double w = Math.exp(-across * across / (2 * spiculeWidth * spiculeWidth));
                    spikes = Math.max(spikes, w * (1.0 - along / length[s]));
                }
                int i = r * columns + c;
                if (image[i] > BACKGROUND + 1) {
                    image[i] += (float) (contrast * Math.max(body, 0.6 * spikes));
                }
            }
        }
    }

    private static void addCalcifications(float[] image, int rows, int columns, double row, double column,
                                          double minDim, SplittableRandom random) {
        int count = 6 + random.nextInt(7);
        double clusterRadius = minDim * (0.03 + 0.02 * random.nextDouble());
        double dotBase = Math.max(0.75, minDim * 0.004);
        for (int k = 0; k < count; k++) {
            double a = random.nextDouble() * 2 * Math.PI;
            double d = clusterRadius * Math.sqrt(random.nextDouble());
            double cy = row + d * Math.sin(a);
            double cx = column + d * Math.cos(a);
            double sigma = dotBase * (0.8 + 0.6 * random.nextDouble());
            double peak = 1500 + 600 * random.nextDouble();
            int reach = (int) Math.ceil(3 * sigma) + 1;
            for (int r = Math.max(0, (int) cy - reach); r <= Math.min(rows - 1, (int) cy + reach); r++) {
                for (int c = Math.max(0, (int) cx - reach); c <= Math.min(columns - 1, (int) cx + reach); c++) {
                    double dy = r - cy;
                    double dx = c - cx;
                    int i = r * columns + c;
                    if (image[i] > BACKGROUND + 1) {
                        image[i] += (float) (peak * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)));
                    }
                }
            }
        }
    }

    /**
     * The phantom as a complete MG "For Presentation" object, file meta information included.
     *
     * @param instanceNumber 1-based number within the study; it also makes the series and SOP UIDs
     */
    public static AttributeList toDicom(Phantom phantom, StudyIdentity study, int instanceNumber) {
        try {
            AttributeList list = new AttributeList();
            String sopUid = uid(study.studyInstanceUid() + "/sop", instanceNumber, 0);
            String seriesUid = uid(study.studyInstanceUid() + "/series", instanceNumber, 0);
            put(list, TagFromName.SpecificCharacterSet, "ISO_IR 100");
            put(list, TagFromName.SOPClassUID, SOPClass.DigitalMammographyXRayImageStorageForPresentation);
            put(list, TagFromName.SOPInstanceUID, sopUid);
            put(list, TagFromName.StudyInstanceUID, study.studyInstanceUid());
            put(list, TagFromName.SeriesInstanceUID, seriesUid);
            put(list, TagFromName.Modality, "MG");
            put(list, TagFromName.ImageType, "ORIGINAL", "PRIMARY");
            put(list, TagFromName.PresentationIntentType, "FOR PRESENTATION");
            put(list, TagFromName.PatientID, study.patientId());
            put(list, TagFromName.PatientName, study.patientName());
            put(list, TagFromName.PatientBirthDate, "");
            put(list, TagFromName.PatientSex, "F");
            put(list, TagFromName.StudyDate, "20260101");
            put(list, TagFromName.StudyTime, "090000");
            put(list, TagFromName.StudyID, "1");
            put(list, TagFromName.AccessionNumber, study.accessionNumber());
            put(list, TagFromName.ReferringPhysicianName, "");
            put(list, TagFromName.StudyDescription, "SYNTHETIC SCREENING MAMMOGRAPHY PHANTOM");
            put(list, TagFromName.SeriesDescription, phantom.laterality() + " " + phantom.view());
            put(list, TagFromName.SeriesNumber, Integer.toString(instanceNumber));
            put(list, TagFromName.InstanceNumber, Integer.toString(instanceNumber));
            put(list, TagFromName.Manufacturer, "RTR synthetic phantom");
            put(list, TagFromName.BodyPartExamined, "BREAST");
            put(list, TagFromName.ViewPosition, phantom.view().name());
            put(list, TagFromName.ImageLaterality, phantom.laterality().name());
            put(list, TagFromName.Laterality, phantom.laterality().name());
            put(list, TagFromName.PatientOrientation, orientation(phantom.laterality(), phantom.view()));
            put(list, TagFromName.BurnedInAnnotation, "NO");
            put(list, TagFromName.LossyImageCompression, "00");
            put(list, TagFromName.PresentationLUTShape, "IDENTITY");
            put(list, TagFromName.SamplesPerPixel, 1);
            put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
            put(list, TagFromName.Rows, phantom.rows());
            put(list, TagFromName.Columns, phantom.columns());
            put(list, TagFromName.BitsAllocated, 16);
            put(list, TagFromName.BitsStored, BITS_STORED);
            put(list, TagFromName.HighBit, BITS_STORED - 1);
            put(list, TagFromName.PixelRepresentation, 0);
            put(list, TagFromName.RescaleIntercept, "0");
            put(list, TagFromName.RescaleSlope, "1");
            put(list, TagFromName.RescaleType, "US");
            put(list, TagFromName.WindowCenter, Double.toString(WINDOW_CENTER));
            put(list, TagFromName.WindowWidth, Double.toString(WINDOW_WIDTH));
            put(list, TagFromName.PixelSpacing, "0.1", "0.1");
            put(list, TagFromName.ImagerPixelSpacing, "0.1", "0.1");
            Attribute pixelData = new OtherWordAttribute(TagFromName.PixelData);
            pixelData.setValues(phantom.pixels());
            list.put(pixelData);
            FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "RTRPHANTOM");
            return list;
        } catch (DicomException e) {
            throw new IllegalStateException("cannot build phantom DICOM object", e);
        }
    }

    /** Writes a Part 10 file in the given transfer syntax (explicit VR little endian or deflated). */
    public static Path write(Phantom phantom, StudyIdentity study, int instanceNumber, Path file, String transferSyntax)
            throws IOException {
        AttributeList list = toDicom(phantom, study, instanceNumber);
        try {
            // The file meta header must name the transfer syntax the body is written in.
            list.remove(TagFromName.TransferSyntaxUID);
            put(list, TagFromName.TransferSyntaxUID, transferSyntax);
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            list.write(file.toFile(), transferSyntax, true, true);
            return file;
        } catch (DicomException e) {
            throw new IOException("cannot write phantom " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes a Part 10 file in explicit VR little endian. */
    public static Path write(Phantom phantom, StudyIdentity study, int instanceNumber, Path file) throws IOException {
        return write(phantom, study, instanceNumber, file, TransferSyntax.ExplicitVRLittleEndian);
    }

    /**
     * Writes a four-view screening study (L-CC, L-MLO, R-CC, R-MLO) into {@code dir}, with the lesion,
     * if any, in the one view named by {@code lesionSide} and {@code lesionView}.
     *
     * @return the four files, in the order above
     */
    public static List<Path> writeStudy(Path dir, long seed, int rows, int columns, Lesion lesion,
                                        Laterality lesionSide, View lesionView) throws IOException {
        StudyIdentity study = StudyIdentity.fromSeed(seed);
        List<Path> files = new ArrayList<>(4);
        int instance = 0;
        for (Laterality side : Laterality.values()) {
            for (View view : View.values()) {
                instance++;
                Lesion here = side == lesionSide && view == lesionView ? lesion : Lesion.NONE;
                Phantom phantom = render(rows, columns, side, view, here, viewSeed(seed, side, view));
                files.add(write(phantom, study, instance, dir.resolve(side + "_" + view + ".dcm")));
            }
        }
        return files;
    }

    /** The seed {@link #writeStudy} renders one view of a study with. */
    static long viewSeed(long studySeed, Laterality side, View view) {
        return studySeed * 4 + (side == Laterality.L ? 0 : 2) + (view == View.CC ? 0 : 1);
    }

    /** Stable DICOM UID under the UUID-derived root 2.25, so that a seed always gives the same UIDs. */
    static String uid(String namespace, long seed, int index) {
        byte[] text = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] name = ByteBuffer.allocate(text.length + 12).put(text).putLong(seed).putInt(index).array();
        UUID uuid = UUID.nameUUIDFromBytes(name);
        BigInteger value = new BigInteger(1, ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
        return "2.25." + value;
    }

    private static String orientation(Laterality laterality, View view) {
        String row = laterality == Laterality.L ? "A" : "P";
        String column = view == View.CC ? (laterality == Laterality.L ? "R" : "L") : "F";
        return row + "\\" + column;
    }

    private static void put(AttributeList list, AttributeTag tag, String... values) throws DicomException {
        Attribute attribute = list.putNewAttribute(tag);
        for (String value : values) {
            attribute.addValue(value);
        }
    }

    private static void put(AttributeList list, AttributeTag tag, int value) throws DicomException {
        list.putNewAttribute(tag).addValue(value);
    }

    private static double smoothstep(double edge0, double edge1, double x) {
        double t = Math.max(0, Math.min(1, (x - edge0) / (edge1 - edge0)));
        return t * t * (3 - 2 * t);
    }

    private static double mix(double a, double b, double t) {
        return a + (b - a) * t;
    }

    /** Smoothly interpolated lattice noise in 0..1: cheap, any resolution, no dependency. */
    private static final class ValueNoise {
        private final int cellsX;
        private final int cellsY;
        private final double[] lattice;

        ValueNoise(SplittableRandom random, int cellsX, int cellsY) {
            this.cellsX = cellsX;
            this.cellsY = cellsY;
            this.lattice = new double[(cellsX + 1) * (cellsY + 1)];
            for (int i = 0; i < lattice.length; i++) {
                lattice[i] = random.nextDouble();
            }
        }

        double at(double u, double v) {
            double x = u * cellsX;
            double y = v * cellsY;
            int x0 = Math.min(cellsX - 1, (int) x);
            int y0 = Math.min(cellsY - 1, (int) y);
            double fx = smoothstep(0, 1, x - x0);
            double fy = smoothstep(0, 1, y - y0);
            int stride = cellsX + 1;
            double top = mix(lattice[y0 * stride + x0], lattice[y0 * stride + x0 + 1], fx);
            double bottom = mix(lattice[(y0 + 1) * stride + x0], lattice[(y0 + 1) * stride + x0 + 1], fx);
            return mix(top, bottom, fy);
        }
    }
}
