package io.rtr.inference.pixels;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.display.SourceImage;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
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
     * Every stored value lies in {@code [minStored, maxStored]}, a range of at most 16 bits; the
     * bounds need not be attained (a reader that masked to BitsStored may give the whole BitsStored
     * range). Window centre/width are NaN when the object has none; laterality is null when unknown.
     */
    public record Image(int rows, int columns, int[] stored, int minStored, int maxStored, boolean monochrome1,
                        double rescaleSlope, double rescaleIntercept, double windowCenter, double windowWidth,
                        String laterality) {
        public Image {
            Objects.requireNonNull(stored, "stored");
            if (rows < 1 || columns < 1 || stored.length < rows * columns) {
                throw new IllegalArgumentException("pixel data has " + stored.length + " values, expected "
                        + rows + " x " + columns + " >= 1");
            }
            if (maxStored < minStored || (long) maxStored - minStored >= MAX_STORED_RANGE) {
                throw new IllegalArgumentException("stored values span " + minStored + ".." + maxStored
                        + "; expected at most 16 bits");
            }
        }

        /** An image whose stored-value bounds are found by looking at every pixel. */
        public Image(int rows, int columns, int[] stored, boolean monochrome1, double rescaleSlope,
                     double rescaleIntercept, double windowCenter, double windowWidth, String laterality) {
            this(rows, columns, stored, min(stored, rows * columns), max(stored, rows * columns), monochrome1,
                    rescaleSlope, rescaleIntercept, windowCenter, windowWidth, laterality);
        }

        private static int min(int[] values, int n) {
            int min = Integer.MAX_VALUE;
            for (int i = 0; i < Math.min(n, values.length); i++) {
                min = Math.min(min, values[i]);
            }
            return min;
        }

        private static int max(int[] values, int n) {
            int max = Integer.MIN_VALUE;
            for (int i = 0; i < Math.min(n, values.length); i++) {
                max = Math.max(max, values[i]);
            }
            return max;
        }
    }

    private static final int HISTOGRAM_BINS = 4096;

    /** Stored values span at most this many distinct values: 16 bits, the deepest grayscale DICOM has here. */
    private static final int MAX_STORED_RANGE = 1 << 16;

    private final Options options;
    private final NativeImageReader nativeReader = new NativeImageReader();
    /** Normalized value of each stored value from the image's minimum on: every pixel costs one look-up. */
    private final float[] lut = new float[MAX_STORED_RANGE];
    /** Pixels per stored value, for percentiles. */
    private final int[] counts = new int[MAX_STORED_RANGE];
    private final int[] histogram = new int[HISTOGRAM_BINS];
    private int lutBase;
    private int[] blockStart = new int[0];
    private int[] blockEnd = new int[0];
    private double[] columnSums = new double[0];

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
     * Decodes the Part 10 object in {@code part10[0, length)} and preprocesses it. Native pixel data
     * in little endian, the common case, is read straight from the bytes; every other object (deflated,
     * compressed, big endian, or one the direct reader declines) goes through PixelMed and
     * {@link #decode(AttributeList)}, which gives the same values.
     */
    public void preprocess(byte[] part10, int length, float[] destination, int offset)
            throws DicomException, IOException {
        Image image = nativeReader.read(part10, length);
        if (image == null) {
            AttributeList list = new AttributeList();
            try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(part10, 0, length))) {
                list.read(in);
            }
            image = decode(list);
        }
        preprocess(image, destination, offset);
    }

    /**
     * Writes {@link #imageSize()} floats in 0..1 into {@code destination} from {@code offset}, row by
     * row, ready to be one [H, W, 1] slice of an [N, H, W, 1] tensor.
     *
     * <p>Rescale, normalization and inversion depend on the stored value alone, so they are computed
     * once per possible stored value into a look-up table, and the resize reads the table directly:
     * one pass over the pixels with a window, two with percentiles (counts per stored value first).
     */
    public void preprocess(Image image, float[] destination, int offset) {
        int n = image.rows() * image.columns();
        if (destination.length - offset < imageSize()) {
            throw new IllegalArgumentException("destination has room for " + (destination.length - offset)
                    + " floats from offset " + offset + ", need " + imageSize());
        }
        int[] stored = image.stored();
        int minStored = image.minStored();
        int range = image.maxStored() - minStored + 1;
        lutBase = minStored;
        double slope = image.rescaleSlope();
        double intercept = image.rescaleIntercept();
        for (int v = 0; v < range; v++) {
            lut[v] = modality(minStored + v, slope, intercept);
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
            double[] bounds = percentiles(stored, n, range);
            low = bounds[0];
            high = bounds[1];
        }
        double scale = high > low ? 1.0 / (high - low) : 0.0;
        for (int v = 0; v < range; v++) {
            double t = (lut[v] - low) * scale;
            t = t < 0 ? 0 : (t > 1 ? 1 : t);
            // MONOCHROME1 shows low values bright; invert so the model always sees bright = attenuating.
            lut[v] = (float) (image.monochrome1() ? 1 - t : t);
        }
        boolean mirror = options.flip() == Flip.CHEST_WALL_LEFT && chestWallOnRight(image);
        resizeInto(stored, image.rows(), image.columns(), mirror, destination, offset);
    }

    /** Modality value of a stored value, with the same float rounding whichever path decoded it. */
    private static float modality(int stored, double slope, double intercept) {
        return (float) (stored * slope + intercept);
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
                left += normalized(image.stored(), row + c);
                right += normalized(image.stored(), row + columns - 1 - c);
            }
        }
        return right > left;
    }

    /**
     * The two percentiles of the modality values, read off a {@value #HISTOGRAM_BINS}-bin histogram
     * between their minimum and maximum. Pixels are counted per stored value first, which bins them
     * exactly as binning each pixel's modality value would, at the cost of one bin per distinct value.
     */
    private double[] percentiles(int[] stored, int n, int range) {
        Arrays.fill(counts, 0, range, 0);
        for (int i = 0; i < n; i++) {
            counts[stored[i] - lutBase]++;
        }
        // The extremes of the values present, not of the bounds, as binning every pixel would see them.
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < range; v++) {
            if (counts[v] != 0) {
                min = Math.min(min, lut[v]);
                max = Math.max(max, lut[v]);
            }
        }
        if (!(max > min)) {
            return new double[] {min, min};
        }
        Arrays.fill(histogram, 0);
        double binScale = (HISTOGRAM_BINS - 1) / (double) (max - min);
        for (int v = 0; v < range; v++) {
            if (counts[v] != 0) {
                histogram[(int) ((lut[v] - min) * binScale)] += counts[v];
            }
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
    private void resizeInto(int[] stored, int rows, int columns, boolean mirror, float[] destination, int offset) {
        int height = options.height();
        int width = options.width();
        double scale = Math.min(height / (double) rows, width / (double) columns);
        int outRows = Math.max(1, Math.min(height, (int) Math.round(rows * scale)));
        int outColumns = Math.max(1, Math.min(width, (int) Math.round(columns * scale)));
        int top = (height - outRows) / 2;
        // Only the padding is zeroed: every pixel of the image's own area is written below.
        Arrays.fill(destination, offset, offset + top * width, 0f);
        Arrays.fill(destination, offset + (top + outRows) * width, offset + height * width, 0f);
        for (int r = top; outColumns < width && r < top + outRows; r++) {
            Arrays.fill(destination, offset + r * width + outColumns, offset + (r + 1) * width, 0f);
        }
        double sy = rows / (double) outRows;
        double sx = columns / (double) outColumns;
        if (outRows == rows && outColumns == columns) {
            copyInto(stored, rows, columns, mirror, destination, offset + top * width);
            return;
        }
        if (sy >= 1 && sx >= 1) {
            shrinkInto(stored, rows, columns, mirror, outRows, outColumns, sy, sx, destination, offset + top * width);
            return;
        }
        for (int oy = 0; oy < outRows; oy++) {
            int base = offset + (top + oy) * width;
            for (int ox = 0; ox < outColumns; ox++) {
                double y = Math.max(0, Math.min(rows - 1, (oy + 0.5) * sy - 0.5));
                double x = Math.max(0, Math.min(columns - 1, (ox + 0.5) * sx - 0.5));
                int y0 = (int) y;
                int x0 = (int) x;
                int y1 = Math.min(rows - 1, y0 + 1);
                int x1 = Math.min(columns - 1, x0 + 1);
                double fy = y - y0;
                double fx = x - x0;
                double a = sample(stored, y0, x0, columns, mirror);
                double b = sample(stored, y0, x1, columns, mirror);
                double c = sample(stored, y1, x0, columns, mirror);
                double d = sample(stored, y1, x1, columns, mirror);
                destination[base + ox] = (float) ((a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy);
            }
        }
    }

    /**
     * Area averaging in two steps per output row: the block's source rows are first summed column by
     * column (a plain loop over each row, with no short inner loops whose exits the branch predictor
     * keeps missing, and independent additions), then each output pixel adds its columns of that row
     * sum. Every source pixel is read once, in order.
     */
    private void shrinkInto(int[] stored, int rows, int columns, boolean mirror, int outRows, int outColumns,
                            double sy, double sx, float[] destination, int offset) {
        if (blockStart.length < outColumns) {
            blockStart = new int[outColumns];
            blockEnd = new int[outColumns];
        }
        if (columnSums.length < columns) {
            columnSums = new double[columns];
        }
        for (int ox = 0; ox < outColumns; ox++) {
            int x0 = (int) (ox * sx);
            int x1 = Math.max(x0 + 1, Math.min(columns, (int) ((ox + 1) * sx)));
            // Mirrored, source columns [x0, x1) are read from the other end of the row.
            blockStart[ox] = mirror ? columns - x1 : x0;
            blockEnd[ox] = mirror ? columns - x0 : x1;
        }
        float[] table = lut;
        int base = lutBase;
        double[] sums = columnSums;
        int width = options.width();
        for (int oy = 0; oy < outRows; oy++) {
            int y0 = (int) (oy * sy);
            int y1 = Math.max(y0 + 1, Math.min(rows, (int) ((oy + 1) * sy)));
            int first = y0 * columns;
            for (int x = 0; x < columns; x++) {
                sums[x] = table[stored[first + x] - base];
            }
            for (int y = y0 + 1; y < y1; y++) {
                int row = y * columns;
                for (int x = 0; x < columns; x++) {
                    sums[x] += table[stored[row + x] - base];
                }
            }
            int out = offset + oy * width;
            int blockRows = y1 - y0;
            for (int ox = 0; ox < outColumns; ox++) {
                double sum = 0;
                for (int x = blockStart[ox]; x < blockEnd[ox]; x++) {
                    sum += sums[x];
                }
                destination[out + ox] = (float) (sum / (blockRows * (blockEnd[ox] - blockStart[ox])));
            }
        }
    }

    /** Same size: each output pixel is its source pixel's table value (what a 1x1 average gives). */
    private void copyInto(int[] stored, int rows, int columns, boolean mirror, float[] destination, int offset) {
        float[] table = lut;
        int base = lutBase;
        int width = options.width();
        for (int y = 0; y < rows; y++) {
            int row = y * columns;
            int out = offset + y * width;
            if (mirror) {
                for (int x = 0; x < columns; x++) {
                    destination[out + x] = table[stored[row + columns - 1 - x] - base];
                }
            } else {
                for (int x = 0; x < columns; x++) {
                    destination[out + x] = table[stored[row + x] - base];
                }
            }
        }
    }

    private float sample(int[] stored, int y, int x, int columns, boolean mirror) {
        return normalized(stored, y * columns + (mirror ? columns - 1 - x : x));
    }

    /** The normalized value of pixel {@code i}, once the table is built for its image. */
    private float normalized(int[] stored, int i) {
        return lut[stored[i] - lutBase];
    }
}
