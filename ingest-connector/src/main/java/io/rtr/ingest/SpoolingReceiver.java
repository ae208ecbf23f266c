package io.rtr.ingest;

import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SCP's {@link DicomScp.Receiver}: checks each object with {@link DicomMetadataExtractor},
 * commits good ones to the {@link Spool} before the C-STORE is answered, and queues an
 * {@link InstanceRejected} for every object it refuses.
 */
public final class SpoolingReceiver implements DicomScp.Receiver {

    /** Value of {@code InstanceRejected.stage} for rejections made here. */
    public static final String STAGE = "ingest-connector";

    private static final Logger LOG = LoggerFactory.getLogger(SpoolingReceiver.class);
    /** Rejections waiting for the task; bounded so that a flood of bad objects cannot exhaust memory. */
    private static final int MAX_QUEUED_REJECTIONS = 10_000;
    /**
     * Entries queued with their check's reading (a few kB each); past this many, while the task falls
     * behind (Kafka slow), new ones are queued without and the task reads their file again.
     */
    private static final int MAX_QUEUED_READINGS = 1_000;

    /**
     * An entry committed to the spool, with what the check read from it so that the task need not
     * parse the file a second time (0.05 to 0.08 ms of CPU per object here, up to a tenth of the task's).
     *
     * @param entry the spool entry
     * @param parsed the check's reading of it; null when not kept (more than a thousand entries were
     *               queued) or for an entry listed from the spool after a restart
     */
    public record Spooled(Spool.Entry entry, DicomMetadataExtractor.Parsed parsed, Future<String> digest) {

        /** An entry without the check's reading or a digest in progress (listed after a restart). */
        public Spooled(Spool.Entry entry) {
            this(entry, null, null);
        }

        /** The check's reading where it was kept, else the entry's file read now. */
        public DicomMetadataExtractor.Parsed parse(DicomMetadataExtractor extractor)
                throws DicomMetadataExtractor.InvalidDicomException {
            return parsed != null ? parsed : extractor.parse(entry.file());
        }

        /**
         * The SHA-256 of the entry's file: the one computed while its commit waited for the disk
         * where there is one (waited for if still running), else computed now.
         */
        public String sha256() throws IOException {
            if (digest != null) {
                try {
                    return digest.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the digest of " + entry.file());
                } catch (ExecutionException e) {
                    LOG.warn("digest of spool entry {} failed while it was committed ({}); computing it again",
                            entry.id(), e.getCause().toString());
                }
            }
            return BlobStore.sha256(entry.file());
        }
    }

    /**
     * Computes the digest of each object while its commit waits for the fsync, instead of on the
     * Connect task's one poll thread, whose CPU per object this took from 0.73-0.93 ms to
     * 0.23-0.32 ms (DrainProbe, 512 KiB objects): the task no longer caps ingest at one core's
     * SHA-256 rate. At most as many threads as cores (4 at most), idle ones ending after 10 s; a
     * queue, so a burst of associations waits here rather than spawning threads.
     */
    private static final ThreadPoolExecutor DIGESTERS = newDigesters();

    private static ThreadPoolExecutor newDigesters() {
        int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 10, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "spool-digest");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private final Spool spool;
    private final DicomMetadataExtractor extractor;
    private final BlockingQueue<InstanceRejected> rejections = new LinkedBlockingQueue<>(MAX_QUEUED_REJECTIONS);
    /** Entries committed since the task last drained; unbounded for now (back-pressure is to come). */
    private final BlockingQueue<Spooled> committed = new LinkedBlockingQueue<>();
    private final Object signal = new Object();

    private final long minFreeBytes;
    private final int maxQueuedReadings;
    private volatile Supplier<String> downstreamRefusal = () -> null;

    /** A receiver committing into {@code spool} that never refuses associations. */
    public SpoolingReceiver(Spool spool, DicomMetadataExtractor extractor) {
        this(spool, extractor, 0);
    }

    /**
     * A receiver committing into {@code spool} that refuses new associations while the spool's
     * file system has less than {@code minFreeBytes} usable.
     */
    public SpoolingReceiver(Spool spool, DicomMetadataExtractor extractor, long minFreeBytes) {
        this(spool, extractor, minFreeBytes, MAX_QUEUED_READINGS);
    }

