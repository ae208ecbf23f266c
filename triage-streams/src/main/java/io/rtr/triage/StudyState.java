package io.rtr.triage;

import io.rtr.schemas.StudyAssembled;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the assembler keeps per study: the study as assembled so far (its {@code revision} counts
 * the snapshots the assembler has emitted, 0 = not yet emitted), the wall-clock time its quiet
 * period ends and the stream time its state expires, and where each of the two timer indexes
 * holds the study's entry. An index entry is moved only when it falls due before the time it
 * stands for (or that time moves earlier), so an instance that merely pushes a deadline later
 * writes nothing to the indexes.
 */
final class StudyState {

    /** A time meaning "no timer pending". */
    static final long NONE = -1L;

    private final StudyAssembled study;
    private long quietDeadlineMs;
    private long expiresAtMs;
    private long timerIndexedAtMs;
    private long expiryIndexedAtMs;

    StudyState(StudyAssembled study, long quietDeadlineMs, long expiresAtMs) {
        this(study, quietDeadlineMs, expiresAtMs, quietDeadlineMs, expiresAtMs);
    }

    StudyState(StudyAssembled study, long quietDeadlineMs, long expiresAtMs, long timerIndexedAtMs,
               long expiryIndexedAtMs) {
        this.study = Objects.requireNonNull(study, "study");
        this.quietDeadlineMs = quietDeadlineMs;
        this.expiresAtMs = expiresAtMs;
        this.timerIndexedAtMs = timerIndexedAtMs;
        this.expiryIndexedAtMs = expiryIndexedAtMs;
    }

    StudyAssembled study() {
        return study;
    }

    long quietDeadlineMs() {
        return quietDeadlineMs;
    }

    void quietDeadlineMs(long deadline) {
        this.quietDeadlineMs = deadline;
    }

    long expiresAtMs() {
        return expiresAtMs;
    }

    void expiresAtMs(long expiresAt) {
        this.expiresAtMs = expiresAt;
    }

    /** Time of this study's entry in the quiet-timer index, or {@link #NONE}. */
    long timerIndexedAtMs() {
        return timerIndexedAtMs;
    }

    void timerIndexedAtMs(long at) {
        this.timerIndexedAtMs = at;
    }

    /** Time of this study's entry in the expiry index, or {@link #NONE}. */
    long expiryIndexedAtMs() {
        return expiryIndexedAtMs;
    }

    void expiryIndexedAtMs(long at) {
        this.expiryIndexedAtMs = at;
    }

    boolean emitted() {
        return study.getRevision() > 0;
    }

    /**
     * Store serde: a format byte, the four times, then the study in the registry's wire format, so
     * the changelog evolves with StudyAssembled under the registry's compatibility checks. Format 1
     * (two times, index entries at exactly those times) is still read.
     */
    static final class StoreSerde implements Serde<StudyState> {
        private static final byte FORMAT_1 = 1;
        private static final int HEADER_1 = 1 + 2 * Long.BYTES;
        private static final byte FORMAT = 2;
        private static final int HEADER = 1 + 4 * Long.BYTES;
        private final Serde<StudyAssembled> studySerde;

        StoreSerde(Serde<StudyAssembled> studySerde) {
            this.studySerde = Objects.requireNonNull(studySerde, "studySerde");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serde arrives configured from TriageTopology.
        }

        @Override
        public Serializer<StudyState> serializer() {
            return (topic, state) -> {
                if (state == null) {
                    return null;
                }
                byte[] study = studySerde.serializer().serialize(topic, state.study);
                return ByteBuffer.allocate(HEADER + study.length).put(FORMAT).putLong(state.quietDeadlineMs)
                        .putLong(state.expiresAtMs).putLong(state.timerIndexedAtMs).putLong(state.expiryIndexedAtMs)
                        .put(study).array();
            };
        }

        @Override
        public Deserializer<StudyState> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                boolean current = bytes.length >= HEADER && bytes[0] == FORMAT;
                if (!current && (bytes.length < HEADER_1 || bytes[0] != FORMAT_1)) {
                    throw new SerializationException("study state on " + topic + " is not in format " + FORMAT);
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                buffer.get();
                long quiet = buffer.getLong();
                long expires = buffer.getLong();
                long timerAt = current ? buffer.getLong() : quiet;
                long expiryAt = current ? buffer.getLong() : expires;
                byte[] study = new byte[buffer.remaining()];
                buffer.get(study);
                return new StudyState(studySerde.deserializer().deserialize(topic, study), quiet, expires, timerAt,
                        expiryAt);
            };
        }
    }
}
