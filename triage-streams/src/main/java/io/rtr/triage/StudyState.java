package io.rtr.triage;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the assembler keeps per study: the study-level attributes taken from its instances, its
 * accepted instances (each as the bytes it was received in, plus the fields dedupe and completeness
 * read), how many snapshots the assembler has emitted (0 = none yet), the wall-clock time its quiet
 * period ends and the stream time its state expires (the assembler's in-memory deadline indexes are
 * rebuilt from these two).
 *
 * <p>Instances stay in their received bytes because the state is read and written once per
 * instance but emitted about once per study: decoding and re-encoding every instance so far on
 * each read and write was most of the stream thread's work.
 */
final class StudyState {

    /** A time meaning "no timer pending". */
    static final long NONE = -1L;

    /**
     * One accepted instance: its identity and digest (dedupe), its view (completeness) and its
     * rtr.instances value bytes, spliced into the study when it is emitted.
     */
    record Instance(String sopInstanceUid, String sha256, String imageLaterality, String viewPosition,
                    byte[] bytes) {

        Instance {
            Objects.requireNonNull(sopInstanceUid, "sopInstanceUid");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(bytes, "bytes");
        }

        static Instance of(ReceivedInstance received) {
            InstanceReceived value = received.value();
            return new Instance(value.getSopInstanceUid(), value.getSha256(), value.getImageLaterality(),
                    value.getViewPosition(), received.bytes());
        }
    }

    private final String studyInstanceUid;
    private final List<Instance> instances;
    private int emittedSnapshots;
    private String modality;
    private String clinicId;
    private String patientPseudonym;
    private String accessionNumber;
    private long quietDeadlineMs;
    private long expiresAtMs;

    /** A study nothing has been received for yet. */
    StudyState(String studyInstanceUid) {
        this(studyInstanceUid, new ArrayList<>(), 0, NONE, NONE);
    }

    private StudyState(String studyInstanceUid, List<Instance> instances, int emittedSnapshots,
                       long quietDeadlineMs, long expiresAtMs) {
        this.studyInstanceUid = Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
        this.instances = instances;
        this.emittedSnapshots = emittedSnapshots;
        this.quietDeadlineMs = quietDeadlineMs;
        this.expiresAtMs = expiresAtMs;
    }

    String studyInstanceUid() {
        return studyInstanceUid;
    }

    /** The accepted instances in arrival order, replacements in their predecessor's place; read-only. */
    List<Instance> instances() {
        return Collections.unmodifiableList(instances);
    }

    /** The stored instance with {@code sopInstanceUid}, or null. */
    Instance instance(String sopInstanceUid) {
        int index = indexOf(sopInstanceUid);
        return index < 0 ? null : instances.get(index);
    }

    /** Adds {@code instance}, or replaces the one with the same SOP Instance UID where it stands. */
    void put(Instance instance) {
        int index = indexOf(instance.sopInstanceUid());
        if (index >= 0) {
            instances.set(index, instance);
        } else {
            instances.add(instance);
        }
    }

    /**
     * Takes the study-level attributes from {@code instance} where still unknown. First non-null
     * value wins: instances of one study agree, and a study must not change its modality (hence
     * its policy) or, once emitted, its accession (hence its join partition).
     */
    void fillAttributes(InstanceReceived instance) {
        if (modality == null) {
            modality = instance.getModality();
        }
        if (clinicId == null) {
            clinicId = instance.getClinicId();
        }
        if (patientPseudonym == null) {
            patientPseudonym = instance.getPatientPseudonym();
        }
        if (accessionNumber == null && !emitted()) {
            accessionNumber = instance.getAccessionNumber();
        }
    }

    String modality() {
        return modality;
    }

    String accessionNumber() {
        return accessionNumber;
    }

    /** How many snapshots the assembler has emitted; the order join numbers the revisions. */
    int emittedSnapshots() {
        return emittedSnapshots;
    }

    boolean emitted() {
        return emittedSnapshots > 0;
    }

