package io.rtr.triage.priority;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serde;

/**
 * A ranked worklist entry on its way to the router, which picks the radiologist: the entry (its
 * radiologistId still empty) plus what assignment needs. A null request is a tombstone. Travels
 * on the single-partition internal topic {@link PrioritizationTopology#ROUTING_TOPIC}.
 *
 * @param entry the entry to emit, radiologist not yet set
 * @param preferredReader the order's assigned reader, or null
 * @param site ordering site (or clinic) for site rules, or null
 * @param subspecialty required subspecialty, or null
 * @param reassign whether the study was just released, so a rule-based assignment may move
 */
record RoutingRequest(WorklistEntry entry, String preferredReader, String site, String subspecialty,
                      boolean reassign) {

    /** Serde of the routing topic; format 2 added the entry's lastActionId, format 1 still reads. */
    static final Serde<RoutingRequest> SERDE = Binary.serde((byte) 2, RoutingRequest::write, RoutingRequest::read, 1);

    private static void write(DataOutputStream out, RoutingRequest r) throws IOException {
        WorklistEntry e = r.entry;
        out.writeUTF(e.getStudyInstanceUid());
        Binary.writeString(out, e.getAccessionNumber());
        out.writeUTF(e.getPriorityClass().name());
        out.writeDouble(e.getPriorityScore());
        Binary.writeDouble(out, e.getStudyScore());
        Binary.writeString(out, e.getModelName());
        Binary.writeString(out, e.getModelVersion());
        Binary.writeStrings(out, e.getReasons());
        out.writeUTF(e.getStatus().name());
        Binary.writeString(out, e.getClaimedBy());
        out.writeLong(e.getWaitingSince().toEpochMilli());
        out.writeLong(e.getUpdatedAt().toEpochMilli());
        out.writeLong(e.getVersion());
        out.writeInt(e.getStudyRevision());
        Binary.writeString(out, e.getClinicId());
        out.writeBoolean(e.getPatientInClinic());
        Binary.writeString(out, r.preferredReader);
        Binary.writeString(out, r.site);
        Binary.writeString(out, r.subspecialty);
        out.writeBoolean(r.reassign);
        Binary.writeString(out, e.getLastActionId());
    }

    private static RoutingRequest read(DataInputStream in, byte format) throws IOException {
        WorklistEntry entry = WorklistEntry.newBuilder()
                .setStudyInstanceUid(in.readUTF())
                .setAccessionNumber(Binary.readString(in))
                .setRadiologistId("")
                .setPriorityClass(PriorityClass.valueOf(in.readUTF()))
                .setPriorityScore(in.readDouble())
                .setStudyScore(Binary.readDouble(in))
                .setModelName(Binary.readString(in))
                .setModelVersion(Binary.readString(in))
                .setReasons(Binary.readStrings(in))
                .setStatus(WorklistStatus.valueOf(in.readUTF()))
                .setClaimedBy(Binary.readString(in))
                .setWaitingSince(Instant.ofEpochMilli(in.readLong()))
                .setUpdatedAt(Instant.ofEpochMilli(in.readLong()))
                .setVersion(in.readLong())
                .setStudyRevision(in.readInt())
                .setClinicId(Binary.readString(in))
                .setPatientInClinic(in.readBoolean())
                .build();
        RoutingRequest request = new RoutingRequest(entry, Binary.readString(in), Binary.readString(in),
                Binary.readString(in), in.readBoolean());
        if (format >= 2) {
            entry.setLastActionId(Binary.readString(in));
        }
        return request;
    }
}
