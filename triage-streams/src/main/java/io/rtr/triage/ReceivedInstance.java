package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import java.util.Objects;

/**
 * An instance event as decoded from rtr.instances, with the record's value bytes as read (Confluent
 * wire format, the producer's schema id): the study state keeps those bytes rather than encoding
 * the instance again, and decodes them once, when the study is emitted.
 *
 * @param value the decoded event
 * @param bytes the record's value bytes
 */
record ReceivedInstance(InstanceReceived value, byte[] bytes) {

    ReceivedInstance {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(bytes, "bytes");
    }
}
