package io.rtr.inference.pipeline;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Reads a claim-checked DICOM object through the {@code file:} URI the ingest connector's blob
 * store wrote, and verifies its SHA-256 against the event before anyone trusts the bytes.
 */
public final class BlobFetcher {

    /** Read size: small enough that a chunk is still in L2 when it is hashed. */
    private static final int CHUNK = 128 * 1024;

    private final Path root;

    /**
     * @param root when not null, only blobs under this folder may be read, so that an event cannot
     *             make the worker read arbitrary files
     */
    public BlobFetcher(Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
    }

    /**
     * One thread's reusable read buffer and digest, so that fetching in the steady state allocates
     * nothing per blob. Valid until the next fetch into it.
     */
    public static final class Blob {
        private final MessageDigest sha = newSha256();
        private byte[] bytes = new byte[0];
        private int length;

        /** The buffer; only the first {@link #length()} bytes are the blob. */
        public byte[] bytes() {
            return bytes;
        }

        public int length() {
            return length;
        }
    }

    /**
     * Reads the whole object into {@code into} and checks its digest. The digest is updated chunk by
     * chunk right after each read, while the chunk is still in the CPU cache, instead of in a second
     * pass over the whole object.
     */
    public void fetch(String blobUri, String expectedSha256, Blob into) throws UnscorableStudyException {
        Path path = resolve(blobUri);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            readAndDigest(channel, into);
        } catch (NoSuchFileException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_MISSING, "blob " + blobUri + " does not exist", e);
        } catch (AccessDeniedException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                    + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_UNREADABLE, "blob " + blobUri
                    + " cannot be read: " + e, e);
        }
        String actual = HexFormat.of().formatHex(into.sha.digest());
        if (expectedSha256 == null || !actual.equals(expectedSha256.toLowerCase(Locale.ROOT))) {
            throw new UnscorableStudyException(UnscorableReason.BLOB_DIGEST_MISMATCH, "blob " + blobUri
                    + " has SHA-256 " + actual + ", the event says " + expectedSha256);
        }
    }

    private static void readAndDigest(FileChannel channel, Blob into) throws IOException {
        long size = channel.size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("blob of " + size + " bytes is too large to hold");
        }
        // One byte more than the size, so that a file still growing is noticed and read to its end.
        ensureCapacity(into, (int) size + 1);
        into.sha.reset();
        int length = 0;
        while (true) {
            if (length == into.bytes.length) {
                ensureCapacity(into, length * 2);
            }
            int n = channel.read(ByteBuffer.wrap(into.bytes, length, Math.min(CHUNK, into.bytes.length - length)));
            if (n < 0) {
                break;
            }
            into.sha.update(into.bytes, length, n);
            length += n;
        }
        into.length = length;
    }

    private static void ensureCapacity(Blob blob, int capacity) {
        if (blob.bytes.length < capacity) {
            blob.bytes = Arrays.copyOf(blob.bytes, capacity);
        }
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
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
