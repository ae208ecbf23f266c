package io.rtr.triage.priority;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Compact binary encoding of this package's internal state and repartition records. They never
 * leave the app (changelogs and one internal topic), so a versioned hand-written format is used
 * rather than registering internal shapes as public Avro schemas; the leading format byte lets a
 * later release read what an earlier one wrote.
 */
final class Binary {

    private Binary() {
    }

    /** Writes a value of type T. */
    interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    /** Reads a value of type T. */
    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** Reads a value written in {@code format}, the serde's current one or an older one. */
    interface VersionedReader<T> {
        T read(DataInputStream in, byte format) throws IOException;
    }

    /** A serde that writes {@code format} then the value; null stays null (a tombstone). */
    static <T> Serde<T> serde(byte format, Writer<T> writer, Reader<T> reader) {
        return serde(format, writer, (in, found) -> reader.read(in), format);
    }

    /**
     * A serde that writes {@code format} and reads every format from {@code oldest} up to it, so a
     * record written by the previous release (left in a changelog or an internal topic at upgrade)
     * is still read.
     */
    static <T> Serde<T> serde(byte format, Writer<T> writer, VersionedReader<T> reader, int oldest) {
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeByte(format);
                writer.write(out, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
        Deserializer<T> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte found = in.readByte();
                if (found < oldest || found > format) {
                    throw new SerializationException("unknown internal format " + found + " on " + topic
                            + " (expected " + (oldest == format ? format : oldest + " to " + format)
                            + "); was it written by a newer release?");
                }
                return reader.read(in, found);
            } catch (IOException e) {
                throw new SerializationException("corrupt internal record on " + topic, e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    static String readString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    static void writeLong(DataOutputStream out, Long value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    static Long readLong(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    static void writeDouble(DataOutputStream out, Double value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeDouble(value);
        }
    }

    static Double readDouble(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readDouble() : null;
    }

    static void writeStrings(DataOutputStream out, List<? extends CharSequence> values) throws IOException {
        out.writeInt(values.size());
        for (CharSequence value : values) {
            out.writeUTF(value.toString());
        }
    }

    static List<String> readStrings(DataInputStream in) throws IOException {
        int size = in.readInt();
        List<String> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            values.add(in.readUTF());
        }
        return values;
    }
}
