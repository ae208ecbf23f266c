package io.rtr.triage;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A StudyAssembled whose instances stay Avro-encoded: the study-level fields as values, the
 * instances as the Avro bodies of the array's items. A study crosses the stream thread several
 * times (assembled, repartitioned, joined, emitted), and as a StudyAssembled every instance was
 * decoded twice and encoded twice on the way, on top of the decoding on arrival that the rules
 * need. Held like this, a study is written by copying the bodies and read by copying them out, and
 * no instance is decoded again after it was accepted.
 *
 * <p>The bodies are those of the InstanceReceived schema of this build, the one StudyAssembled
 * embeds: {@link Instances.Builder#addBody} takes an rtr.instances body as received when its writer
 * schema encodes the same, {@link Instances.Builder#add} encodes a decoded instance otherwise.
 * {@link Serde} is the one place that knows StudyAssembled's field layout.
 *
 * @param assembledAtMs {@code assembledAt} in epoch milliseconds
 */
record SplicedStudy(String studyInstanceUid, int revision, CompletenessReason completenessReason,
                    Instances instances, OrderContext orderContext, long assembledAtMs, String modality,
                    String clinicId, String patientPseudonym, String accessionNumber) {

    private static final DatumWriter<InstanceReceived> INSTANCE_WRITER = new SpecificDatumWriter<>(
            InstanceReceived.getClassSchema(), SpecificData.getForClass(InstanceReceived.class));
    private static final DatumWriter<OrderContext> ORDER_WRITER = new SpecificDatumWriter<>(
            OrderContext.getClassSchema(), SpecificData.getForClass(OrderContext.class));

    SplicedStudy {
        Objects.requireNonNull(studyInstanceUid, "studyInstanceUid");
        Objects.requireNonNull(completenessReason, "completenessReason");
        Objects.requireNonNull(instances, "instances");
    }

    /** The same study with the given revision, reason, order and emission time. */
    SplicedStudy revised(int revision, CompletenessReason reason, OrderContext order, long assembledAtMs) {
        return new SplicedStudy(studyInstanceUid, revision, reason, instances, order, assembledAtMs, modality,
                clinicId, patientPseudonym, accessionNumber);
    }

    /** {@code study} with its instances encoded. */
    static SplicedStudy of(StudyAssembled study) {
        Instances.Builder instances = new Instances.Builder();
        study.getInstances().forEach(instances::add);
        return new SplicedStudy(study.getStudyInstanceUid(), study.getRevision(), study.getCompletenessReason(),
                instances.build(), study.getOrderContext(), study.getAssembledAt().toEpochMilli(),
                study.getModality(), study.getClinicId(), study.getPatientPseudonym(), study.getAccessionNumber());
    }

    /**
     * The items of the instances array: how many, and their Avro bodies back to back.
     *
     * @param count number of items
     * @param bodies their bodies under the InstanceReceived schema of this build
     */
    record Instances(int count, byte[] bodies) {

        Instances {
            Objects.requireNonNull(bodies, "bodies");
        }

        /** Collects the items in order. */
        static final class Builder {
            private final ByteArrayOutputStream bodies = new ByteArrayOutputStream(4096);
            private BinaryEncoder encoder;
            private int count;

            /**
             * Appends an Avro body that the InstanceReceived schema of this build reads as it is
             * (the caller has checked its writer schema), copied unchanged.
             */
            Builder addBody(byte[] buffer, int offset, int length) {
                bodies.write(buffer, offset, length);
                count++;
                return this;
            }

            /** Appends {@code instance}, encoded. */
            Builder add(InstanceReceived instance) {
                encoder = EncoderFactory.get().directBinaryEncoder(bodies, encoder);
                try {
                    INSTANCE_WRITER.write(instance, encoder);
                } catch (IOException e) {
                    throw new IllegalStateException("a ByteArrayOutputStream does not fail", e);
                }
                count++;
                return this;
            }

            Instances build() {
                return new Instances(count, bodies.toByteArray());
            }
        }
    }

    /**
     * Serde of the StudyAssembled wire format, framed with the StudyAssembled schema's id on the
     * topic ({@link AvroSerializer#schemaId}).
     *
     * <p><b>The array.</b> Written as one block whose item count is negative and followed by the
     * block's size in bytes: the Avro specification defines that form so that a reader can skip an
     * array without reading its items, and every Avro decoder accepts it. Reading uses it the same
     * way, copying the items out by their size instead of walking all thirty fields of every
     * instance to find where the array ends. SpecificDatumWriter writes a positive count instead, so
     * these bytes differ from what encoding the StudyAssembled would give, but decode to the same
     * record; consumers of rtr.studies read them with any Avro reader.
     *
     * <p><b>Anything else</b> reads through the ordinary deserializer and has its instances encoded:
     * a study with a positive count (written by an earlier version, on the repartition topic or in
     * the join's store), with an order (earlier versions stored studies as emitted), or written with
     * another StudyAssembled schema. So a topology upgrades in place, at the old cost for what the
     * old version left behind.
     */
    static final class Serde implements org.apache.kafka.common.serialization.Serde<SplicedStudy> {
        private final AvroSerializer<StudyAssembled> studySerializer;
        private final AvroDeserializer<StudyAssembled> studyDeserializer;

        /** @param studySerde a configured serde: ids for writing, the fallback reader for reading */
        Serde(AvroSerde<StudyAssembled> studySerde) {
            this.studySerializer = studySerde.serializer();
            this.studyDeserializer = studySerde.deserializer();
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serde arrives configured from TriageTopology.
        }

        @Override
        public Serializer<SplicedStudy> serializer() {
            return (topic, study) -> study == null ? null
                    : write(studySerializer.schemaId(topic, StudyAssembled.getClassSchema()), study);
        }

        @Override
        public Deserializer<SplicedStudy> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                if (bytes.length >= WireFormat.HEADER_LENGTH && bytes[0] == WireFormat.MAGIC_BYTE
                        && studyDeserializer.encodesAsReader(topic, WireFormat.schemaId(bytes))) {
                    SplicedStudy study = readSpliced(topic, bytes);
                    if (study != null) {
                        return study;
                    }
                }
                return of(studyDeserializer.deserialize(topic, bytes));
            };
        }

        private static byte[] write(int schemaId, SplicedStudy study) {
            Instances instances = study.instances();
            ByteArrayOutputStream out = new ByteArrayOutputStream(instances.bodies().length + 256);
            byte[] header = new byte[WireFormat.HEADER_LENGTH];
            WireFormat.writeHeader(header, schemaId);
            out.writeBytes(header);
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            try {
                encoder.writeString(study.studyInstanceUid());
                encoder.writeInt(study.revision());
                encoder.writeEnum(study.completenessReason().ordinal());
                if (instances.count() > 0) {
                    encoder.writeLong(-instances.count());
                    encoder.writeLong(instances.bodies().length);
                    encoder.writeFixed(instances.bodies());
                }
                encoder.writeLong(0);
                if (study.orderContext() == null) {
                    encoder.writeIndex(0);
                } else {
                    encoder.writeIndex(1);
                    ORDER_WRITER.write(study.orderContext(), encoder);
                }
                encoder.writeLong(study.assembledAtMs());
                writeOptional(encoder, study.modality());
                writeOptional(encoder, study.clinicId());
                writeOptional(encoder, study.patientPseudonym());
                writeOptional(encoder, study.accessionNumber());
                encoder.flush();
            } catch (IOException e) {
                throw new IllegalStateException("a ByteArrayOutputStream does not fail", e);
            }
            return out.toByteArray();
        }

        /**
         * The study when its array is empty or one block of negative count, and it has no order;
         * else null.
         */
        private static SplicedStudy readSpliced(String topic, byte[] bytes) {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, WireFormat.HEADER_LENGTH,
                    bytes.length - WireFormat.HEADER_LENGTH, null);
            try {
                String uid = in.readString();
                int revision = in.readInt();
                CompletenessReason reason = CompletenessReason.values()[in.readEnum()];
                Instances instances = new Instances(0, new byte[0]);
                long count = in.readLong();
                if (count < 0) {
                    long size = in.readLong();
                    if (size < -count || size > bytes.length) {
                        throw new IllegalStateException(
                                "a block of " + -count + " instances claims " + size + " bytes");
                    }
                    byte[] bodies = new byte[(int) size];
                    in.readFixed(bodies);
                    instances = new Instances((int) -count, bodies);
                    count = in.readLong();
                }
                if (count != 0 || in.readIndex() != 0) {
                    // SpecificDatumWriter's positive count, or an order: read the ordinary way.
                    return null;
                }
                long assembledAtMs = in.readLong();
                String modality = readOptional(in);
                String clinicId = readOptional(in);
                String pseudonym = readOptional(in);
                String accession = readOptional(in);
                if (!in.isEnd()) {
                    throw new IllegalStateException("bytes are left over after the record");
                }
                return new SplicedStudy(uid, revision, reason, instances, null, assembledAtMs, modality, clinicId,
                        pseudonym, accession);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("study on " + topic + " is truncated or corrupt: " + e, e);
            }
        }

        private static void writeOptional(BinaryEncoder encoder, String value) throws IOException {
            if (value == null) {
                encoder.writeIndex(0);
            } else {
                encoder.writeIndex(1);
                encoder.writeString(value);
            }
        }

        private static String readOptional(BinaryDecoder in) throws IOException {
            return switch (in.readIndex()) {
                case 0 -> null;
                case 1 -> in.readString();
                default -> throw new IllegalStateException("union branch out of range");
            };
        }
    }
}