    /**
     * Counts one more emitted snapshot and returns it with {@code instances} (the caller splices
     * them from {@link #instances()}): the study-level attributes, the snapshot number as revision,
     * no order.
     */
    SplicedStudy nextSnapshot(CompletenessReason reason, SplicedStudy.Instances instances, long assembledAtMs) {
        emittedSnapshots++;
        return new SplicedStudy(studyInstanceUid, emittedSnapshots, reason, instances, null, assembledAtMs, modality,
                clinicId, patientPseudonym, accessionNumber);
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

    private int indexOf(String sopInstanceUid) {
        for (int i = 0; i < instances.size(); i++) {
            if (instances.get(i).sopInstanceUid().equals(sopInstanceUid)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Store serde. Format 4: a format byte, the quiet deadline and the expiry, the snapshot count,
     * the study-level strings, then per instance its four strings and its received bytes
     * (length-prefixed; a string of length -1 is null). Earlier formats are still read, so a
     * changelog written by an earlier version restores: 3 is 4 with two more times after the
     * expiry (where timer-index store entries stood; unused now), 1 and 2 a StudyAssembled in the
     * registry's wire format after two or four times, its instances re-encoded as rtr.instances
     * values.
     */
    static final class StoreSerde implements Serde<StudyState> {
        private static final byte FORMAT_1 = 1;
        private static final byte FORMAT_2 = 2;
        private static final int HEADER_2 = 1 + 4 * Long.BYTES;
        private static final byte FORMAT_3 = 3;
        private static final byte FORMAT = 4;
        private static final int HEADER = 1 + 2 * Long.BYTES;
        private final Serde<StudyAssembled> legacyStudySerde;
        private final Serde<InstanceReceived> instanceSerde;

        /**
         * @param legacyStudySerde reads the studies of formats 1 and 2
         * @param instanceSerde encodes their instances as rtr.instances values
         */
        StoreSerde(Serde<StudyAssembled> legacyStudySerde, Serde<InstanceReceived> instanceSerde) {
            this.legacyStudySerde = Objects.requireNonNull(legacyStudySerde, "legacyStudySerde");
            this.instanceSerde = Objects.requireNonNull(instanceSerde, "instanceSerde");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serdes arrive configured from TriageTopology.
        }

        @Override
        public Serializer<StudyState> serializer() {
            return (topic, state) -> state == null ? null : write(state);
        }

        @Override
        public Deserializer<StudyState> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                try {
                    if (bytes.length > HEADER && (bytes[0] == FORMAT || bytes[0] == FORMAT_3)) {
                        return read(ByteBuffer.wrap(bytes));
                    }
                    if (bytes.length >= HEADER_2 && bytes[0] == FORMAT_2
                            || bytes.length >= HEADER && bytes[0] == FORMAT_1) {
                        return readLegacy(topic, bytes);
                    }
                } catch (RuntimeException e) {
                    throw new SerializationException("study state on " + topic + " is truncated or corrupt", e);
                }
                throw new SerializationException("study state on " + topic + " is not in format " + FORMAT);
            };
        }

        private static byte[] write(StudyState state) {
            byte[] uid = utf8(state.studyInstanceUid);
            byte[] modality = utf8(state.modality);
            byte[] clinic = utf8(state.clinicId);
            byte[] pseudonym = utf8(state.patientPseudonym);
            byte[] accession = utf8(state.accessionNumber);
            List<byte[][]> instances = new ArrayList<>(state.instances.size());
            int size = HEADER + Integer.BYTES + length(uid) + length(modality) + length(clinic) + length(pseudonym)
                    + length(accession) + Integer.BYTES;
            for (Instance instance : state.instances) {
                byte[][] fields = {utf8(instance.sopInstanceUid()), utf8(instance.sha256()),
                        utf8(instance.imageLaterality()), utf8(instance.viewPosition()), instance.bytes()};
                for (byte[] field : fields) {
                    size += length(field);
                }
                instances.add(fields);
            }
            ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putLong(state.quietDeadlineMs)
                    .putLong(state.expiresAtMs).putInt(state.emittedSnapshots);
            put(out, uid);
            put(out, modality);
            put(out, clinic);
            put(out, pseudonym);
            put(out, accession);
            out.putInt(instances.size());
            for (byte[][] fields : instances) {
                for (byte[] field : fields) {
                    put(out, field);
                }
            }
            return out.array();
        }

        private static StudyState read(ByteBuffer in) {
            byte format = in.get();
            long quiet = in.getLong();
            long expires = in.getLong();
            if (format == FORMAT_3) {
                in.position(in.position() + 2 * Long.BYTES);
            }
            int snapshots = in.getInt();
            String uid = string(in);
            String modality = string(in);
            String clinic = string(in);
            String pseudonym = string(in);
            String accession = string(in);
            int count = in.getInt();
            List<Instance> instances = new ArrayList<>(count + 1);
            for (int i = 0; i < count; i++) {
                instances.add(new Instance(string(in), string(in), string(in), string(in), bytes(in)));
            }
            if (in.hasRemaining()) {
                throw new IllegalStateException(in.remaining() + " bytes left over");
            }
            StudyState state = new StudyState(uid, instances, snapshots, quiet, expires);
            state.modality = modality;
            state.clinicId = clinic;
            state.patientPseudonym = pseudonym;
            state.accessionNumber = accession;
            return state;
        }

        private StudyState readLegacy(String topic, byte[] bytes) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            boolean four = buffer.get() == FORMAT_2;
            long quiet = buffer.getLong();
            long expires = buffer.getLong();
            if (four) {
                buffer.position(buffer.position() + 2 * Long.BYTES);
            }
            byte[] encoded = new byte[buffer.remaining()];
            buffer.get(encoded);
            StudyAssembled study = legacyStudySerde.deserializer().deserialize(topic, encoded);
            List<Instance> instances = new ArrayList<>(study.getInstances().size() + 1);
            for (InstanceReceived instance : study.getInstances()) {
                byte[] value = instanceSerde.serializer().serialize(Topics.INSTANCES.name(), instance);
                instances.add(Instance.of(new ReceivedInstance(instance, value)));
            }
            StudyState state = new StudyState(study.getStudyInstanceUid(), instances, study.getRevision(), quiet,
                    expires);
            state.modality = study.getModality();
            state.clinicId = study.getClinicId();
            state.patientPseudonym = study.getPatientPseudonym();
            state.accessionNumber = study.getAccessionNumber();
            return state;
        }

        private static byte[] utf8(String value) {
            return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
        }

        private static int length(byte[] field) {
            return Integer.BYTES + (field == null ? 0 : field.length);
        }

        private static void put(ByteBuffer out, byte[] field) {
            if (field == null) {
                out.putInt(-1);
            } else {
                out.putInt(field.length).put(field);
            }
        }

        private static byte[] bytes(ByteBuffer in) {
            int length = in.getInt();
            if (length < 0) {
                throw new IllegalStateException("instance bytes missing");
            }
            byte[] field = new byte[length];
            in.get(field);
            return field;
        }

        private static String string(ByteBuffer in) {
            int length = in.getInt();
            if (length == -1) {
                return null;
            }
            String value = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            return value;
        }
    }
}
