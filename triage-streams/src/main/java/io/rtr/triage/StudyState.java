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
 * period ends and the stream time its state expires, so both timer index entries can be found
 * and replaced.
 */
final class StudyState {

    /** A time meaning "no timer pending". */
    static final long NONE = -1L;

    private final StudyAssembled study;
    private long quietDeadlineMs;
    private long expiresAtMs;

    StudyState(StudyAssembled study, long quietDeadlineMs, long expiresAtMs) {
        this.study = Objects.requireNonNull(study, "study");
        this.quietDeadlineMs = quietDeadlineMs;
        this.expiresAtMs = expiresAtMs;
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

    boolean emitted() {
        return study.getRevision() > 0;
    }

    /**
     * Store serde: a format byte, the two times, then the study in the registry's wire format, so
     * the changelog evolves with StudyAssembled under the registry's compatibility checks.
     */
    static final class StoreSerde implements Serde<StudyState> {
        private static final byte FORMAT = 1;
        private static final int HEADER = 1 + 2 * Long.BYTES;
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
                        .putLong(state.expiresAtMs).put(study).array();
            };
        }

        @Override
        public Deserializer<StudyState> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                if (bytes.length < HEADER || bytes[0] != FORMAT) {
                    throw new SerializationException("study state on " + topic + " is not in format " + FORMAT);
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                buffer.get();
                long quiet = buffer.getLong();
                long expires = buffer.getLong();
                byte[] study = new byte[bytes.length - HEADER];
                buffer.get(study);
                return new StudyState(studySerde.deserializer().deserialize(topic, study), quiet, expires);
            };
        }
    }
}
