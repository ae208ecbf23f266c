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
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool between "C-STORE answered Success" and "Kafka acknowledged the event": each
 * entry is one Part 10 file, made durable before {@link #commit} returns, listed again after a
 * restart until {@link #remove}.
 *
 * <p>Layout: {@code ready/} with one file per entry. Two ways in:
 * <ul>
 *   <li>{@link #newEntryFile} (what the receivers use): an empty slot file ({@code .slot}), created
 *   ahead of need in batches whose folder fsync runs off the receiving thread, gets the receipt
 *   (calling and called AE, source, arrival time) as an extended attribute and is written through
 *   an {@link EntryFile}, which computes the CRC-32C of everything after the preamble as the bytes
 *   go by; the commit writes a completion record (size and that CRC) into the 128-byte Part 10
 *   preamble and fsyncs the file. No file creation, rename, folder fsync or read-back on the path
 *   the sender waits for: about one journal commit per object. A slot without a matching record
 *   was never acknowledged: nothing received; it is emptied and used again when the spool opens.
 *   The record depends only on the content (the receipt is not in the bytes), so identical objects
 *   keep identical digests. Where the file system has no extended attributes, each object gets a
 *   new file in {@code ready/} named after its receipt ({@code .rtr}) instead, and its commit also
 *   fsyncs the folder.</li>
 *   <li>{@link #newIncomingFile()}: a file in {@code tmp/} (emptied on open), made an entry
 *   ({@code .dcm}) by fsync, atomic rename and folder fsync.</li>
 * </ul>
 */
public final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String DCM = ".dcm";
    /** An entry written in place with its receipt in its name: complete only with a matching record. */
    private static final String IN_PLACE = ".rtr";
    /** A file made ahead of need, its receipt in {@link #RECEIPT}: an entry only with a matching record. */
    private static final String SLOT = ".slot";
    /** The extended attribute holding a slot's receipt, in the same form as an {@code .rtr} name. */
    private static final String RECEIPT = "rtr.receipt";
    private static final byte[] RECORD_MAGIC = "RTRSPOOL".getBytes(StandardCharsets.US_ASCII);
    private static final int RECORD_VERSION = 1;
    /** The Part 10 preamble: free for application use (PS3.10 7.1), so the completion record lives there. */
    private static final int PREAMBLE = 128;
    /** Slots kept ready; a refill starts when fewer than half are left, so a burst rarely finds none. */
    private static final int SLOTS_AHEAD = 16;
    /** Creates slot files and fsyncs their folder off the receiving threads; idle threads end after 10 s. */
    private static final ThreadPoolExecutor SLOT_MAKERS = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "spool-slots");
                t.setDaemon(true);
                return t;
            });
    private static final String NONE = "-";
    private static final HexFormat HEX = HexFormat.of();

    static {
        SLOT_MAKERS.allowCoreThreadTimeOut(true);
    }

    /**
     * One durable, not yet acknowledged object.
     *
     * @param id sortable identifier, unique within this spool
     * @param file the Part 10 file
     * @param sizeBytes its size
     * @param callingAe the sender's AE title (null for STOW-RS)
     * @param calledAe the AE title the sender addressed (null for STOW-RS)
     * @param receivedAt when its receipt began ({@link #newEntryFile}) or it became durable ({@code .dcm})
     * @param source the protocol it arrived by
     */
    public record Entry(String id, Path file, long sizeBytes, String callingAe, String calledAe,
                        Instant receivedAt, IngestSource source) {
    }

    private final Path tmp;
    private final Path ready;
    private final AtomicLong sequence = new AtomicLong();
    /** Empty slot files whose names are durable, oldest first. */
    private final Queue<Path> freeSlots = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean refilling = new AtomicBoolean();
    private volatile Future<?> refill;
    private volatile boolean closed;
    /** Whether receipts can be extended attributes of slots; if not, they are file names. */
    private final boolean slots;
    /** Creations and renames in ready/ so far; a folder fsync started after change n covers n. */
    private final AtomicLong readyChanges = new AtomicLong();
    private final Object readySyncLock = new Object();
    /** Highest change number a completed fsync of ready/ covers; written under readySyncLock. */
    private volatile long readyChangesSynced;

    /**
     * Opens (creating if needed) the spool in {@code dir}: clears its unfinished incoming files,
     * empties the slots that hold no complete entry for use again, and creates slots up to the stock.
     */
    public Spool(Path dir) throws IOException {
        this(dir, UserAttributes.supported(Files.createDirectories(dir.resolve("ready")),
                "each spool object gets a new file named after its receipt, whose commit also fsyncs the folder"));
    }

    /** As {@link #Spool(Path)}, told whether receipts are extended attributes of slots or file names. */
    Spool(Path dir, boolean slots) throws IOException {
        this.tmp = dir.resolve("tmp");
        this.ready = dir.resolve("ready");
        this.slots = slots;
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
        if (slots) {
            reclaimSlots();
            if (freeSlots.size() < SLOTS_AHEAD) {
                freeSlots.addAll(createSlots(SLOTS_AHEAD - freeSlots.size()));
            }
        }
        fsyncDirectory(dir);
        fsyncDirectory(ready);
    }

    /** Takes every slot that holds no complete entry into the stock again. */
    private void reclaimSlots() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ready, "*" + SLOT)) {
            for (Path slot : files) {
                if (hasCompletionRecord(slot)) {
                    continue; // a committed entry, emitted again from pending()
                }
                // Unused, or cut off by the restart before its commit (never acknowledged): nothing
                // received. Emptied, it is a slot again; its name is already durable.
                try (FileChannel channel = FileChannel.open(slot, StandardOpenOption.WRITE)) {
                    if (channel.size() > 0) {
                        channel.truncate(0);
                        channel.force(false);
                    }
                }
                freeSlots.add(slot);
            }
        }
    }

    /** Stops making slots ahead of need and waits for a refill in progress, so the folder stays still. */
    @Override
    public void close() throws IOException {
        closed = true;
        Future<?> running = refill;
        if (running != null) {
            try {
                running.get();
            } catch (ExecutionException e) {
                // Already logged by the refill; nothing of the spool's content depends on it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the spool's slot refill");
            }
        }
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
     * A file for one incoming Part 10 object, open for writing: an empty slot whose name is already
     * durable, its receipt attached, so that neither this nor {@link #commit(EntryFile)} creates,
     * renames or fsyncs a folder, and the commit needs no second read of the data. Until the commit
     * writes the completion record into its preamble the file is not an entry (skipped by
     * {@link #pending()}, emptied for use again on the next open).
     */
    public EntryFile newEntryFile(String callingAe, String calledAe, IngestSource source) throws IOException {
        Objects.requireNonNull(source, "source");
        long millis = System.currentTimeMillis();
        String id = newId(millis);
        String receipt = receipt(id, callingAe, calledAe, source);
        Path file;
        long created = 0;
        if (slots) {
            file = freeSlots.poll();
            if (file == null) {
                // The refill fell behind or failed: this object pays for a creation and a folder fsync.
                file = createSlots(1).get(0);
            }
            refillIfLow();
            // Made durable by the commit's fsync, together with the data.
            UserAttributes.write(file, RECEIPT, receipt);
        } else {
            file = Files.createFile(ready.resolve(receipt + IN_PLACE));
            created = readyChanges.incrementAndGet();
        }
        return new EntryFile(new Entry(id, file, 0, callingAe, calledAe, Instant.ofEpochMilli(millis), source),
                FileChannel.open(file, StandardOpenOption.WRITE), created);
    }

    /** Creates {@code count} empty slot files and makes their names durable with one folder fsync. */
    private List<Path> createSlots(int count) throws IOException {
        List<Path> created = new ArrayList<>(count);
        long change = 0;
        for (int i = 0; i < count; i++) {
            Path slot = ready.resolve(UUID.randomUUID() + SLOT);
            Files.createFile(slot);
            created.add(slot);
            change = readyChanges.incrementAndGet();
        }
        syncReady(change);
        return created;
    }

    /** Starts making slots on another thread when fewer than half the stock is left. */
    private void refillIfLow() {
        if (closed || freeSlots.size() >= SLOTS_AHEAD / 2 || !refilling.compareAndSet(false, true)) {
            return;
        }
        refill = SLOT_MAKERS.submit(() -> {
            try {
                if (!closed) {
                    freeSlots.addAll(createSlots(SLOTS_AHEAD - freeSlots.size()));
                }
            } catch (IOException e) {
                LOG.warn("spool: cannot create files ahead of need in {}: {}; each receipt creates its own",
                        ready, e.toString());
            } finally {
                refilling.set(false);
            }
        });
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
        /** The change number of this file's creation in ready/ that the commit must fsync, or 0 for a slot. */
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
        Path file = ready.resolve(receipt(id, callingAe, calledAe, source) + DCM);
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
     * entry: writes the completion record into the preamble and fsyncs the file (data, size and
     * receipt attribute in one journal commit); a slot's name was durable before it was handed out.
     * The caller may answer the sender with success once this returns.
     */
    public Entry commit(EntryFile incoming) throws IOException {
        return commit(incoming, file -> { });
    }

    /**
     * As {@link #commit(EntryFile)}, handing the file to {@code finalBytes} once its bytes are final
     * (completion record written) and before its fsync starts, so that work on the content (the
     * digest) can run on another thread while this one waits for the disk. The file may still turn
     * out not to be an entry (the fsync fails); {@code finalBytes} must not change it.
     */
    public Entry commit(EntryFile incoming, Consumer<Path> finalBytes) throws IOException {
        if (!incoming.closed) {
            throw new IllegalStateException("commit of " + incoming.path() + " while it is still being written");
        }
        if (incoming.size < PREAMBLE + 4) {
            throw new IOException("not a Part 10 file: " + incoming.size + " bytes, shorter than preamble and prefix");
        }
        ByteBuffer record = ByteBuffer.allocate(PREAMBLE);
        record.put(RECORD_MAGIC).put((byte) RECORD_VERSION).putLong(incoming.size)
                .putInt((int) incoming.crc.getValue());
        record.clear(); // the whole preamble: the record, then zeros
        try (FileChannel channel = FileChannel.open(incoming.path(), StandardOpenOption.WRITE)) {
            while (record.hasRemaining()) {
                channel.write(record, record.position());
            }
            finalBytes.accept(incoming.path());
            // A full fsync, not fdatasync: the receipt attribute is metadata the entry needs. On ext4
            // both cost the same journal commit once the data grew the file.
            channel.force(true);
        }
        if (incoming.created > 0) {
            syncReady(incoming.created);
        }
        Entry receipt = incoming.receipt;
        return new Entry(receipt.id(), receipt.file(), incoming.size, receipt.callingAe(), receipt.calledAe(),
                receipt.receivedAt(), receipt.source());
    }

    /** CRC-32C of everything after the preamble: what proves after a crash that all of it reached the disk. */
    private static CRC32C crc(FileChannel channel, long size) throws IOException {
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
        return crc;
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
            return head.getInt() == (int) crc(channel, size).getValue();
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
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ready)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                Entry entry = null;
                if (name.endsWith(DCM)) {
                    entry = parse(file, receiptName(file));
                } else if (name.endsWith(IN_PLACE)) {
                    entry = hasCompletionRecord(file) ? parse(file, receiptName(file)) : null;
                } else if (name.endsWith(SLOT)) {
                    // Skipped, not emptied: on a running spool this may be an object still arriving.
                    entry = hasCompletionRecord(file) ? parse(file, receiptOf(file)) : null;
                }
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

    private static String receiptName(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }

    private static String receiptOf(Path slot) throws IOException {
        return UserAttributes.read(slot, RECEIPT).orElse(""); // reported by parse as not an entry, and left alone
    }

    /** The receipt {@link #parse} reads back: {@code id_callingAe_calledAe_source}. */
    private static String receipt(String id, String callingAe, String calledAe, IngestSource source) {
        return id + "_" + encode(callingAe) + "_" + encode(calledAe) + "_" + source.name();
    }

    /** The entry of {@code file} whose receipt is {@code id_callingAe_calledAe_source}, or null if it is not ours. */
    private static Entry parse(Path file, String receipt) throws IOException {
        String[] parts = receipt.split("_", 4);
        try {
            if (parts.length != 4) {
                throw new IllegalArgumentException("expected id_callingAe_calledAe_source");
            }
            long millis = Long.parseLong(parts[0].substring(0, parts[0].indexOf('-')));
            return new Entry(parts[0], file, Files.size(file), decode(parts[1]), decode(parts[2]),
                    Instant.ofEpochMilli(millis), IngestSource.valueOf(parts[3]));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            // Not ours (someone copied a file in, or a slot lost its receipt): left for the operator.
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
