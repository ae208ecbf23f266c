package io.rtr.triage.priority;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.WorklistStatus;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.kafka.common.serialization.Serde;

/**
 * Everything the prioritizer knows about one study: the latest revision and order, the latest
 * score, the reading status, the version counter of its worklist entry and what was last emitted.
 * After completion only a marker remains (version and completion time), so a late score or
 * revision cannot put a read study back on a worklist and a later version stays monotonic.
 */
final class StudyPriorityState {

    /** Serde of the state store; format 1. */
    static final Serde<StudyPriorityState> SERDE = Binary.serde((byte) 1, StudyPriorityState::write,
            StudyPriorityState::read);

    // The study (0 = no StudyAssembled seen yet, so nothing can be emitted).
    int revision;
    String accessionNumber;
    String clinicId;
    // The order, flattened: only what ranking and assignment use.
    OrderPriority orderPriority;
    Long patientArrived;
    Long patientDeparted;
    String assignedReader;
    String subspecialty;
    String orderingSite;
    // The latest score (scoredRevision 0 = not scored yet).
    int scoredRevision;
    double studyScore;
    double threshold;
    boolean suspicious;
    String modelName;
    String modelVersion;
    // Reading.
    WorklistStatus status = WorklistStatus.UNREAD;
    String claimedBy;
    String lastActionId;
    Long waitingSince;
    // Output bookkeeping.
    long version;
    PriorityClass lastClass;
    double lastScore;
    Long completedAt;

    boolean completed() {
        return completedAt != null;
    }

    boolean readable() {
        return revision > 0;
    }

    boolean scored() {
        return scoredRevision > 0;
    }

    /** Whether anything was ever emitted for this study, i.e. whether a tombstone means anything. */
    boolean emitted() {
        return version > 0;
    }

    void apply(StudyAssembled study) {
        revision = study.getRevision();
        accessionNumber = study.getAccessionNumber();
        clinicId = study.getClinicId();
        OrderContext order = study.getOrderContext();
        if (order != null) {
            if (accessionNumber == null) {
                accessionNumber = order.getAccessionNumber();
            }
            orderPriority = order.getOrderPriority();
            patientArrived = order.getPatientArrived() == null ? null : order.getPatientArrived().toEpochMilli();
            patientDeparted = order.getPatientDeparted() == null ? null : order.getPatientDeparted().toEpochMilli();
            assignedReader = order.getAssignedReader();
            subspecialty = order.getSubspecialty();
            orderingSite = order.getOrderingSite();
        }
        if (waitingSince == null) {
            // Event time of the first readable revision: a re-assembly or replay keeps the wait.
            waitingSince = study.getAssembledAt().toEpochMilli();
        }
    }

    void apply(StudyScored score) {
        // Revision 0 cannot be a real score, but it must still count as "scored".
        scoredRevision = Math.max(1, score.getStudyRevision());
        studyScore = score.getStudyScore();
        threshold = score.getThreshold();
        suspicious = score.getSuspicious();
        modelName = score.getModelName();
        modelVersion = score.getModelVersion();
    }

    /** Forgets everything but what guards against resurrection and keeps versions monotonic. */
    static StudyPriorityState completedMarker(long version, long completedAt) {
        StudyPriorityState marker = new StudyPriorityState();
        marker.version = version;
        marker.status = WorklistStatus.COMPLETED;
        marker.completedAt = completedAt;
        return marker;
    }

    private static void write(DataOutputStream out, StudyPriorityState s) throws IOException {
        out.writeInt(s.revision);
        Binary.writeString(out, s.accessionNumber);
        Binary.writeString(out, s.clinicId);
        Binary.writeString(out, s.orderPriority == null ? null : s.orderPriority.name());
        Binary.writeLong(out, s.patientArrived);
        Binary.writeLong(out, s.patientDeparted);
        Binary.writeString(out, s.assignedReader);
        Binary.writeString(out, s.subspecialty);
        Binary.writeString(out, s.orderingSite);
        out.writeInt(s.scoredRevision);
        out.writeDouble(s.studyScore);
        out.writeDouble(s.threshold);
        out.writeBoolean(s.suspicious);
        Binary.writeString(out, s.modelName);
        Binary.writeString(out, s.modelVersion);
        out.writeUTF(s.status.name());
        Binary.writeString(out, s.claimedBy);
        Binary.writeString(out, s.lastActionId);
        Binary.writeLong(out, s.waitingSince);
        out.writeLong(s.version);
        Binary.writeString(out, s.lastClass == null ? null : s.lastClass.name());
        out.writeDouble(s.lastScore);
        Binary.writeLong(out, s.completedAt);
    }

    private static StudyPriorityState read(DataInputStream in) throws IOException {
        StudyPriorityState s = new StudyPriorityState();
        s.revision = in.readInt();
        s.accessionNumber = Binary.readString(in);
        s.clinicId = Binary.readString(in);
        String priority = Binary.readString(in);
        s.orderPriority = priority == null ? null : OrderPriority.valueOf(priority);
        s.patientArrived = Binary.readLong(in);
        s.patientDeparted = Binary.readLong(in);
        s.assignedReader = Binary.readString(in);
        s.subspecialty = Binary.readString(in);
        s.orderingSite = Binary.readString(in);
        s.scoredRevision = in.readInt();
        s.studyScore = in.readDouble();
        s.threshold = in.readDouble();
        s.suspicious = in.readBoolean();
        s.modelName = Binary.readString(in);
        s.modelVersion = Binary.readString(in);
        s.status = WorklistStatus.valueOf(in.readUTF());
        s.claimedBy = Binary.readString(in);
        s.lastActionId = Binary.readString(in);
        s.waitingSince = Binary.readLong(in);
        s.version = in.readLong();
        String lastClass = Binary.readString(in);
        s.lastClass = lastClass == null ? null : PriorityClass.valueOf(lastClass);
        s.lastScore = in.readDouble();
        s.completedAt = Binary.readLong(in);
        return s;
    }
}