    /** As {@link #SpoolingReceiver(Spool, DicomMetadataExtractor, long)}, keeping at most {@code maxQueuedReadings}. */
    SpoolingReceiver(Spool spool, DicomMetadataExtractor extractor, long minFreeBytes, int maxQueuedReadings) {
        this.spool = Objects.requireNonNull(spool, "spool");
        this.extractor = Objects.requireNonNull(extractor, "extractor");
        this.minFreeBytes = minFreeBytes;
        this.maxQueuedReadings = maxQueuedReadings;
    }

    /** Adds a second reason to refuse associations, e.g. Kafka not acknowledging; null accepts. */
    public void setDownstreamRefusal(Supplier<String> refusal) {
        this.downstreamRefusal = Objects.requireNonNull(refusal, "refusal");
    }

    @Override
    public String admissionRefusal() {
        if (minFreeBytes > 0) {
            try {
                long usable = spool.usableBytes();
                if (usable < minFreeBytes) {
                    return "the spool disk has " + usable + " bytes free, below the minimum of " + minFreeBytes;
                }
            } catch (IOException e) {
                return "cannot read the spool disk's free space (" + e.getMessage() + ")";
            }
        }
        return downstreamRefusal.get();
    }

    @Override
    public Path newIncomingFile() throws IOException {
        return spool.newIncomingFile();
    }

    @Override
    public DicomScp.IncomingFile newIncomingFile(String callingAe, String calledAe) throws IOException {
        // A pre-created spool slot: the commit then needs only the file's fsync (its name was durable
        // before it was handed out), no rename and no read-back, as the spool checksums on the way.
        return newIncomingFile(callingAe, calledAe, IngestSource.DIMSE);
    }

    /** A new file for an object arriving by {@code source} without AE titles (STOW-RS). */
    DicomScp.IncomingFile newIncomingFile(IngestSource source) throws IOException {
        return newIncomingFile(null, null, source);
    }

    private DicomScp.IncomingFile newIncomingFile(String callingAe, String calledAe, IngestSource source)
            throws IOException {
        Spool.EntryFile file = spool.newEntryFile(callingAe, calledAe, source);
        return new DicomScp.IncomingFile(file.path(), file);
    }

    @Override
    public DicomScp.StoreResult store(DicomScp.ReceivedObject object) {
        return accept(object.incoming(), object.callingAe(), object.calledAe(), object.sopInstanceUid(), null,
                IngestSource.DIMSE).result();
    }

    /**
     * What happened to one object handed to {@link #accept}.
     *
     * @param result the answer for the sender
     * @param sopClassUid the data set's SOP Class UID, when it could be read
     * @param sopInstanceUid the data set's SOP Instance UID, when it could be read
     */
    record Outcome(DicomScp.StoreResult result, String sopClassUid, String sopInstanceUid) {
    }

