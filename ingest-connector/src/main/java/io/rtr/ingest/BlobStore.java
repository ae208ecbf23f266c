package io.rtr.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The claim-check store for DICOM objects on a file system: {@code <root>/<Study>/<Series>/<SOP>.dcm}
 * with the SHA-256 of its bytes beside it in {@code <SOP>.sha256}. Putting the same bytes twice is
 * a no-op; putting different bytes for the same SOP instance replaces the object atomically.
 */
public final class BlobStore {

    /** A UID is digits and dots (PS3.5 9.1), which also keeps it from escaping the store's root. */
    private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");

    /**
     * Where a put left the object.
     *
     * @param uri file: URI of the stored object
     * @param sizeBytes its size
     * @param sha256 lower-case hex SHA-256 of its bytes
     * @param previousSha256 digest of the object this put replaced, or null
     * @param unchanged whether the store already held exactly these bytes
     */
    public record StoredBlob(URI uri, long sizeBytes, String sha256, String previousSha256, boolean unchanged) {
    }

    private final Path root;

    /** A store under {@code root}, created if missing. */
    public BlobStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath();
    }

    /** Copies {@code source} into the store under its UIDs; idempotent for identical bytes. */
    public StoredBlob put(String studyUid, String seriesUid, String sopInstanceUid, Path source) throws IOException {
        Path target = path(studyUid, seriesUid, sopInstanceUid);
        Path digestFile = digestFile(target);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + sopInstanceUid + "." + UUID.randomUUID() + ".tmp");
        String sha;
        long size;
        try {
            MessageDigest md = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(source), md);
                 OutputStream out = Files.newOutputStream(tmp)) {
                size = in.transferTo(out);
            }
            sha = HexFormat.of().formatHex(md.digest());
            String previous = readDigest(digestFile).orElse(null);
            if (sha.equals(previous) && Files.exists(target)) {
                return new StoredBlob(target.toUri(), size, sha, previous, true);
            }
            Spool.fsyncFile(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            writeDigest(digestFile, sha);
            Spool.fsyncDirectory(target.getParent());
            return new StoredBlob(target.toUri(), size, sha, previous, false);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The digest of the stored object, if the store holds one for these UIDs. */
    public Optional<String> digest(String studyUid, String seriesUid, String sopInstanceUid) throws IOException {
        return readDigest(digestFile(path(studyUid, seriesUid, sopInstanceUid)));
    }

    /** The path an object with these UIDs has (or would have) in the store. */
    public Path path(String studyUid, String seriesUid, String sopInstanceUid) {
        return root.resolve(checkUid(studyUid)).resolve(checkUid(seriesUid)).resolve(checkUid(sopInstanceUid) + ".dcm");
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static Path digestFile(Path target) {
        String name = target.getFileName().toString();
        return target.resolveSibling(name.substring(0, name.length() - ".dcm".length()) + ".sha256");
    }

    private static Optional<String> readDigest(Path digestFile) throws IOException {
        try {
            return Optional.of(Files.readString(digestFile, StandardCharsets.US_ASCII).strip());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static void writeDigest(Path digestFile, String sha) throws IOException {
        Path tmp = digestFile.resolveSibling(digestFile.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.writeString(tmp, sha, StandardCharsets.US_ASCII);
        Files.move(tmp, digestFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String checkUid(String uid) {
        if (uid == null || uid.length() > 64 || !UID.matcher(uid).matches()) {
            throw new IllegalArgumentException("not a DICOM UID: " + uid);
        }
        return uid;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }
}
