package io.rtr.inference.pipeline;

import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Reads a claim-checked DICOM object through the {@code file:} URI the ingest connector's blob
 * store wrote, and verifies its SHA-256 against the event before anyone trusts the bytes.
 */
public final class BlobFetcher {

    private final Path root;

    /**
     * @param root when not null, only blobs under this folder may be read, so that an event cannot
     *             make the worker read arbitrary files
     */
    public BlobFetcher(Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
    }

    /** Reads the whole object and checks its digest; the bytes are small enough (a few MB) to hold. */
    public byte[] fetch(String blobUri, String expectedSha256) throws UnscorableStudyException {
        Path path = resolve(blobUri);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_MISSING, "blob " + blobUri + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                    + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                    + " cannot be read: " + e, e);
        }
        String actual = sha256(bytes);
        if (expectedSha256 == null || !actual.equals(expectedSha256.toLowerCase(Locale.ROOT))) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_DIGEST_MISMATCH, "blob " + blobUri
                    + " has SHA-256 " + actual + ", the event says " + expectedSha256);
        }
        return bytes;
    }

    private Path resolve(String blobUri) throws UnscorableStudyException {
        Path path;
        try {
            URI uri = URI.create(blobUri);
            if (!"file".equalsIgnoreCase(uri.getScheme())) {
                throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                        + " has an unsupported scheme; this worker reads file: URIs");
            }
            path = Path.of(uri).toAbsolutePath().normalize();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob URI '" + blobUri
                    + "' is not a valid file: URI", e);
        }
        if (root != null && !path.startsWith(root)) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                    + " lies outside the blob root " + root);
        }
        return path;
    }

    /** Lower-case hex SHA-256, the form the blob store and the events use. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
