package io.rtr.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * Remembers, per SOP Instance UID, the digest of the last version whose event Kafka acknowledged,
 * so that a re-sent identical instance yields no second event and a changed one is marked as a
 * replacement. One small file per instance keeps the ledger crash-safe without a database.
 */
final class AckLedger {

    private final Path dir;

    AckLedger(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    Optional<String> acknowledgedDigest(String sopInstanceUid) throws IOException {
        try {
            return Optional.of(Files.readString(file(sopInstanceUid), StandardCharsets.US_ASCII).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    void recordAcknowledged(String sopInstanceUid, String sha256) throws IOException {
        Path target = file(sopInstanceUid);
        Path tmp = dir.resolve("." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, sha256, StandardCharsets.US_ASCII);
        // No fsync: losing this after a crash only costs one duplicate event, which triage dedupes.
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path file(String sopInstanceUid) {
        if (!sopInstanceUid.matches("[0-9.]{1,64}")) {
            throw new IllegalArgumentException("not a DICOM UID: " + sopInstanceUid);
        }
        return dir.resolve(sopInstanceUid);
    }
}
