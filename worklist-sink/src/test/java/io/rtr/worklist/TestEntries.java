package io.rtr.worklist;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import io.rtr.schemas.serde.AvroDeserializer;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builds valid {@link WorklistEntry}s for tests, with a fresh study UID each. */
public final class TestEntries {

    /** A fixed instant so tests are deterministic; entries wait from here. */
    public static final Instant T0 = Instant.parse("2026-11-22T08:00:00Z");

    static {
        // Avro 1.12 refuses to load generated enum classes by name (CVE-2024-47561) until a
        // deserializer has trusted them; copying a builder (newBuilder(entry)) loads them that way.
        new AvroDeserializer<>(WorklistEntry.class).close();
    }

    private TestEntries() {
    }

    /** A fresh study UID in the DICOM 2.25 (UUID) form. */
    public static String newStudyUid() {
        UUID uuid = UUID.randomUUID();
        return "2.25." + new BigInteger(1, toBytes(uuid));
    }

    /** A fresh radiologist id, also usable as a Postgres role name. */
    public static String newRadiologist() {
        return "rad_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** An unread, scored entry of {@code radiologist} at version 1. */
    public static WorklistEntry.Builder entry(String radiologist, PriorityClass priorityClass, double priorityScore) {
        return WorklistEntry.newBuilder()
                .setStudyInstanceUid(newStudyUid())
                .setAccessionNumber("ACC" + Math.abs(UUID.randomUUID().getLeastSignificantBits() % 1_000_000))
                .setRadiologistId(radiologist)
                .setPriorityClass(priorityClass)
                .setPriorityScore(priorityScore)
                .setStudyScore(0.5)
                .setModelName("rtr-reference")
                .setModelVersion("1.0.0")
                .setReasons(List.of("score 0.50"))
                .setStatus(WorklistStatus.UNREAD)
                .setClaimedBy(null)
                .setWaitingSince(T0)
                .setUpdatedAt(T0.plusSeconds(1))
                .setVersion(1L)
                .setStudyRevision(1)
                .setClinicId("clinic-1")
                .setPatientInClinic(false);
    }

    private static byte[] toBytes(UUID uuid) {
        byte[] bytes = new byte[16];
        long hi = uuid.getMostSignificantBits();
        long lo = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (hi >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return bytes;
    }
}
