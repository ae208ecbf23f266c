package io.rtr.triage;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A study snapshot on its way from the assembler to the order join over the
 * {@link TriageTopology#STUDIES_BY_ACCESSION} topic, with the bytes it was read from there (null
 * before it was written): the join keeps those bytes as its copy of the study instead of writing
 * the study again.
 *
 * @param study the snapshot
 * @param bytes its value bytes on the repartition topic, or null
 */
record StudySnapshot(SplicedStudy study, byte[] bytes) {

    StudySnapshot {
        Objects.requireNonNull(study, "study");
    }

    /** Repartition serde: the study as {@link SplicedStudy.Serde} writes it; reading keeps the bytes. */
    static final class Serde implements org.apache.kafka.common.serialization.Serde<StudySnapshot> {
        private final SplicedStudy.Serde studySerde;

        Serde(SplicedStudy.Serde studySerde) {
            this.studySerde = Objects.requireNonNull(studySerde, "studySerde");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serde arrives configured from TriageTopology.
        }

        @Override
        public Serializer<StudySnapshot> serializer() {
            return (topic, snapshot) -> snapshot == null ? null
                    : studySerde.serializer().serialize(topic, snapshot.study());
        }

        @Override
        public Deserializer<StudySnapshot> deserializer() {
            return (topic, bytes) -> bytes == null ? null
                    : new StudySnapshot(studySerde.deserializer().deserialize(topic, bytes), bytes);
        }
    }
}
