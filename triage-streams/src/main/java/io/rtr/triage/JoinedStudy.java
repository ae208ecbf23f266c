package io.rtr.triage;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The order join's copy of a study ({@link TriageTopology#JOINED_STUDY_STORE}): the revision and
 * order it was last emitted with, and the study's instances and attributes as the assembler's
 * snapshot bytes from the repartition topic. Kept as bytes because the join writes it once per
 * snapshot but reads the study only when an order for it arrives.
 *
 * @param revision the revision last emitted
 * @param order the order it was emitted with, or null
 * @param snapshot a StudyAssembled in the registry's wire format; its own revision and order are
 *     not these
 */
record JoinedStudy(int revision, OrderContext order, byte[] snapshot) {

    JoinedStudy {
        Objects.requireNonNull(snapshot, "snapshot");
    }

    /**
     * Store value: a format byte, the revision, the order (length-prefixed, -1 for none, in the
     * registry's wire format), then the snapshot. A value that is a StudyAssembled in the wire
     * format itself (magic byte 0, what earlier versions stored: the study as emitted) still reads.
     * The order is registered under a subject of its own ({@code <changelog topic>-order-value}):
     * the changelog topic's subject holds the StudyAssembled schema that earlier versions
     * registered there, which an OrderContext is no compatible successor of.
     */
    static final class StoreSerde implements Serde<JoinedStudy> {
        private static final byte FORMAT = 1;
        private static final int HEADER = 1 + 2 * Integer.BYTES;
        private final Serde<StudyAssembled> studySerde;
        private final Serde<OrderContext> orderSerde;

        StoreSerde(Serde<StudyAssembled> studySerde, Serde<OrderContext> orderSerde) {
            this.studySerde = Objects.requireNonNull(studySerde, "studySerde");
            this.orderSerde = Objects.requireNonNull(orderSerde, "orderSerde");
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
            // The inner serdes arrive configured from TriageTopology.
        }

        @Override
        public Serializer<JoinedStudy> serializer() {
            return (topic, joined) -> {
                if (joined == null) {
                    return null;
                }
                byte[] order = joined.order() == null ? null
                        : orderSerde.serializer().serialize(orderTopic(topic), joined.order());
                ByteBuffer out = ByteBuffer.allocate(HEADER + (order == null ? 0 : order.length)
                        + joined.snapshot().length).put(FORMAT).putInt(joined.revision());
                if (order == null) {
                    out.putInt(-1);
                } else {
                    out.putInt(order.length).put(order);
                }
                return out.put(joined.snapshot()).array();
            };
        }

        @Override
        public Deserializer<JoinedStudy> deserializer() {
            return (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                if (bytes.length > 0 && bytes[0] == WireFormat.MAGIC_BYTE) {
                    StudyAssembled emitted = studySerde.deserializer().deserialize(topic, bytes);
                    return new JoinedStudy(emitted.getRevision(), emitted.getOrderContext(), bytes);
                }
                if (bytes.length < HEADER || bytes[0] != FORMAT) {
                    throw new SerializationException("joined study on " + topic + " is not in format " + FORMAT);
                }
                ByteBuffer in = ByteBuffer.wrap(bytes);
                in.get();
                int revision = in.getInt();
                int orderLength = in.getInt();
                if (orderLength < -1 || orderLength > in.remaining()) {
                    throw new SerializationException("joined study on " + topic + " is truncated or corrupt");
                }
                OrderContext order = orderLength < 0 ? null : orderSerde.deserializer().deserialize(orderTopic(topic),
                        Arrays.copyOfRange(bytes, in.position(), in.position() + orderLength));
                int snapshotAt = in.position() + Math.max(0, orderLength);
                return new JoinedStudy(revision, order, Arrays.copyOfRange(bytes, snapshotAt, bytes.length));
            };
        }

        private static String orderTopic(String topic) {
            return topic + "-order";
        }
    }
}
