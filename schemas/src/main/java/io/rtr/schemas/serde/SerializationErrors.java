package io.rtr.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/** Builds serde errors whose message says where the record was and why it failed. */
final class SerializationErrors {

    /** Partition value meaning "not known on this code path". */
    static final int UNKNOWN_PARTITION = -1;
    /** Offset value meaning "not known on this code path". */
    static final long UNKNOWN_OFFSET = -1L;

    private SerializationErrors() {
    }

    static SerializationException deserialization(String topic, boolean isKey, int partition, long offset,
                                                  String problem, Throwable cause) {
        return new SerializationException("Cannot deserialize " + (isKey ? "key" : "value") + " of "
                + location(topic, partition, offset) + ": " + problem + causeText(cause), cause);
    }

    static SerializationException serialization(String topic, boolean isKey, String problem, Throwable cause) {
        return new SerializationException("Cannot serialize " + (isKey ? "key" : "value") + " for topic "
                + topic + ": " + problem + causeText(cause), cause);
    }

    static String location(String topic, int partition, long offset) {
        if (partition < 0 || offset < 0) {
            return "topic " + topic + " (partition/offset unknown)";
        }
        return "topic " + topic + " partition " + partition + " offset " + offset;
    }

    private static String causeText(Throwable cause) {
        // The cause's class name matters to the operator (EOFException = truncated, AvroTypeException
        // = wrong schema), so it goes into the one log line as well as into the chain.
        return cause == null ? "" : " (cause: " + cause + ")";
    }
}
