package io.rtr.inference.pixels;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.display.SourceImage;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns a decoded DICOM image into the model's input: modality rescale, windowing or percentile
 * normalization to 0..1 (bright = dense for MONOCHROME1 and MONOCHROME2 alike), optional
 * laterality flip, and an aspect-preserving resize padded with zeros to the model's height x width.
 *
 * <p>One instance per thread: it keeps its working buffer between calls so that the steady state
 * allocates nothing per image.
 */
public final class PixelPreprocessor {

    /** How stored values are mapped to 0..1. */
    public enum Normalization {
        /** The object's first WindowCenter/WindowWidth (DICOM linear VOI); percentile when it has none. */
        WINDOW,
        /** Between two percentiles of the image's own histogram. */
        PERCENTILE
    }

    /** Whether to mirror images so that every breast has its chest wall on the same side. */
    public enum Flip {
        NONE,
        /** Right breasts are mirrored so the chest wall is on the left, like left ones. */
        CHEST_WALL_LEFT
    }

    /** Target geometry and normalization; percentiles are in 0..100. */
    public record Options(int height, int width, Normalization normalization, double lowPercentile,
                          double highPercentile, Flip flip) {
        public Options {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("model input must be at least 1x1, got " + height + "x" + width);
            }
            Objects.requireNonNull(normalization, "normalization");
            Objects.requireNonNull(flip, "flip");
            if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100)) {
                throw new IllegalArgumentException("percentiles must satisfy 0 <= low < high <= 100, got "
                        + lowPercentile + " and " + highPercentile);
            }
        }
    }

    /**
     * A decoded single-frame grayscale image: stored values plus what is needed to interpret them.
     * Window centre/width are NaN when the object has none; laterality is null when unknown.
     */
    public record Image(int rows, int columns, int[] stored, boolean monochrome1, double rescaleSlope,
                        double rescaleIntercept, double windowCenter, double windowWidth, String laterality) {
        public Image {
            Objects.requireNonNull(stored, "stored");
            if (stored.length < rows * columns) {
                throw new IllegalArgumentException("pixel data has " + stored.length + " values, expected "
                        + rows * columns);
            }
        }
    }

    private static final int HISTOGRAM_BINS = 4096;

    private final Options options;
    private float[] modality = new float[0];
    private final int[] histogram = new int[HISTOGRAM_BINS];

    public PixelPreprocessor(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /** Number of floats one image occupies in a batch buffer. */
    public int imageSize() {
        return options.height() * options.width();
    }

    /** Decodes and preprocesses in one go; see {@link #decode(AttributeList)}. */
    public void preprocess(AttributeList list, float[] destination, int offset) throws DicomException {
        preprocess(decode(list), destination, offset);
    }

    /**
     * Writes {@link #imageSize()} floats in 0..1 into {@code destination} from {@code offset}, row by
     * row, ready to be one [H, W, 1] slice of an [N, H, W, 1] tensor.
     */
    public void preprocess(Image image, float[] destination, int offset) {
        int n = image.rows() * image.columns();
        if (destination.length - offset < imageSize()) {
            throw new IllegalArgumentException("destination has room for " + (destination.length - offset)
                    + " floats from offset " + offset + ", need " + imageSize());
        }
        if (modality.length < n) {
            modality = new float[n];
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = (float) (image.stored()[i] * image.rescaleSlope() + image.rescaleIntercept());
            modality[i] = v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double low;
        double high;
        boolean window = options.normalization() == Normalization.WINDOW
                && !Double.isNaN(image.windowCenter()) && image.windowWidth() >= 1;
        if (window) {
            // DICOM PS3.3 C.11.2.1.2.1 linear function, expressed as the two values that map to 0 and 1.
            low = image.windowCenter() - 0.5 - (image.windowWidth() - 1) / 2;
            high = image.windowCenter() - 0.5 + (image.windowWidth() - 1) / 2;
        } else {
            double[] bounds = percentiles(n, min, max);
            low = bounds[0];
            high = bounds[1];
        }
        double scale = high > low ? 1.0 / (high - low) : 0.0;
        for (int i = 0; i < n; i++) {
            double t = (modality[i] - low) * scale;
            t = t < 0 ? 0 : (t > 1 ? 1 : t);
            // MONOCHROME1 shows low values bright; invert so the model always sees bright = attenuating.
            modality[i] = (float) (image.monochrome1() ? 1 - t : t);
        }
        boolean mirror = options.flip() == Flip.CHEST_WALL_LEFT && chestWallOnRight(image);
        resizeInto(image.rows(), image.columns(), mirror, destination, offset);
    }

    /**
     * Extracts the first frame of a grayscale image. Native (and deflated, which PixelMed inflates on
     * read) pixel data is read directly; encapsulated pixel data goes through PixelMed's
     * {@link SourceImage}, which decompresses with whatever ImageIO codecs are on the class path.
     */
    public static Image decode(AttributeList list) throws DicomException {
        int rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
        int columns = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
        int samples = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1);
        int bitsAllocated = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16);
        int bitsStored = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsStored, bitsAllocated);
        boolean signed = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.PixelRepresentation, 0) == 1;
        String photometric = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.PhotometricInterpretation)
                .trim();
        if (rows <= 0 || columns <= 0) {
            throw new DicomException("image has no Rows/Columns (" + rows + "x" + columns + ")");
        }
        if (samples != 1 || !(photometric.equals("MONOCHROME1") || photometric.equals("MONOCHROME2"))) {
            throw new DicomException("only grayscale images can be scored, got " + samples
                    + " samples per pixel and photometric interpretation '" + photometric + "'");
        }
        Attribute pixelData = list.getPixelData();
        if (pixelData == null) {
            throw new DicomException("image has no Pixel Data");
        }
        int n = rows * columns;
        int[] stored = new int[n];
        if (pixelData instanceof OtherWordAttribute && bitsAllocated == 16) {
            short[] words = pixelData.getShortValues();
            if (words.length < n) {
                throw new DicomException("Pixel Data holds " + words.length + " values, Rows x Columns is " + n);
            }
            for (int i = 0; i < n; i++) {
                stored[i] = storedValue(words[i] & 0xFFFF, bitsStored, signed);
            }
        } else if (bitsAllocated == 8 && !isEncapsulated(list)) {
            byte[] bytes = pixelData.getByteValues();
            if (bytes.length < n) {
                throw new DicomException("Pixel Data holds " + bytes.length + " values, Rows x Columns is " + n);
            }
            for (int i = 0; i < n; i++) {
                stored[i] = storedValue(bytes[i] & 0xFF, bitsStored, signed);
            }
        } else {
            BufferedImage frame = new SourceImage(list).getBufferedImage(0);
            if (frame == null) {
                throw new DicomException("PixelMed could not decode the pixel data");
            }
            Raster raster = frame.getRaster();
            raster.getSamples(0, 0, columns, rows, 0, stored);
            if (signed) {
                for (int i = 0; i < n; i++) {
                    stored[i] = storedValue(stored[i] & 0xFFFF, bitsStored, true);
                }
            }
        }
        double slope = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleSlope, 1.0);
        double intercept = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.RescaleIntercept, 0.0);
        double centre = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.WindowCenter, Double.NaN);
        double width = Attribute.getSingleDoubleValueOrDefault(list, TagFromName.WindowWidth, Double.NaN);
        String laterality = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.ImageLaterality).trim();
        if (laterality.isEmpty()) {
            laterality = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.Laterality).trim();
        }
        return new Image(rows, columns, stored, photometric.equals("MONOCHROME1"), slope == 0 ? 1.0 : slope,
                intercept, centre, width, laterality.isEmpty() ? null : laterality);
    }

    private static boolean isEncapsulated(AttributeList list) {
        String syntax = Attribute.getSingleStringValueOrEmptyString(list, TagFromName.TransferSyntaxUID);
        return !syntax.isEmpty() && new TransferSyntax(syntax).isEncapsulated();
    }

    /** Masks to BitsStored and sign-extends, because the unused high bits may carry overlays or junk. */
    static int storedValue(int raw, int bitsStored, boolean signed) {
        int mask = bitsStored >= 32 ? -1 : (1 << bitsStored) - 1;
        int v = raw & mask;
        if (signed && bitsStored < 32 && (v & (1 << (bitsStored - 1))) != 0) {
            v -= 1 << bitsStored;
        }
        return v;
    }

    private boolean chestWallOnRight(Image image) {
        if ("R".equals(image.laterality())) {
            return true;
        }
        if ("L".equals(image.laterality())) {
            return false;
        }
        // Unknown laterality: the chest wall is on the side holding more tissue.
        double left = 0;
        double right = 0;
        int columns = image.columns();
        int half = columns / 2;
        for (int r = 0; r < image.rows(); r++) {
            int row = r * columns;
            for (int c = 0; c < half; c++) {
                left += modality[row + c];
                right += modality[row + columns - 1 - c];
            }
        }
        return right > left;
    }

    private double[] percentiles(int n, float min, float max) {
        if (!(max > min)) {
            return new double[] {min, min};
        }
        Arrays.fill(histogram, 0);
        double binScale = (HISTOGRAM_BINS - 1) / (double) (max - min);
        for (int i = 0; i < n; i++) {
            histogram[(int) ((modality[i] - min) * binScale)]++;
        }
        double lowRank = options.lowPercentile() / 100.0 * (n - 1);
        double highRank = options.highPercentile() / 100.0 * (n - 1);
        double low = min;
        double high = max;
        long seen = 0;
        boolean lowFound = false;
        for (int b = 0; b < HISTOGRAM_BINS; b++) {
            seen += histogram[b];
            if (!lowFound && seen > lowRank) {
                low = min + b / binScale;
                lowFound = true;
            }
            if (seen > highRank) {
                high = min + (b + 1) / binScale;
                break;
            }
        }
        return new double[] {low, high};
    }

    /**
     * Fits the normalized image into height x width keeping its aspect ratio: area averaging when
     * shrinking (so tiny bright dots survive as dimmer dots instead of vanishing between samples),
     * bilinear when enlarging. The image sits at the left edge, centred vertically; the rest is 0.
     */
    private void resizeInto(int rows, int columns, boolean mirror, float[] destination, int offset) {
        int height = options.height();
        int width = options.width();
        double scale = Math.min(height / (double) rows, width / (double) columns);
        int outRows = Math.max(1, Math.min(height, (int) Math.round(rows * scale)));
        int outColumns = Math.max(1, Math.min(width, (int) Math.round(columns * scale)));
        int top = (height - outRows) / 2;
        Arrays.fill(destination, offset, offset + height * width, 0f);
        double sy = rows / (double) outRows;
        double sx = columns / (double) outColumns;
        for (int oy = 0; oy < outRows; oy++) {
            int base = offset + (top + oy) * width;
            for (int ox = 0; ox < outColumns; ox++) {
                float v;
                if (sy >= 1 && sx >= 1) {
                    int y0 = (int) (oy * sy);
                    int y1 = Math.max(y0 + 1, Math.min(rows, (int) ((oy + 1) * sy)));
                    int x0 = (int) (ox * sx);
                    int x1 = Math.max(x0 + 1, Math.min(columns, (int) ((ox + 1) * sx)));
                    double sum = 0;
                    for (int y = y0; y < y1; y++) {
                        int row = y * columns;
                        for (int x = x0; x < x1; x++) {
                            sum += modality[row + (mirror ? columns - 1 - x : x)];
                        }
                    }
                    v = (float) (sum / ((y1 - y0) * (x1 - x0)));
                } else {
                    double y = Math.max(0, Math.min(rows - 1, (oy + 0.5) * sy - 0.5));
                    double x = Math.max(0, Math.min(columns - 1, (ox + 0.5) * sx - 0.5));
                    int y0 = (int) y;
                    int x0 = (int) x;
                    int y1 = Math.min(rows - 1, y0 + 1);
                    int x1 = Math.min(columns - 1, x0 + 1);
                    double fy = y - y0;
                    double fx = x - x0;
                    double a = sample(y0, x0, columns, mirror);
                    double b = sample(y0, x1, columns, mirror);
                    double c = sample(y1, x0, columns, mirror);
                    double d = sample(y1, x1, columns, mirror);
                    v = (float) ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy);
                }
                destination[base + ox] = v;
            }
        }
    }

    private float sample(int y, int x, int columns, boolean mirror) {
        return modality[y * columns + (mirror ? columns - 1 - x : x)];
    }
}
