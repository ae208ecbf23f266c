package io.rtr.triage;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A stored value and the stream time at which it expires: reads treat it as absent from then on,
 * and the join's in-memory expiry index is rebuilt from these times when a task initializes.
 */
record Timed<T>(T value, long expiresAtMs) {

    /** Store serde: a format byte, the expiry, then the value in its own serde's format. */
    static final class StoreSerde<T> implements Serde<Timed<T>> {
        private static final byte FORMAT = 1;
        private static final int HEADER = 1 + Long.BYTES;
        private final Serde<T> inner;

        StoreSerde(Serde<T> inner) {
            this.inner = Objects.requireNonNull(inner, "inner");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serde arrives configured from TriageTopology.
        }

        @Override
        public Serializer<Timed<T>> serializer() {
            return (topic, timed) -> {
                if (timed == null) {
                    return null;
                }
                byte[] value = inner.serializer().serialize(topic, timed.value());
                return ByteBuffer.allocate(HEADER + value.length).put(FORMAT).putLong(timed.expiresAtMs())
                        .put(value).array();
            };
        }

        @Override
        public Deserializer<Timed<T>> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                if (bytes.length < HEADER || bytes[0] != FORMAT) {
                    throw new SerializationException("stored value on " + topic + " is not in format " + FORMAT);
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                buffer.get();
                long expiresAt = buffer.getLong();
                byte[] value = new byte[bytes.length - HEADER];
                buffer.get(value);
                return new Timed<>(inner.deserializer().deserialize(topic, value), expiresAt);
            };
        }
    }
}
