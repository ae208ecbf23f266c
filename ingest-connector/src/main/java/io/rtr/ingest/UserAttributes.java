package io.rtr.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short ASCII values kept as user extended attributes of a file ({@code user.<name>} on Linux): the
 * spool's receipts and the blob store's digests live in the file's inode, which spares a second file
 * (and on ext4 an inode allocation, the costliest part of creating one) per object.
 */
final class UserAttributes {

    private static final Logger LOG = LoggerFactory.getLogger(UserAttributes.class);
    /** Larger than any value written here (a receipt is at most 106 characters, a digest 64). */
    private static final int MAX_VALUE_BYTES = 256;
    private static final String PROBE = "rtr.probe";

    private UserAttributes() {
    }

    /**
     * Whether files in {@code folder} can carry user attributes, found by writing one to the folder;
     * when not, logs why and what the caller does instead ({@code fallback}).
     */
    static boolean supported(Path folder, String fallback) {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(folder, UserDefinedFileAttributeView.class);
        try {
            if (view != null) {
                view.write(PROBE, ByteBuffer.wrap(new byte[] {'-'}));
                view.delete(PROBE);
                return true;
            }
            LOG.info("{} has no extended attributes; {}", folder, fallback);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{} has no extended attributes ({}); {}", folder, e.toString(), fallback);
        }
        return false;
    }

    /** Sets attribute {@code name} of {@code file} to {@code value}. */
    static void write(Path file, String name, String value) throws IOException {
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class)
                .write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Attribute {@code name} of {@code file}; empty when the file has none, or one that cannot be read
     * (the JDK reports both alike, without the error number), which every caller treats as not there.
     *
     * @throws NoSuchFileException when {@code file} does not exist
     */
    static Optional<String> read(Path file, String name) throws IOException {
        ByteBuffer value = ByteBuffer.allocate(MAX_VALUE_BYTES);
        try {
            Files.getFileAttributeView(file, UserDefinedFileAttributeView.class).read(name, value);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            return Optional.empty();
        }
        return Optional.of(new String(value.array(), 0, value.position(), StandardCharsets.US_ASCII));
    }
}
