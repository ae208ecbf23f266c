package io.rtr.ingest;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Walks the element structure of a Part 10 file without decoding values, to prove that every
 * element (sequences and encapsulated pixel data included) lies within the file. PixelMed reads a
 * truncated object without complaint, so this is how a cut-off transfer is told from a complete one.
 */
final class Part10Structure {

    private static final long UNDEFINED = 0xFFFFFFFFL;
    private static final int ITEM = 0xFFFEE000;
    private static final int ITEM_DELIMITER = 0xFFFEE00D;
    private static final int SEQUENCE_DELIMITER = 0xFFFEE0DD;
    private static final int PIXEL_DATA = 0x7FE00010;
    private static final Set<String> LONG_VRS = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN",
            "UR", "UT", "UV");

    private final Reader in;
    private final boolean explicit;

    private Part10Structure(Reader in, boolean explicit) {
        this.in = in;
        this.explicit = explicit;
    }

    /**
     * Checks the file meta information and the data set of {@code file} and returns its transfer
     * syntax UID. Cheap and bounded (no value is decoded or held), so it runs before any parser
     * that might trust a garbage length.
     *
     * @throws IOException naming where the structure breaks (EOFException when the file is cut off)
     */
    static String verifyComplete(Path file) throws IOException {
        long size = Files.size(file);
        // Large values are skipped by seeking, so only element headers pass through this buffer.
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 8 * 1024)) {
            Reader reader = new Reader(raw);
            reader.skip(128);
            if (reader.u8() != 'D' || reader.u8() != 'I' || reader.u8() != 'C' || reader.u8() != 'M') {
                throw new IOException("no DICM prefix: not a DICOM Part 10 file");
            }
            Part10Structure meta = new Part10Structure(reader, true);
            String transferSyntax = null;
            // The meta group is explicit VR little endian; walk it element by element.
            while (true) {
                reader.mark();
                int tag = reader.tag();
                if ((tag >>> 16) != 0x0002) {
                    reader.reset();
                    break;
                }
                if (tag == 0x00020010) {
                    reader.u16(); // VR "UI"
                    byte[] value = reader.bytes(reader.u16());
                    transferSyntax = new String(value, StandardCharsets.US_ASCII)
                            .replace("\0", "").strip(); // UIDs are NUL-padded
                } else {
                    meta.skipValue(tag);
                }
            }
            if (transferSyntax == null) {
                throw new IOException("file meta information without Transfer Syntax UID");
            }
            if (!transferSyntax.equals("1.2.840.10008.1.2.1.99")) {
                // A deflated data set is checked by the inflater, which fails on a cut-off stream.
                new Part10Structure(reader, !transferSyntax.equals(Pdu.IMPLICIT_VR_LITTLE_ENDIAN)).dataSet(size, false);
            }
            return transferSyntax;
        }
    }

    /** Walks elements until {@code end} (top level) or an item delimiter (undefined-length item). */
    private void dataSet(long end, boolean untilItemDelimiter) throws IOException {
        while (untilItemDelimiter || in.position < end) {
            int tag = in.tag();
            if (tag == ITEM_DELIMITER) {
                in.u32();
                if (!untilItemDelimiter) {
                    throw new IOException("item delimiter outside an item at offset " + in.position);
                }
                return;
            }
            if ((tag >>> 16) == 0xFFFE) {
                throw new IOException("unexpected delimiter " + Integer.toHexString(tag) + " at offset " + in.position);
            }
            skipValue(tag);
        }
        if (in.position != end) {
            throw new IOException("last element ends at " + in.position + ", past the end of the file at " + end);
        }
    }

    private void skipValue(int tag) throws IOException {
        long length;
        String vr = null;
        if (explicit) {
            vr = new String(new char[] {(char) in.u8(), (char) in.u8()});
            length = LONG_VRS.contains(vr) ? skipReservedThenLength() : in.u16();
        } else {
            length = in.u32();
        }
        if (length != UNDEFINED) {
            in.skip(length);
        } else if (tag == PIXEL_DATA) {
            fragments();
        } else if (vr == null || vr.equals("SQ") || vr.equals("UN")) {
            sequence();
        } else {
            throw new IOException("undefined length on a " + vr + " element at offset " + in.position);
        }
    }

    private long skipReservedThenLength() throws IOException {
        in.u16();
        return in.u32();
    }

    private void sequence() throws IOException {
        while (true) {
            int tag = in.tag();
            long length = in.u32();
            if (tag == SEQUENCE_DELIMITER) {
                return;
            }
            if (tag != ITEM) {
                throw new IOException("expected an item in a sequence at offset " + in.position);
            }
            if (length == UNDEFINED) {
                dataSet(Long.MAX_VALUE, true);
            } else {
                in.skip(length);
            }
        }
    }

    private void fragments() throws IOException {
        while (true) {
            int tag = in.tag();
            long length = in.u32();
            if (tag == SEQUENCE_DELIMITER) {
                return;
            }
            if (tag != ITEM || length == UNDEFINED) {
                throw new IOException("malformed pixel data fragment at offset " + in.position);
            }
            in.skip(length);
        }
    }

    /** Little-endian reads with a position; EOFException as soon as the file ends early. */
    private static final class Reader {
        private final InputStream in;
        private long position;
        private long markPosition;

        Reader(InputStream in) {
            this.in = in;
        }

        int u8() throws IOException {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("object ends at offset " + position + " in the middle of an element");
            }
            position++;
            return b;
        }

        int u16() throws IOException {
            return u8() | (u8() << 8);
        }

        long u32() throws IOException {
            return (u16() & 0xffffL) | ((long) u16() << 16);
        }

        int tag() throws IOException {
            return (u16() << 16) | u16();
        }

        void skip(long n) throws IOException {
            try {
                in.skipNBytes(n);
            } catch (EOFException e) {
                throw new EOFException("an element of " + n + " bytes at offset " + position + " runs past the end");
            }
            position += n;
        }

        byte[] bytes(int n) throws IOException {
            byte[] out = in.readNBytes(n);
            if (out.length < n) {
                throw new EOFException("object ends at offset " + (position + out.length) + " in the middle of an element");
            }
            position += n;
            return out;
        }

        void mark() {
            in.mark(8);
            markPosition = position;
        }

        void reset() throws IOException {
            in.reset();
            position = markPosition;
        }
    }
}