    /**
     * Checks a complete Part 10 file, written and closed through {@code incoming}, and commits it to
     * the spool: the one receive path shared by C-STORE and STOW-RS, so both get the same checks,
     * rejection events and durability.
     *
     * @param expectedSopInstanceUid the UID the protocol announced (C-STORE's Affected SOP Instance UID), or null
     * @param expectedStudyUid the study the request was addressed to (STOW-RS {@code /studies/{uid}}), or null
     */
    Outcome accept(DicomScp.IncomingFile incoming, String callingAe, String calledAe, String expectedSopInstanceUid,
                   String expectedStudyUid, IngestSource source) {
        Path file = incoming.file();
        String sender = callingAe != null ? "C-STORE from '" + callingAe + "'" : source.name();
        DicomMetadataExtractor.Parsed parsed;
        try {
            parsed = extractor.check(file);
        } catch (DicomMetadataExtractor.InvalidDicomException e) {
            String sop = e.sopInstanceUid() != null ? e.sopInstanceUid() : expectedSopInstanceUid;
            LOG.warn("{} of SOP instance {} refused: {}", sender, sop, e.getMessage());
            reject(e.studyInstanceUid(), sop, e.reason(), e.getMessage());
            DicomScp.StoreResult result = e.reason() == RejectReason.MISSING_ATTRIBUTE
                    ? DicomScp.StoreResult.dataSetDoesNotMatchSopClass(e.getMessage())
                    : DicomScp.StoreResult.cannotUnderstand(e.getMessage());
            return new Outcome(result, null, sop);
        }
        DicomMetadataExtractor.Identity id = parsed.identity();
        if (expectedSopInstanceUid != null && !expectedSopInstanceUid.equals(id.sopInstanceUid())) {
            String message = "Affected SOP Instance UID " + expectedSopInstanceUid
                    + " differs from the data set's " + id.sopInstanceUid();
            LOG.warn("{} refused: {}", sender, message);
            reject(id.studyInstanceUid(), id.sopInstanceUid(), RejectReason.ATTRIBUTE_MISMATCH, message);
            return new Outcome(DicomScp.StoreResult.dataSetDoesNotMatchSopClass(
                    "SOP Instance UID differs from the command's"), id.sopClassUid(), id.sopInstanceUid());
        }
        if (expectedStudyUid != null && !expectedStudyUid.equals(id.studyInstanceUid())) {
            String message = "Study Instance UID " + id.studyInstanceUid() + " differs from the requested study "
                    + expectedStudyUid;
            LOG.warn("{} of SOP instance {} refused: {}", sender, id.sopInstanceUid(), message);
            reject(id.studyInstanceUid(), id.sopInstanceUid(), RejectReason.ATTRIBUTE_MISMATCH, message);
            return new Outcome(DicomScp.StoreResult.dataSetDoesNotMatchSopClass(message), id.sopClassUid(),
                    id.sopInstanceUid());
        }
        Spool.Entry entry;
        AtomicReference<Future<String>> digest = new AtomicReference<>();
        try {
            // In place when the spool made the file (what its own receivers do), else by rename.
            entry = incoming.stream() instanceof Spool.EntryFile inPlace
                    ? spool.commit(inPlace, bytes -> digest.set(DIGESTERS.submit(() -> BlobStore.sha256(bytes))))
                    : spool.commit(file, callingAe, calledAe, source);
        } catch (IOException e) {
            // Not durable, so not acknowledged: the sender keeps the object and may retry.
            LOG.error("cannot spool SOP instance {} ({}): {}; answered out of resources, check the spool disk",
                    id.sopInstanceUid(), sender, e.toString());
            return new Outcome(DicomScp.StoreResult.outOfResources("cannot store the object durably now; retry later"),
                    id.sopClassUid(), id.sopInstanceUid());
        }
        committed.add(new Spooled(entry, committed.size() < maxQueuedReadings ? parsed : null, digest.get()));
        synchronized (signal) {
            signal.notifyAll();
        }
        LOG.trace("spooled SOP instance {} of study {}", id.sopInstanceUid(), id.studyInstanceUid());
        return new Outcome(DicomScp.StoreResult.success(), id.sopClassUid(), id.sopInstanceUid());
    }

    @Override
    public void discarded(DicomScp.ReceivedObject object, RejectReason reason, String message) {
        reject(null, object.sopInstanceUid(), reason, message);
    }

    /** Records the rejection of an object that never became a complete file (STOW-RS: too large, cut off). */
    void discarded(String sopInstanceUid, RejectReason reason, String message) {
        reject(null, sopInstanceUid, reason, message);
    }

    /** Takes every queued rejection, oldest first. */
    public List<InstanceRejected> drainRejections() {
        List<InstanceRejected> out = new ArrayList<>();
        rejections.drainTo(out);
        return out;
    }

    /** Moves up to {@code max} entries committed since the last call into {@code into}, oldest first. */
    public int drainCommitted(List<Spooled> into, int max) {
        return committed.drainTo(into, max);
    }

    /** Waits up to {@code timeoutMs} until an entry was committed or a rejection queued. */
    public void awaitActivity(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (signal) {
            while (committed.isEmpty() && rejections.isEmpty()) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return;
                }
                signal.wait(left);
            }
        }
    }

    private void reject(String studyUid, String sopUid, RejectReason reason, String message) {
        InstanceRejected rejection = InstanceRejected.newBuilder()
                .setStudyInstanceUid(studyUid)
                .setSopInstanceUid(sopUid)
                .setReasonCode(reason)
                .setMessage(message)
                .setRejectedAt(Instant.now())
                .setStage(STAGE)
                .build();
        if (!rejections.offer(rejection)) {
            LOG.warn("rejection queue full ({}); rejection of SOP instance {} ({}) only logged",
                    MAX_QUEUED_REJECTIONS, sopUid, reason);
        }
        synchronized (signal) {
            signal.notifyAll();
        }
    }
}
