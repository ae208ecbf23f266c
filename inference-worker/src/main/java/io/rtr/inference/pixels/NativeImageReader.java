package io.rtr.inference.pixels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads what preprocessing needs (geometry, photometric interpretation, rescale, window,
 * laterality) and the first frame of native pixel data straight from the bytes of a Part 10 object
 * in explicit or implicit VR little endian, without building a PixelMed {@code AttributeList}.
 * Anything it does not fully understand (another transfer syntax, encapsulated or short pixel data,
 * odd bit depths, malformed elements) it declines by returning null, and the caller decodes with
 * PixelMed, which stays the reference and gives the error messages for damaged objects.
 *
 * <p>One instance per thread: the stored-value buffer is reused from image to image.
 */
final class NativeImageReader {

    static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";

    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class,
            ByteOrder.LITTLE_ENDIAN);

    private static final int UNDEFINED_LENGTH = 0xFFFFFFFF;
    private static final int ITEM = 0xFFFEE000;
    private static final int ITEM_DELIMITATION = 0xFFFEE00D;
    private static final int SEQUENCE_DELIMITATION = 0xFFFEE0DD;
    private static final int TRANSFER_SYNTAX_UID = 0x00020010;
    private static final int LATERALITY = 0x00200060;
    private static final int IMAGE_LATERALITY = 0x00200062;
    private static final int SAMPLES_PER_PIXEL = 0x00280002;
    private static final int PHOTOMETRIC_INTERPRETATION = 0x00280004;
    private static final int ROWS = 0x00280010;
    private static final int COLUMNS = 0x00280011;
    private static final int BITS_ALLOCATED = 0x00280100;
    private static final int BITS_STORED = 0x00280101;
    private static final int PIXEL_REPRESENTATION = 0x00280103;
    private static final int WINDOW_CENTER = 0x00281050;
    private static final int WINDOW_WIDTH = 0x00281051;
    private static final int RESCALE_INTERCEPT = 0x00281052;
    private static final int RESCALE_SLOPE = 0x00281053;
    private static final int PIXEL_DATA = 0x7FE00010;

    /** Thrown inside the parser for anything it declines; never leaves this class. */
    private static final class Declined extends Exception {
        Declined() {
            super(null, null, false, false);
        }
    }

    private static final Declined DECLINED = new Declined();

    private int[] stored = new int[0];
    private short[] words = new short[0];

    // Parser state for the object being read.
    private byte[] b;
    private int end;
    private int pos;
    private boolean explicitVr;
    private String vr;

    /**
     * The image in {@code bytes[0, length)}, or null when this reader declines it. The returned
     * image's stored values live in this reader's buffer until the next call.
     */
    PixelPreprocessor.Image read(byte[] bytes, int length) {
        b = bytes;
        end = length;
        try {
            return parse();
        } catch (Declined | RuntimeException e) {
            // Bounds and number formats are checked as we go; anything that slips through is still
            // only a reason to let PixelMed look at the object.
            return null;
        } finally {
            b = null;
        }
    }

    private PixelPreprocessor.Image parse() throws Declined {
        if (end < 132 || b[128] != 'D' || b[129] != 'I' || b[130] != 'C' || b[131] != 'M') {
            throw DECLINED;
        }
        pos = 132;
        explicitVr = true;
        String syntax = null;
        // File meta information: group 0002, always explicit VR little endian.
        while (pos + 4 <= end && Short.toUnsignedInt((short) SHORT_LE.get(b, pos)) == 0x0002) {
            int tag = header();
            int length = valueLength();
            if (tag == TRANSFER_SYNTAX_UID) {
                syntax = text(length);
            }
            pos += length;
        }
        if (EXPLICIT_VR_LITTLE_ENDIAN.equals(syntax)) {
            explicitVr = true;
        } else if (IMPLICIT_VR_LITTLE_ENDIAN.equals(syntax)) {
            explicitVr = false;
        } else {
            throw DECLINED;
        }
        int rows = 0;
        int columns = 0;
        int samples = 1;
        int bitsAllocated = 16;
        int bitsStored = -1;
        boolean signed = false;
        String photometric = "";
        double slope = 1.0;
        double intercept = 0.0;
        double centre = Double.NaN;
        double width = Double.NaN;
        String imageLaterality = "";
        String laterality = "";
        while (pos < end) {
            int tag = header();
            int length = valueLength();
            if ((tag >>> 16) == 0xFFFE) {
                throw DECLINED; // an item or delimiter outside any sequence: malformed
            }
            if (length == UNDEFINED_LENGTH) {
                // Encapsulated pixel data is compressed, PixelMed's job; an explicit UN of undefined
                // length holds implicit VR contents, which the skipper below would misread.
                if (tag == PIXEL_DATA || "UN".equals(vr)) {
                    throw DECLINED;
                }
                skipUndefinedLengthSequence();
                continue;
            }
            switch (tag) {
                case ROWS -> rows = unsignedShort(length);
                case COLUMNS -> columns = unsignedShort(length);
                case SAMPLES_PER_PIXEL -> samples = unsignedShort(length);
                case BITS_ALLOCATED -> bitsAllocated = unsignedShort(length);
                case BITS_STORED -> bitsStored = unsignedShort(length);
                case PIXEL_REPRESENTATION -> signed = unsignedShort(length) == 1;
                case PHOTOMETRIC_INTERPRETATION -> photometric = text(length);
                case RESCALE_SLOPE -> slope = firstDecimal(length, 1.0);
                case RESCALE_INTERCEPT -> intercept = firstDecimal(length, 0.0);
                case WINDOW_CENTER -> centre = firstDecimal(length, Double.NaN);
                case WINDOW_WIDTH -> width = firstDecimal(length, Double.NaN);
                case LATERALITY -> laterality = text(length);
                case IMAGE_LATERALITY -> imageLaterality = text(length);
                case PIXEL_DATA -> {
                    if (bitsStored < 0) {
                        bitsStored = bitsAllocated;
                    }
                    return image(rows, columns, samples, bitsAllocated, bitsStored, signed, photometric, length,
                            slope, intercept, centre, width, imageLaterality.isEmpty() ? laterality : imageLaterality);
                }
                default -> {
                    // Not needed for preprocessing.
                }
            }
            pos += length;
        }
        throw DECLINED; // no Pixel Data
    }

    private PixelPreprocessor.Image image(int rows, int columns, int samples, int bitsAllocated, int bitsStored,
                                          boolean signed, String photometric, int length, double slope,
                                          double intercept, double centre, double width, String laterality)
            throws Declined {
        boolean monochrome1 = photometric.equals("MONOCHROME1");
        if (rows <= 0 || columns <= 0 || samples != 1 || !(monochrome1 || photometric.equals("MONOCHROME2"))
                || bitsStored < 1 || bitsStored > bitsAllocated) {
            throw DECLINED;
        }
        int n = rows * columns;
        int bytesPerValue = bitsAllocated / 8;
        // Explicit VR: 16-bit values must be OW and 8-bit ones OB, as PixelMed then reads them the same way.
        boolean vrFits = !explicitVr || (bitsAllocated == 16 ? "OW".equals(vr) : "OB".equals(vr));
        if (!(bitsAllocated == 16 || bitsAllocated == 8) || !vrFits || (long) n * bytesPerValue > length
                || pos + length > end) {
            throw DECLINED;
        }
        if (stored.length < n) {
            stored = new int[n];
        }
        int shift = 32 - bitsStored;
        int mask = (1 << bitsStored) - 1;
        // Masks to BitsStored (the high bits may hold overlays) and sign-extends, like storedValue;
        // plain loops over arrays, which the JIT vectorizes.
        if (bitsAllocated == 16) {
            if (words.length < n) {
                words = new short[n];
            }
            ByteBuffer.wrap(b, pos, 2 * n).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(words, 0, n);
            if (signed) {
                for (int i = 0; i < n; i++) {
                    stored[i] = (words[i] << shift) >> shift;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    stored[i] = words[i] & mask;
                }
            }
        } else if (signed) {
            for (int i = 0; i < n; i++) {
                stored[i] = (b[pos + i] << shift) >> shift;
            }
        } else {
            for (int i = 0; i < n; i++) {
                stored[i] = b[pos + i] & mask;
            }
        }
        // Masked and sign-extended values cannot leave the BitsStored range, so no pass is needed to find it.
        int minStored = signed ? -(1 << (bitsStored - 1)) : 0;
        int maxStored = signed ? (1 << (bitsStored - 1)) - 1 : mask;
        return new PixelPreprocessor.Image(rows, columns, stored, minStored, maxStored, monochrome1,
                slope == 0 ? 1.0 : slope, intercept, centre, width, laterality.isEmpty() ? null : laterality);
    }

    /** Reads a tag (and, in explicit VR outside items, the VR) and leaves pos at the length field. */
    private int header() throws Declined {
        need(4);
        int tag = (Short.toUnsignedInt((short) SHORT_LE.get(b, pos)) << 16)
                | Short.toUnsignedInt((short) SHORT_LE.get(b, pos + 2));
        pos += 4;
        vr = null;
        if (explicitVr && (tag >>> 16) != 0xFFFE) {
            need(2);
            vr = new String(b, pos, 2, StandardCharsets.US_ASCII);
            pos += 2;
        }
        return tag;
    }

    /** Reads the value length that follows {@link #header()} and leaves pos at the value. */
    private int valueLength() throws Declined {
        int length;
        if (vr == null) {
            need(4);
            length = (int) INT_LE.get(b, pos);
            pos += 4;
        } else if (longLength(vr)) {
            need(6);
            length = (int) INT_LE.get(b, pos + 2);
            pos += 6;
        } else {
            need(2);
            length = Short.toUnsignedInt((short) SHORT_LE.get(b, pos));
            pos += 2;
        }
        if (length != UNDEFINED_LENGTH && (length < 0 || length > end - pos)) {
            throw DECLINED;
        }
        return length;
    }

    private boolean longLength(String vr) throws Declined {
        return switch (vr) {
            case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" -> true;
            case "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN", "SH", "SL", "SS",
                 "ST", "TM", "UI", "UL", "US" -> false;
            default -> throw DECLINED;
        };
    }

    /** Skips the items of a sequence of undefined length, nested ones included, up to its delimiter. */
    private void skipUndefinedLengthSequence() throws Declined {
        while (true) {
            int tag = header();
            int length = valueLength();
            if (tag == SEQUENCE_DELIMITATION) {
                return;
            }
            if (tag != ITEM) {
                throw DECLINED;
            }
            if (length != UNDEFINED_LENGTH) {
                pos += length;
                continue;
            }
            // An item of undefined length: its elements up to the item delimiter.
            while (true) {
                int element = header();
                int elementLength = valueLength();
                if (element == ITEM_DELIMITATION) {
                    break;
                }
                if (elementLength == UNDEFINED_LENGTH) {
                    if ("UN".equals(vr)) {
                        throw DECLINED;
                    }
                    skipUndefinedLengthSequence();
                } else {
                    pos += elementLength;
                }
            }
        }
    }

    private void need(int bytes) throws Declined {
        if (pos + bytes > end) {
            throw DECLINED;
        }
    }

    private int unsignedShort(int length) throws Declined {
        if (length != 2) {
            throw DECLINED;
        }
        return Short.toUnsignedInt((short) SHORT_LE.get(b, pos));
    }

    /** The value as text without DICOM's trailing padding (space or NUL) and leading spaces. */
    private String text(int length) {
        return new String(b, pos, length, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
    }

    /** First value of a DS (decimal string) element; {@code absent} when it is empty. */
    private double firstDecimal(int length, double absent) {
        String value = text(length);
        int separator = value.indexOf('\\');
        String first = (separator < 0 ? value : value.substring(0, separator)).trim();
        return first.isEmpty() ? absent : Double.parseDouble(first);
    }
}
