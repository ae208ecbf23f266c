package io.rtr.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The claim-check store for DICOM objects on a file system: {@code <root>/<Study>/<Series>/<SOP>.dcm}
 * carrying the SHA-256 of its bytes in the extended attribute {@code user.rtr.sha256}, or, where the
 * file system has no extended attributes, beside it in {@code <SOP>.sha256} (which stores written
 * before the attribute existed also hold, and which is still read for their objects). Putting the
 * same bytes twice is a no-op; putting different bytes for the same SOP instance replaces the object
 * atomically.
 */
public final class BlobStore {

    private static final Logger LOG = LoggerFactory.getLogger(BlobStore.class);
    /** A UID is digits and dots (PS3.5 9.1), which also keeps it from escaping the store's root. */
    private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    /** The extended attribute holding an object's digest. */
    private static final String DIGEST = "rtr.sha256";

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

    /**
     * Shared by every store, since a store has no lifecycle to close them: threads exist only while
     * flushing and end after 10 s idle (so an unloaded connector leaves none behind); past 8 folders
     * at once the caller fsyncs the rest itself.
     */
    private static final ExecutorService FLUSHERS = new ThreadPoolExecutor(0, 8, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "blob-store-fsync");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());

    private final Path root;
    /**
     * Whether digests are attributes of the objects: no second file per object, whose creation (an
     * inode allocation) cost ext4 about a quarter of the task's CPU per object.
     */
    private final boolean digestAttributes;
    /** Folders holding links made by {@link #adopt} whose new entries are not yet durable. */
    private final Set<Path> unsyncedDirs = ConcurrentHashMap.newKeySet();
    /** Cleared when the file system refuses hard links, so that adopt stops trying. */
    private volatile boolean linksWork = true;

    /** A store under {@code root}, created if missing. */
    public BlobStore(Path root) throws IOException {
        this(root, UserAttributes.supported(Files.createDirectories(root),
                "blob digests are kept in a <SOP>.sha256 file beside each object"));
    }

    /** As {@link #BlobStore(Path)}, told whether digests are attributes of the objects or files beside them. */
    BlobStore(Path root, boolean digestAttributes) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath();
        this.digestAttributes = digestAttributes;
    }

    /** Copies {@code source} into the store under its UIDs; idempotent for identical bytes. */
    public StoredBlob put(String studyUid, String seriesUid, String sopInstanceUid, Path source) throws IOException {
        Path target = path(studyUid, seriesUid, sopInstanceUid);
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
            Optional<String> previous = readDigest(target);
            if (previous.filter(sha::equals).isPresent()) {
                return new StoredBlob(target.toUri(), size, sha, sha, true);
            }
            if (digestAttributes) {
                UserAttributes.write(tmp, DIGEST, sha); // made durable by the file's fsync
            }
            Spool.fsyncFile(tmp);
            replace(tmp, target, sha, previous.isPresent());
            Spool.fsyncDirectory(target.getParent());
            return new StoredBlob(target.toUri(), size, sha, previous.orElse(null), false);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Stores a file that is already durable and will never be written again (a spool entry) by
     * hard-linking it into place: no copy and no second fsync of its data, which is most of the cost
     * of {@link #put}. The new directory entry becomes durable only at the next {@link #flush()}, so
     * that one folder fsync covers a whole batch; call it before anything relies on the blob (emitting
     * its event). Falls back to a copy where the file system cannot link (another file system).
     */
    public StoredBlob adopt(String studyUid, String seriesUid, String sopInstanceUid, Path durableSource)
            throws IOException {
        // The digest is read from the source (in the page cache just after receipt), never from a copy.
        return adopt(studyUid, seriesUid, sopInstanceUid, durableSource, sha256(durableSource));
    }

    /**
     * As {@link #adopt(String, String, String, Path)}, with the SHA-256 of {@code durableSource}
     * already known (lower-case hex, computed from the file itself, e.g. while the spool's commit
     * waited for the disk).
     */
    public StoredBlob adopt(String studyUid, String seriesUid, String sopInstanceUid, Path durableSource,
                            String sha) throws IOException {
        if (!linksWork) {
            return put(studyUid, seriesUid, sopInstanceUid, durableSource);
        }
        Path target = path(studyUid, seriesUid, sopInstanceUid);
        long size = Files.size(durableSource);
        Optional<String> previous = readDigest(target);
        if (previous.filter(sha::equals).isPresent()) {
            return new StoredBlob(target.toUri(), size, sha, sha, true);
        }
        createFolders(target.getParent());
        Path tmp = target.resolveSibling("." + sopInstanceUid + "." + UUID.randomUUID() + ".tmp");
        try {
            try {
                Files.createLink(tmp, durableSource);
            } catch (UnsupportedOperationException | FileSystemException e) {
                linksWork = false;
                LOG.info("blob store {}: hard links from the spool are not possible ({}); copying instead",
                        root, e.toString());
                return put(studyUid, seriesUid, sopInstanceUid, durableSource);
            }
            if (digestAttributes) {
                // On the inode the spool entry shares, so one more piece of metadata in the journal
                // transaction that the folder fsync of flush() commits (ext4 commits all of it).
                UserAttributes.write(tmp, DIGEST, sha);
            }
            replace(tmp, target, sha, previous.isPresent());
            unsyncedDirs.add(target.getParent());
            return new StoredBlob(target.toUri(), size, sha, previous.orElse(null), false);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes every link made by {@link #adopt} so far durable: one fsync per folder touched, issued in
     * parallel because a journaling file system commits concurrent fsyncs together (one journal
     * commit, about 2 ms here, instead of one per folder).
     */
    public void flush() throws IOException {
        List<Path> dirs = List.copyOf(unsyncedDirs);
        if (dirs.isEmpty()) {
            return;
        }
        // Removed before the fsync: a link added meanwhile re-adds its folder for the next flush.
        unsyncedDirs.removeAll(dirs);
        if (dirs.size() == 1) {
            syncOrRequeue(dirs.get(0));
            return;
        }
        List<Future<?>> syncs = new ArrayList<>(dirs.size());
        for (Path dir : dirs) {
            syncs.add(FLUSHERS.submit(() -> {
                syncOrRequeue(dir);
                return null;
            }));
        }
        IOException failure = null;
        for (Future<?> sync : syncs) {
            try {
                sync.get();
            } catch (ExecutionException e) {
                IOException cause = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unsyncedDirs.addAll(dirs);
                throw new InterruptedIOException("interrupted while making blob folders durable");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void syncOrRequeue(Path dir) throws IOException {
        try {
            Spool.fsyncDirectory(dir);
        } catch (IOException e) {
            unsyncedDirs.add(dir);
            throw e;
        }
    }

    /** Creates the study and series folders as needed; new ones must be made durable in their parents too. */
    private void createFolders(Path seriesDir) throws IOException {
        if (Files.isDirectory(seriesDir)) {
            return;
        }
        Path studyDir = seriesDir.getParent();
        if (!Files.isDirectory(studyDir)) {
            Files.createDirectories(studyDir);
            unsyncedDirs.add(root);
        }
        Files.createDirectories(seriesDir);
        unsyncedDirs.add(studyDir);
    }

    /** The digest of the stored object, if the store holds one for these UIDs. */
    public Optional<String> digest(String studyUid, String seriesUid, String sopInstanceUid) throws IOException {
        return readDigest(path(studyUid, seriesUid, sopInstanceUid));
    }

    /** The path an object with these UIDs has (or would have) in the store. */
    public Path path(String studyUid, String seriesUid, String sopInstanceUid) {
        return root.resolve(checkUid(studyUid)).resolve(checkUid(seriesUid)).resolve(checkUid(sopInstanceUid) + ".dcm");
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        // 64 KiB reads straight into one array: a stream chain would copy every byte twice more.
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static Path digestFile(Path target) {
        String name = target.getFileName().toString();
        return target.resolveSibling(name.substring(0, name.length() - ".dcm".length()) + ".sha256");
    }

    /**
     * Moves {@code tmp} (carrying its digest attribute where the store uses them) over {@code target}
     * and keeps the digest where {@link #readDigest} finds it; {@code replacing} says whether the
     * store held an object for these UIDs, whose digest file an older version may have left.
     */
    private void replace(Path tmp, Path target, String sha, boolean replacing) throws IOException {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (!digestAttributes) {
            writeDigest(digestFile(target), sha);
        } else if (replacing) {
            // The object now carries its own digest; the file beside it is stale.
            Files.deleteIfExists(digestFile(target));
        }
    }

    /**
     * The digest of the object at {@code target}: its attribute, else the file beside it (the layout
     * without attributes, and objects stored before they were used); empty when there is no object.
     */
    private Optional<String> readDigest(Path target) throws IOException {
        if (digestAttributes) {
            try {
                Optional<String> attribute = UserAttributes.read(target, DIGEST);
                if (attribute.isPresent()) {
                    return attribute;
                }
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }
        try {
            String digest = Files.readString(digestFile(target), StandardCharsets.US_ASCII).strip();
            // A digest file whose object is gone describes nothing.
            return Files.exists(target) ? Optional.of(digest) : Optional.empty();
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
