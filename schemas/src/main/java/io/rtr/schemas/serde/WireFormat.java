package io.rtr.schemas.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: magic byte 0, the writer schema's registry id as a 4-byte big-endian
 * int, then the Avro binary encoding of the datum.
 */
public final class WireFormat {

    /** First byte of every framed record. */
    public static final byte MAGIC_BYTE = 0x0;
    /** Bytes before the Avro body: the magic byte and the schema id. */
    public static final int HEADER_LENGTH = 1 + Integer.BYTES;

    private WireFormat() {
    }

    /**
     * The schema id of a framed record, e.g. for tools that route or audit records without
     * decoding them.
     *
     * @throws IllegalArgumentException when {@code data} is shorter than the header or does not
     *     start with the magic byte
     */
    public static int schemaId(byte[] data) {
        if (data == null || data.length < HEADER_LENGTH) {
            throw new IllegalArgumentException("not Confluent wire format: "
                    + (data == null ? "null" : data.length + " bytes") + " is shorter than the "
                    + HEADER_LENGTH + "-byte header");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new IllegalArgumentException(String.format(
                    "not Confluent wire format: magic byte is 0x%02x, expected 0x00", data[0] & 0xff));
        }
        return ByteBuffer.wrap(data, 1, Integer.BYTES).getInt();
    }

    /** Writes the magic byte and {@code schemaId} into the first {@link #HEADER_LENGTH} bytes of {@code target}. */
    public static void writeHeader(byte[] target, int schemaId) {
        target[0] = MAGIC_BYTE;
        target[1] = (byte) (schemaId >>> 24);
        target[2] = (byte) (schemaId >>> 16);
        target[3] = (byte) (schemaId >>> 8);
        target[4] = (byte) schemaId;
    }

    static int readSchemaId(byte[] source, int offset) {
        return ((source[offset] & 0xff) << 24)
                | ((source[offset + 1] & 0xff) << 16)
                | ((source[offset + 2] & 0xff) << 8)
                | (source[offset + 3] & 0xff);
    }
}
