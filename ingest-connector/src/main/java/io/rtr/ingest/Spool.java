package io.rtr.ingest;

import io.rtr.schemas.IngestSource;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool between "C-STORE answered Success" and "Kafka acknowledged the event": each
 * entry is one Part 10 file, made durable (fsync of the file, atomic rename, fsync of the
 * directory) before {@link #commit} returns, listed again after a restart until {@link #remove}.
 *
 * <p>Layout: {@code ready/} with one file per entry, the receipt (calling and called AE, source,
 * arrival time) encoded in the file name so that an entry is one file. Two ways in:
 * <ul>
 *   <li>{@link #newEntryFile} (what the receivers use): the file is created in {@code ready/} under
 *   its final name ({@code .rtr}) and written through an {@link EntryFile}, which computes the
 *   CRC-32C of everything after the preamble as the bytes go by, while the folder fsync for its
 *   creation runs; the commit writes a completion record (size and that CRC) into the 128-byte
 *   Part 10 preamble and fdatasyncs the file. No rename and no read-back, so the sender waits for
 *   about one journal commit per object instead of two in a row. A {@code .rtr} file without a
 *   matching record is an object cut off by a crash, never acknowledged: skipped, and deleted on
 *   open. The record depends only on the content, so identical objects keep identical digests.</li>
 *   <li>{@link #newIncomingFile()}: a file in {@code tmp/} (emptied on open), made an entry
 *   ({@code .dcm}) by fsync, atomic rename and folder fsync.</li>
 * </ul>
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String DCM = ".dcm";
    /** An entry written in place: complete only if its preamble holds a matching {@link #RECORD_MAGIC} record. */
    private static final String IN_PLACE = ".rtr";
    private static final byte[] RECORD_MAGIC = "RTRSPOOL".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_VERSION = 1;
    /** The Part 10 preamble: free for application use (PS3.10 7.1), so the completion record lives there. */
    private static final int PREAMBLE = 128;
    /** Runs the folder fsync for a new in-place file while its data streams in, or at commit beside the file fsync. */
    private static final ExecutorService FOLDER_SYNCERS = new ThreadPoolExecutor(0, 16, 10, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "spool-folder-fsync");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.CallerRunsPolicy());
    private static final String NONE = "-";
    private static final HexFormat HEX = HexFormat.of();

    /**
     * One durable, not yet acknowledged object.
     *
     * @param id sortable identifier, unique within this spool
     * @param file the Part 10 file
     * @param sizeBytes its size
     * @param callingAe the sender's AE title (null for STOW-RS)
     * @param calledAe the AE title the sender addressed (null for STOW-RS)
     * @param receivedAt when its receipt began ({@code .rtr} entries) or it became durable ({@code .dcm})
     * @param source the protocol it arrived by
     */
    public record Entry(String id, Path file, long sizeBytes, String callingAe, String calledAe,
                        Instant receivedAt, IngestSource source) {
    }

    private final Path tmp;
    private final Path ready;
    private final AtomicLong sequence = new AtomicLong();
    /** Creations and renames in ready/ so far; a folder fsync started after change n covers n. */
    private final AtomicLong readyChanges = new AtomicLong();
    private final Object readySyncLock = new Object();
    /**
     * Highest change number a completed fsync of ready/ covers; written under readySyncLock, read
     * without it where a covered change needs no fsync at all.
     */
    private volatile long readyChangesSynced;

    /** Opens (creating if needed) the spool in {@code dir} and clears its unfinished incoming files. */
    public Spool(Path dir) throws IOException {
        this.tmp = dir.resolve("tmp");
        this.ready = dir.resolve("ready");
        Files.createDirectories(tmp);
        Files.createDirectories(ready);
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(tmp)) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        }
        try (DirectoryStream<Path> inPlace = Files.newDirectoryStream(ready, "*" + IN_PLACE)) {
            for (Path p : inPlace) {
                if (!hasCompletionRecord(p)) {
                    // Cut off by the restart before its commit: never acknowledged to the sender.
                    LOG.info("spool: discarding {}, whose transfer did not complete before the restart", p);
                    Files.deleteIfExists(p);
                }
            }
        }
        fsyncDirectory(dir);
        fsyncDirectory(ready);
    }

    /** Bytes still usable on the spool's file system. */
    public long usableBytes() throws IOException {
        return Files.getFileStore(ready).getUsableSpace();
    }

    /** A new empty file for one incoming object, on the spool's file system. */
    public Path newIncomingFile() throws IOException {
        return Files.createFile(tmp.resolve(UUID.randomUUID() + ".part"));
    }

    /**
     * A new empty file for one incoming Part 10 object, created directly in ready/ under its final
     * name (receipt included) and open for writing, so that {@link #commit(EntryFile)} needs no
     * rename and no second read of the data. Until the commit writes the completion record into
     * its preamble the file is not an entry (skipped by {@link #pending()}, deleted on the next open).
     */
    public EntryFile newEntryFile(String callingAe, String calledAe, IngestSource source) throws IOException {
        Objects.requireNonNull(source, "source");
        long millis = System.currentTimeMillis();
        String id = newId(millis);
        Path file = ready.resolve(id + "_" + encode(callingAe) + "_" + encode(calledAe) + "_" + source.name()
                + IN_PLACE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        long change = readyChanges.incrementAndGet();
        // Start making the name durable now, while the data streams in: by the commit it is usually
        // done. Left to the commit, it would be a journal commit of its own right after the one the
        // file's fsync needs (measured: commit 1.2-3.5 ms instead of 0.5-0.8 ms).
        FOLDER_SYNCERS.execute(() -> {
            try {
                syncReady(change);
            } catch (IOException e) {
                // Not fatal here: the commit fsyncs the folder again and reports a failure to the sender.
                LOG.debug("spool: early fsync of {} failed: {}", ready, e.toString());
            }
        });
        return new EntryFile(new Entry(id, file, 0, callingAe, calledAe, Instant.ofEpochMilli(millis), source),
                channel, change);
    }

    /**
     * An in-place spool file being written (from {@link #newEntryFile}): the bytes go straight to
     * the file, and the CRC-32C of everything after the preamble is computed on the way, which is
     * what lets the commit skip reading the object back. It is closed before the commit; closed
     * without a commit it leaves a file that is not an entry, which the owner deletes.
     */
    public static final class EntryFile extends OutputStream {
        private final Entry receipt;
        private final FileChannel channel;
        private final CRC32C crc = new CRC32C();
        /** The change number of this file's creation in ready/, which a folder fsync must cover. */
        private final long created;
        private long size;
        private boolean closed;

        private EntryFile(Entry receipt, FileChannel channel, long created) {
            this.receipt = receipt;
            this.channel = channel;
            this.created = created;
        }

        /** The file being written. */
        public Path path() {
            return receipt.file();
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            int skip = (int) Math.max(0, Math.min(length, PREAMBLE - size));
            crc.update(bytes, offset + skip, length - skip);
            ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += length;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            channel.close();
        }
    }

    /**
     * Makes {@code incoming} (a complete Part 10 file from {@link #newIncomingFile()}) durable and
     * returns its entry; the caller may answer the sender with success once this returns.
     */
    public Entry commit(Path incoming, String callingAe, String calledAe, IngestSource source) throws IOException {
        Objects.requireNonNull(source, "source");
        // Millisecond precision: what the event's timestamp-millis can carry.
        Instant receivedAt = Instant.ofEpochMilli(System.currentTimeMillis());
        String id = newId(receivedAt.toEpochMilli());
        fsyncFile(incoming);
        long size = Files.size(incoming);
        Path file = ready.resolve(id + "_" + encode(callingAe) + "_" + encode(calledAe) + "_" + source.name() + DCM);
        move(incoming, file);
        syncReady(readyChanges.incrementAndGet());
        return new Entry(id, file, size, callingAe, calledAe, receivedAt, source);
    }

    private String newId(long millis) {
        // Time first so that ids sort by arrival across restarts; the counter orders within a millisecond.
        // Built by hand: String.format was an eighth of the association thread's Java CPU samples.
        StringBuilder id = new StringBuilder(32);
        zeroPadded(id, millis, 13).append('-');
        zeroPadded(id, sequence.incrementAndGet() % 1_000_000_000, 9).append('-');
        return id.append(UUID.randomUUID().toString(), 0, 8).toString();
    }

    private static StringBuilder zeroPadded(StringBuilder out, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    /**
     * Makes a complete object written (and closed) through {@code incoming} durable and returns its
     * entry: writes the completion record and fsyncs the file, and makes sure a folder fsync that
     * covers its creation (started by {@link #newEntryFile}, usually done by now) has completed. The
     * caller may answer the sender with success once this returns.
     */
    public Entry commit(EntryFile incoming) throws IOException {
        if (!incoming.closed) {
            throw new IllegalStateException("commit of " + incoming.path() + " while it is still being written");
        }
        long created = incoming.created;
        // The early fsync has usually covered the name by now: then no other thread is woken, a
        // wake-up the sender would wait for on a busy machine. If not, the folder fsync runs beside
        // the file's, so that the sender waits for the slower of the two rather than both in a row.
        Future<?> folder = readyChangesSynced >= created ? null : FOLDER_SYNCERS.submit(() -> {
            syncReady(created);
            return null;
        });
        try (FileChannel channel = FileChannel.open(incoming.path(), StandardOpenOption.WRITE)) {
            if (incoming.size < PREAMBLE + 4) {
                throw new IOException("not a Part 10 file: " + incoming.size
                        + " bytes, shorter than preamble and prefix");
            }
            ByteBuffer record = record(incoming.size, (int) incoming.crc.getValue());
            while (record.hasRemaining()) {
                channel.write(record, record.position());
            }
            // fdatasync: the size and blocks the data needs are flushed with it; the times are not needed.
            channel.force(false);
        } finally {
            if (folder != null) {
                awaitQuietlyOnFailure(folder);
            }
        }
        if (folder != null) {
            try {
                folder.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while making the spool folder durable");
            }
        }
        Entry receipt = incoming.receipt;
        return new Entry(receipt.id(), receipt.file(), incoming.size, receipt.callingAe(), receipt.calledAe(),
                receipt.receivedAt(), receipt.source());
    }

    /** Lets a folder fsync finish before an exception leaves, so no task outlives the commit that started it. */
    private static void awaitQuietlyOnFailure(Future<?> folder) {
        if (!folder.isDone()) {
            try {
                folder.get();
            } catch (ExecutionException e) {
                // Reported by the caller's own get() on the success path; on failure the first error wins.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ByteBuffer record(long size, int crc) {
        ByteBuffer record = ByteBuffer.allocate(PREAMBLE);
        record.put(RECORD_MAGIC).put((byte) RECORD_VERSION).putLong(size).putInt(crc);
        record.clear(); // the whole preamble: the record, then zeros
        return record;
    }

    /** CRC-32C of everything after the preamble: what proves after a crash that all of it reached the disk. */
    private static int crc(FileChannel channel, long size) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long position = PREAMBLE;
        while (position < size) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n < 0) {
                throw new IOException("file ended at " + position + " of " + size + " bytes while checking it");
            }
            buffer.flip();
            crc.update(buffer);
            position += n;
        }
        return (int) crc.getValue();
    }

    /** Whether an in-place file holds a completion record that matches its size and content. */
    static boolean hasCompletionRecord(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < PREAMBLE + 4) {
                return false;
            }
            ByteBuffer head = ByteBuffer.allocate(RECORD_MAGIC.length + 1 + 8 + 4);
            while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
                // reads the record
            }
            head.flip();
            byte[] magic = new byte[RECORD_MAGIC.length];
            head.get(magic);
            if (!Arrays.equals(magic, RECORD_MAGIC) || head.get() != RECORD_VERSION || head.getLong() != size) {
                return false;
            }
            return head.getInt() == crc(channel, size);
        }
    }

    /**
     * Group commit of the ready/ folder: parallel associations each need their creation or rename
     * durable before answering, and one fsync started after several changes covers them all, so a
     * thread that finds its change already covered by another's fsync returns without one of its own.
     */
    private void syncReady(long myChange) throws IOException {
        synchronized (readySyncLock) {
            if (readyChangesSynced >= myChange) {
                return;
            }
            long covered = readyChanges.get(); // every change numbered up to here has completed
            fsyncDirectory(ready);
            readyChangesSynced = covered;
        }
    }

    /** Every entry not yet removed, oldest first; after a restart, what must be (re-)emitted. */
    public List<Entry> pending() throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ready, "*" + DCM)) {
            for (Path file : files) {
                Entry entry = parse(file);
                if (entry != null) {
                    entries.add(entry);
                }
            }
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ready, "*" + IN_PLACE)) {
            for (Path file : files) {
                // Skipped, not deleted: on a running spool this may be an object still arriving.
                Entry entry = hasCompletionRecord(file) ? parse(file) : null;
                if (entry != null) {
                    entries.add(entry);
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::id));
        return entries;
    }

    /** Removes an acknowledged entry; removing one that is already gone is not an error. */
    public void remove(Entry entry) throws IOException {
        // No fsync: a removal lost in a crash only means the event is emitted once more, which
        // the task's digest ledger or, failing that, triage's de-duplication by SOP UID absorbs.
        Files.deleteIfExists(entry.file());
    }

    private static Entry parse(Path file) throws IOException {
        String name = file.getFileName().toString();
        String[] parts = name.substring(0, name.lastIndexOf('.')).split("_", 4);
        try {
            if (parts.length != 4) {
                throw new IllegalArgumentException("expected id_callingAe_calledAe_source");
            }
            long millis = Long.parseLong(parts[0].substring(0, parts[0].indexOf('-')));
            return new Entry(parts[0], file, Files.size(file), decode(parts[1]), decode(parts[2]),
                    Instant.ofEpochMilli(millis), IngestSource.valueOf(parts[3]));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // Not ours (someone copied a file in): leave it for the operator rather than guess.
            LOG.warn("spool: ignoring {}, which is not a spool entry ({})", file, e.getMessage());
            return null;
        }
    }

    private static String encode(String ae) {
        // Hex, because an AE title may contain characters a file name cannot (e.g. '/').
        return ae == null ? NONE : HEX.formatHex(ae.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String part) {
        return part.equals(NONE) ? null : new String(HEX.parseHex(part), StandardCharsets.US_ASCII);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the spool's tmp and ready folders must be on one file system", e);
        }
    }

    static void fsyncFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        // Makes the renames durable; Linux allows fsync on a directory opened read-only.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
                throw e;
            }
        }
    }
}
