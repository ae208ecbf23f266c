package io.rtr.ingest;

import io.rtr.schemas.IngestSource;
import java.io.IOException;
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
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool between "C-STORE answered Success" and "Kafka acknowledged the event": each
 * entry is one Part 10 file, made durable (fsync of the file, atomic rename, fsync of the
 * directory) before {@link #commit} returns, listed again after a restart until {@link #remove}.
 *
 * <p>Layout: {@code tmp/} for files being received (emptied on open, since nothing there was ever
 * acknowledged to a sender) and {@code ready/} with one file per entry. The receipt (calling and
 * called AE, source, arrival time) is encoded in the file name, so that an entry is one file and
 * one rename: two fsyncs per object instead of three with a separate receipt file, which matters
 * because the sender waits for them before it sends the next object.
 */
public final class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String DCM = ".dcm";
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
     * @param receivedAt when the object became durable
     * @param source the protocol it arrived by
     */
    public record Entry(String id, Path file, long sizeBytes, String callingAe, String calledAe,
                        Instant receivedAt, IngestSource source) {
    }

    private final Path tmp;
    private final Path ready;
    private final AtomicLong sequence = new AtomicLong();

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
        fsyncDirectory(dir);
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
     * Makes {@code incoming} (a complete Part 10 file from {@link #newIncomingFile()}) durable and
     * returns its entry; the caller may answer the sender with success once this returns.
     */
    public Entry commit(Path incoming, String callingAe, String calledAe, IngestSource source) throws IOException {
        Objects.requireNonNull(source, "source");
        // Millisecond precision: what the event's timestamp-millis can carry.
        Instant receivedAt = Instant.ofEpochMilli(System.currentTimeMillis());
        // Time first so that ids sort by arrival across restarts; the counter orders within a millisecond.
        String id = String.format("%013d-%09d-%s", receivedAt.toEpochMilli(), sequence.incrementAndGet() % 1_000_000_000,
                UUID.randomUUID().toString().substring(0, 8));
        fsyncFile(incoming);
        long size = Files.size(incoming);
        Path file = ready.resolve(id + "_" + encode(callingAe) + "_" + encode(calledAe) + "_" + source.name() + DCM);
        move(incoming, file);
        fsyncDirectory(ready);
        return new Entry(id, file, size, callingAe, calledAe, receivedAt, source);
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
        String[] parts = name.substring(0, name.length() - DCM.length()).split("_", 4);
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
