package io.rtr.triage.priority;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.kafka.common.serialization.Serde;

/**
 * Which worklist holds a study and why; kept by the router so a study keeps its radiologist
 * (no ping-pong between queues) until it is released or completed.
 */
record Assignment(String radiologist, Source source, String reason) {

    /** Serde of the assignment store; format 1. */
    static final Serde<Assignment> SERDE = Binary.serde((byte) 1, Assignment::write, Assignment::read);

    /** Where the assignment came from; decides whether a release may move the study. */
    enum Source {
        /** The order's assigned reader: authoritative, never moved by rules. */
        ORDER,
        /** The assignment rules, balancing queues: moved only when released. */
        RULE,
        /** A radiologist claimed a study from another worklist: it is theirs until released. */
        CLAIM,
        /** No rule matched: the shared pool, retried by rules on every update. */
        POOL
    }

    private static void write(DataOutputStream out, Assignment a) throws IOException {
        out.writeUTF(a.radiologist);
        out.writeUTF(a.source.name());
        out.writeUTF(a.reason);
    }

    private static Assignment read(DataInputStream in) throws IOException {
        return new Assignment(in.readUTF(), Source.valueOf(in.readUTF()), in.readUTF());
    }
}
