package io.rtr.ingest.bench;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import io.rtr.ingest.BlobStore;
import io.rtr.ingest.DicomMetadataExtractor;
import io.rtr.ingest.DicomScp;
import io.rtr.ingest.PatientPseudonymizer;
import io.rtr.ingest.Spool;
import io.rtr.ingest.SpoolingReceiver;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Benchmark of the C-STORE receive path against dcmtk's {@code storescp}: generates N synthetic
 * mammograms of a given size with PixelMed, sends them with dcmtk {@code storescu} over K parallel
 * associations, first to our {@link DicomScp} (durable spool, blob store, metadata extraction; the
 * Kafka step replaced by draining and acknowledging the spool in a loop), then to {@code storescp}
 * writing the same files to a temporary folder, and prints instances/s, MB/s and the ratio. Both
 * dcmtk tools run with {@code TCP_NODELAY=1} (without it Nagle and delayed ACK cost 40 ms per
 * object). Runs alternate between the two receivers after warm-up runs of each, so that a change
 * in machine load hits both alike.
 *
 * <p>Run it (dcmtk installed, after {@code mvn -o -pl ingest-connector -am install -DskipTests}):
 * <pre>
 * cd ingest-connector
 * mvn -q -o dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:$(cat target/cp.txt) io.rtr.ingest.bench.IngestBench \
 *     --instances 200 --size-kb 512 --associations 1 --runs 5
 * </pre>
 * Options: {@code --instances N} (200), {@code --size-kb K} (512), {@code --associations A} (1),
 * {@code --runs R} measured runs per receiver (5), {@code --warmup W} unmeasured runs of each first
 * (10), {@code --dir D} working folder (default a new temporary one, deleted afterwards),
 * {@code --storescu} / {@code --storescp} paths of the dcmtk tools, {@code --blob link|copy} (link:
 * what the task does; copy: the copying {@code BlobStore.put}, to see what linking saves),
 * {@code --spool in-place|rename} (in-place: what the receivers do; rename: the tmp-file path). {@code storescp} runs with
 * {@code -pdu 131072} (its largest) and, for several associations, {@code --fork}; our SCP offers
 * 256 KiB PDUs, as the connector does by default.
 *
 * <p>storescp never fsyncs, and its files are deleted seconds after each run, before the kernel
 * would write them back: its rate involves no disk write. So each storescp run is also timed until
 * one {@code sync -f} after the last sender has put its files on disk, and the ratio against that is
 * printed too (still a weaker promise than ours: one flush for the batch, not one before each answer).
 *
 * <p>Read the figures with the printed fsync latency: with one association every object waits for
 * about one journal commit (the file's fsync; its pre-created slot's name was made durable before)
 * and {@code storescp} for none, so on a disk with millisecond fsyncs one association cannot reach
 * storescp's rate; the journal merges parallel associations' file fsyncs. The CPU per object (this JVM; storescp's process with one
 * association) is printed too: on a shared machine it varies much less than the rates do.
 */
public final class IngestBench {

    private static final String MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2";
    private static final String AE = "RTR";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

    private final int instances;
    private final int sizeKb;
    private final int associations;
    private final int runs;
    private final int warmups;
    private final Path work;
    private final String storescu;
    private final String storescp;
    /** "link" (what the task does) or "copy" (the blob store's copying put, to show what linking saves). */
    private final boolean linkBlobs;
    /** "in-place" (what the receivers do) or "rename" (tmp file, rename, folder fsync: the older path). */
    private final boolean inPlaceSpool;
    /** CPU per object of the measured runs, ms: less hostage to a shared machine's load than the rates. */
    private final List<Double> rtrCpuMs = new ArrayList<>();
    private final List<Double> storescpCpuMs = new ArrayList<>();

    private IngestBench(Map<String, String> args) throws IOException {
        this.instances = Integer.parseInt(args.getOrDefault("instances", "200"));
        this.sizeKb = Integer.parseInt(args.getOrDefault("size-kb", "512"));
        this.associations = Integer.parseInt(args.getOrDefault("associations", "1"));
        this.runs = Integer.parseInt(args.getOrDefault("runs", "5"));
        this.warmups = Integer.parseInt(args.getOrDefault("warmup", "10"));
        this.work = args.containsKey("dir") ? Files.createDirectories(Path.of(args.get("dir")))
                : Files.createTempDirectory("rtr-ingest-bench");
        this.storescu = args.getOrDefault("storescu", "storescu");
        this.storescp = args.getOrDefault("storescp", "storescp");
        String blobMode = args.getOrDefault("blob", "link");
        if (!blobMode.equals("link") && !blobMode.equals("copy")) {
            throw new IllegalArgumentException("--blob is link or copy");
        }
        this.linkBlobs = blobMode.equals("link");
        String spoolMode = args.getOrDefault("spool", "in-place");
        if (!spoolMode.equals("in-place") && !spoolMode.equals("rename")) {
            throw new IllegalArgumentException("--spool is in-place or rename");
        }
        this.inPlaceSpool = spoolMode.equals("in-place");
        if (instances < 1 || sizeKb < 1 || associations < 1 || associations > instances || runs < 1 || warmups < 0) {
            throw new IllegalArgumentException("need instances >= associations >= 1, size-kb >= 1, runs >= 1,"
                    + " warmup >= 0");
        }
    }

    /** Entry point; see the class comment for the options. */
    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                System.err.println("usage: IngestBench [--instances N] [--size-kb K] [--associations A] [--runs R]"
                        + " [--warmup W] [--dir D] [--storescu PATH] [--storescp PATH] [--blob link|copy]"
                        + " [--spool in-place|rename]");
                System.exit(2);
            }
            args.put(argv[i].substring(2), argv[++i]);
        }
        IngestBench bench = new IngestBench(args);
        try {
            bench.run();
        } finally {
            if (!args.containsKey("dir")) {
                deleteTree(bench.work);
            }
        }
    }

    private void run() throws Exception {
        Path input = Files.createDirectories(work.resolve("input"));
        List<Path> files = generate(input, instances, sizeKb);
        long totalBytes = 0;
        for (Path f : files) {
            totalBytes += Files.size(f);
        }
        System.out.printf(Locale.ROOT, "IngestBench: %d instances x %d KiB (%.1f MB in all), %d association(s), "
                        + "%d measured run(s) per receiver after %d warm-up run(s) each; %d CPUs, load average %.2f%n",
                instances, sizeKb, totalBytes / 1e6, associations, runs, warmups,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.println("RTR = our DicomScp: structure check, " + (inPlaceSpool
                ? "spool entry written into a pre-created slot file and checksummed as it streams in,"
                        + " file fsync"
                : "spool file fsync, rename, folder fsync") + " before each C-STORE success;"
                + " then blob store (" + (linkBlobs ? "hard link, folder fsync per batch" : "copy with fsync")
                + "), metadata extraction and Avro encoding;"
                + " WITHOUT Kafka (the spool is drained and acknowledged in a loop)");
        System.out.println("storescp = dcmtk storescp writing to a temporary folder; it does NOT fsync, so its"
                + " figures include no durability cost");
        double fsyncMs = fsyncLatencyMs();
        System.out.printf(Locale.ROOT, "fsync on this disk now: %.2f ms (median of 20: 512 KiB file, then its folder);"
                + " one association waits for about one per object, so durability alone caps it near %.0f"
                + " instances/s%n", fsyncMs, 1000 / fsyncMs);
        List<List<Path>> slices = slices(files);
        // Several warm-ups: the JIT needs a few thousand objects before the receive path is compiled,
        // and a Connect worker in production is long past that point (measured: after 3 warm-ups of
        // 200 objects this JVM still spent 5-10 ms CPU per object, after 10 about 2-3 ms).
        for (int w = 0; w < warmups; w++) {
            measureRtr(slices, -1);
            measureStorescp(slices, -1);
        }
        List<Double> rtrSent = new ArrayList<>();
        List<Double> rtrDone = new ArrayList<>();
        List<Double> dcmtk = new ArrayList<>();
        List<Double> dcmtkSynced = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            double[] ours = measureRtr(slices, r);
            rtrSent.add(ours[0]);
            rtrDone.add(ours[1]);
            double[] theirs = measureStorescp(slices, r);
            dcmtk.add(theirs[0]);
            dcmtkSynced.add(theirs[1]);
        }
        double sent = median(rtrSent);
        double done = median(rtrDone);
        double theirs = median(dcmtk);
        double theirsSynced = median(dcmtkSynced);
        System.out.printf(Locale.ROOT, "median  RTR: %s (senders done), %s (all events built)%n",
                rate(sent, totalBytes), rate(done, totalBytes));
        System.out.printf(Locale.ROOT, "median  storescp: %s; %s until its files were on disk (sync -f after the"
                + " last sender)%n", rate(theirs, totalBytes), rate(theirsSynced, totalBytes));
        System.out.printf(Locale.ROOT, "ratio RTR/storescp: %.2fx by senders done, %.2fx by all events built"
                + " (target >= 0.9x); load average now %.2f%n", theirs / sent, theirs / done, loadAverage());
        System.out.printf(Locale.ROOT, "ratio RTR/(storescp, then sync): %.2fx by all events built (storescp's"
                + " files durable once, at the end of the batch; ours each before its answer)%n", theirsSynced / done);
        System.out.printf(Locale.ROOT, "median CPU per object: RTR %.2f ms (this JVM: association threads, checks,"
                        + " spool, drain without Kafka), storescp %s (storescu's own CPU counted in neither)%n",
                median(rtrCpuMs), storescpCpuMs.isEmpty() ? "not measured (its --fork children exit unseen)"
                        : String.format(Locale.ROOT, "%.2f ms", median(storescpCpuMs)));
    }

    /** One run against our SCP; returns {seconds until every storescu exited, seconds until every event was built}. */
    private double[] measureRtr(List<List<Path>> slices, int run) throws Exception {
        Path dir = Files.createDirectories(work.resolve("rtr-" + (run < 0 ? "warmup" : run)));
        Spool spool = new Spool(dir.resolve("spool"));
        BlobStore blobs = new BlobStore(dir.resolve("blobs"));
        DicomMetadataExtractor extractor = new DicomMetadataExtractor(
                new PatientPseudonymizer("ingest-bench-secret-0123456789".getBytes(StandardCharsets.UTF_8)), Map.of());
        SpoolingReceiver receiver = new SpoolingReceiver(spool, extractor);
        DicomScp.Settings settings = new DicomScp.Settings("127.0.0.1", 0, AE, Set.of(),
                Math.max(16, associations), 1L << 30, 256 * 1024, Duration.ofSeconds(60));
        AtomicLong drained = new AtomicLong();
        AtomicLong drainedAtNanos = new AtomicLong();
        Thread drainer = new Thread(() -> drain(receiver, spool, blobs, extractor, linkBlobs, drained,
                drainedAtNanos),
                "bench-drainer");
        drainer.setDaemon(true);
        double sent;
        TimedReceiver timed = new TimedReceiver(receiver, inPlaceSpool);
        try (DicomScp scp = DicomScp.start(settings, timed)) {
            drainer.start();
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            sendAll(slices, scp.port(), dir);
            sent = (System.nanoTime() - start) / 1e9;
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (drained.get() < instances && System.nanoTime() < deadline) {
                receiver.awaitActivity(10);
                Thread.onSpinWait();
            }
            drainer.interrupt();
            drainer.join();
            if (drained.get() != instances) {
                throw new IllegalStateException("RTR run " + run + ": " + drained.get() + " of " + instances
                        + " instances came through; see " + dir + "/storescu-*.log");
            }
            double done = (drainedAtNanos.get() - start) / 1e9;
            double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / instances;
            if (run > 0) {
                rtrCpuMs.add(cpuMs);
            }
            report("RTR     ", run, sent, done);
            System.out.printf(Locale.ROOT, "           of which %.2f ms per object in check + durable spool commit"
                    + " (the sender waits for it); %.2f ms CPU per object%n", timed.nanos.get() / 1e6 / instances,
                    cpuMs);
            return new double[] {sent, done};
        } finally {
            spool.close();
            deleteTree(dir);
        }
    }

    /** Measures how long the sender waits for the check and the durable commit of each object. */
    private static final class TimedReceiver implements DicomScp.Receiver {
        private final SpoolingReceiver delegate;
        private final boolean inPlace;
        private final AtomicLong nanos = new AtomicLong();

        TimedReceiver(SpoolingReceiver delegate, boolean inPlace) {
            this.delegate = delegate;
            this.inPlace = inPlace;
        }

        @Override
        public Path newIncomingFile() throws IOException {
            return delegate.newIncomingFile();
        }

        @Override
        public DicomScp.IncomingFile newIncomingFile(String callingAe, String calledAe) throws IOException {
            return inPlace ? delegate.newIncomingFile(callingAe, calledAe)
                    : DicomScp.Receiver.super.newIncomingFile(callingAe, calledAe); // a tmp file, renamed at commit
        }

        @Override
        public DicomScp.StoreResult store(DicomScp.ReceivedObject object) {
            long start = System.nanoTime();
            try {
                return delegate.store(object);
            } finally {
                nanos.addAndGet(System.nanoTime() - start);
            }
        }

        @Override
        public void discarded(DicomScp.ReceivedObject object, RejectReason reason, String message) {
            delegate.discarded(object, reason, message);
        }

        @Override
        public String admissionRefusal() {
            return delegate.admissionRefusal();
        }
    }

    /**
     * What the Connect task's poll does with one batch, minus Kafka: events, blob store, flush, then
     * the acknowledgement (the spool entries removed).
     */
    static void emit(List<SpoolingReceiver.Spooled> batch, Spool spool, BlobStore blobs,
                     DicomMetadataExtractor extractor, boolean link) throws Exception {
        for (SpoolingReceiver.Spooled spooled : batch) {
            Spool.Entry entry = spooled.entry();
            DicomMetadataExtractor.Parsed parsed = spooled.parse(extractor);
            DicomMetadataExtractor.Identity id = parsed.identity();
            BlobStore.StoredBlob blob = link
                    ? blobs.adopt(id.studyInstanceUid(), id.seriesInstanceUid(), id.sopInstanceUid(), entry.file(),
                            spooled.sha256())
                    : blobs.put(id.studyInstanceUid(), id.seriesInstanceUid(), id.sopInstanceUid(), entry.file());
            InstanceReceived event = parsed.event(new DicomMetadataExtractor.Receipt(entry.callingAe(),
                    entry.calledAe(), entry.receivedAt(), entry.source()), blob, false);
            event.toByteBuffer(); // the Avro encoding the serializer would do, without the registry
        }
        blobs.flush(); // as the task does once per poll, before its events leave
        for (SpoolingReceiver.Spooled spooled : batch) {
            spool.remove(spooled.entry()); // Kafka's acknowledgement, which this benchmark leaves out
        }
    }

    /** Drains the receiver in batches with {@link #emit} until interrupted, counting what came through. */
    private static void drain(SpoolingReceiver receiver, Spool spool, BlobStore blobs,
                              DicomMetadataExtractor extractor, boolean link, AtomicLong drained, AtomicLong drainedAtNanos) {
        List<SpoolingReceiver.Spooled> batch = new ArrayList<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (receiver.drainCommitted(batch, 500) == 0) {
                    receiver.awaitActivity(100);
                    continue;
                }
                emit(batch, spool, blobs, extractor, link);
                drained.addAndGet(batch.size());
                drainedAtNanos.set(System.nanoTime());
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("drainer failed: " + e);
        }
    }

    /**
     * One run against storescp; returns {seconds until every storescu exited, seconds until its files
     * were also on disk}. storescp never fsyncs, and the bench deletes its files seconds later, before
     * the kernel's writeback (30 s) would have written them: the first figure includes no disk write
     * at all. The second adds one {@code sync -f} of the file system after the last sender.
     */
    private double[] measureStorescp(List<List<Path>> slices, int run) throws Exception {
        Path dir = Files.createDirectories(work.resolve("dcmtk-" + (run < 0 ? "warmup" : run)));
        Path out = Files.createDirectories(dir.resolve("out"));
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(storescp, "-aet", AE, "-pdu", "131072", "-od", out.toString()));
        if (associations > 1) {
            cmd.add("--fork"); // one process per association, as storescp serves parallel senders
        }
        cmd.add(Integer.toString(port));
        Process scp = start(cmd, dir.resolve("storescp.log"));
        try {
            awaitListening(port, scp);
            long start = System.nanoTime();
            sendAll(slices, port, dir);
            double seconds = (System.nanoTime() - start) / 1e9;
            long stored;
            try (Stream<Path> listing = Files.list(out)) {
                stored = listing.count();
            }
            if (stored != instances) {
                throw new IllegalStateException("storescp run " + run + ": " + stored + " of " + instances
                        + " files written; see " + dir);
            }
            syncFileSystem(out);
            double synced = (System.nanoTime() - start) / 1e9;
            report("storescp", run, seconds, Double.NaN);
            System.out.printf(Locale.ROOT, "           %.3f s until its files were on disk -> %.0f instances/s%n",
                    synced, instances / synced);
            if (associations == 1) {
                // Without --fork one process does all the receiving; its start-up is a few ms in all.
                scp.info().totalCpuDuration().ifPresent(cpu -> {
                    double cpuMs = cpu.toNanos() / 1e6 / instances;
                    if (run > 0) {
                        storescpCpuMs.add(cpuMs);
                    }
                    System.out.printf(Locale.ROOT, "           %.2f ms CPU per object%n", cpuMs);
                });
            }
            return new double[] {seconds, synced};
        } finally {
            scp.destroy();
            if (!scp.waitFor(10, TimeUnit.SECONDS)) {
                scp.destroyForcibly();
            }
            deleteTree(dir);
        }
    }

    /** Writes back everything dirty on the file system holding {@code dir} and waits (coreutils sync -f). */
    private static void syncFileSystem(Path dir) throws Exception {
        Process sync = new ProcessBuilder("sync", "-f", dir.toString()).redirectErrorStream(true).start();
        if (!sync.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || sync.exitValue() != 0) {
            sync.destroyForcibly();
            throw new IllegalStateException("sync -f " + dir + " failed: " + new String(sync.getInputStream()
                    .readAllBytes(), StandardCharsets.UTF_8).strip());
        }
    }

    /** Runs one storescu per slice at once and waits for all; fails when one fails. */
    private void sendAll(List<List<Path>> slices, int port, Path logDir) throws Exception {
        List<Process> senders = new ArrayList<>();
        for (int i = 0; i < slices.size(); i++) {
            List<String> cmd = new ArrayList<>(List.of(storescu, "-aet", "BENCH", "-aec", AE, "127.0.0.1",
                    Integer.toString(port)));
            for (Path f : slices.get(i)) {
                cmd.add(f.toString());
            }
            senders.add(start(cmd, logDir.resolve("storescu-" + i + ".log")));
        }
        for (Process p : senders) {
            if (!p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("storescu did not finish within " + RUN_TIMEOUT);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("storescu exited with " + p.exitValue() + "; see " + logDir);
            }
        }
    }

    private static Process start(List<String> cmd, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // dcmtk reads this to set TCP_NODELAY; without it each C-STORE waits ~40 ms for a delayed ACK.
        pb.environment().put("TCP_NODELAY", "1");
        return pb.start();
    }

    private static void awaitListening(int port, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("storescp exited with " + process.exitValue());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                // Not listening yet: storescp is still starting; wait a little and try again.
                process.waitFor(20, TimeUnit.MILLISECONDS);
            }
        }
        throw new IllegalStateException("storescp did not listen on port " + port + " within 10 s");
    }

    private List<List<Path>> slices(List<Path> files) {
        List<List<Path>> slices = new ArrayList<>();
        for (int i = 0; i < associations; i++) {
            slices.add(new ArrayList<>());
        }
        for (int i = 0; i < files.size(); i++) {
            slices.get(i % associations).add(files.get(i));
        }
        return slices;
    }

    /** Mammograms with random 16-bit pixels (so nothing compresses), four instances per study. */
    static List<Path> generate(Path dir, int instances, int sizeKb) throws Exception {
        int side = Math.max(8, (int) Math.sqrt(sizeKb * 1024.0 / 2));
        Random random = new Random(20261122);
        short[] pixels = new short[side * side];
        List<Path> files = new ArrayList<>();
        String study = null;
        String series = null;
        for (int i = 0; i < instances; i++) {
            if (i % 4 == 0) {
                study = uid();
                series = uid();
            }
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = (short) random.nextInt(4096);
            }
            String sop = uid();
            AttributeList list = new AttributeList();
            put(list, new UniqueIdentifierAttribute(new AttributeTag(0x0008, 0x0016)), MG_FOR_PRESENTATION);
            put(list, new UniqueIdentifierAttribute(new AttributeTag(0x0008, 0x0018)), sop);
            put(list, new UniqueIdentifierAttribute(new AttributeTag(0x0020, 0x000D)), study);
            put(list, new UniqueIdentifierAttribute(new AttributeTag(0x0020, 0x000E)), series);
            put(list, new CodeStringAttribute(new AttributeTag(0x0008, 0x0060)), "MG");
            put(list, new CodeStringAttribute(new AttributeTag(0x0008, 0x0068)), "FOR PRESENTATION");
            put(list, new CodeStringAttribute(new AttributeTag(0x0018, 0x5101)), i % 2 == 0 ? "CC" : "MLO");
            put(list, new CodeStringAttribute(new AttributeTag(0x0020, 0x0062)), i % 4 < 2 ? "L" : "R");
            put(list, new PersonNameAttribute(new AttributeTag(0x0010, 0x0010)), "Bench^Patient");
            put(list, new LongStringAttribute(new AttributeTag(0x0010, 0x0020)), "BENCH-" + (i / 4));
            put(list, new DateAttribute(new AttributeTag(0x0008, 0x0020)), "20261122");
            putUs(list, new AttributeTag(0x0028, 0x0010), side);
            putUs(list, new AttributeTag(0x0028, 0x0011), side);
            putUs(list, new AttributeTag(0x0028, 0x0100), 16);
            putUs(list, new AttributeTag(0x0028, 0x0101), 12);
            putUs(list, new AttributeTag(0x0028, 0x0102), 11);
            putUs(list, new AttributeTag(0x0028, 0x0103), 0);
            putUs(list, new AttributeTag(0x0028, 0x0002), 1);
            put(list, new CodeStringAttribute(new AttributeTag(0x0028, 0x0004)), "MONOCHROME2");
            OtherWordAttribute pixelData = new OtherWordAttribute(new AttributeTag(0x7FE0, 0x0010));
            pixelData.setValues(pixels.clone());
            list.put(pixelData);
            FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "BENCH");
            Path file = dir.resolve(String.format(Locale.ROOT, "%05d.dcm", i));
            list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
            files.add(file);
        }
        return files;
    }

    private void report(String who, int run, double sent, double done) {
        String label = run < 0 ? "warm-up" : "run " + run;
        String timing = Double.isNaN(done)
                ? String.format(Locale.ROOT, "%.3f s", sent)
                : String.format(Locale.ROOT, "%.3f s senders done, %.3f s all events built", sent, done);
        System.out.printf(Locale.ROOT, "  %s %-8s %s -> %.0f instances/s%n", who, label, timing,
                instances / (Double.isNaN(done) ? sent : done));
    }

    private String rate(double seconds, long totalBytes) {
        return String.format(Locale.ROOT, "%.3f s = %.0f instances/s, %.1f MB/s", seconds, instances / seconds,
                totalBytes / 1e6 / seconds);
    }

    /** Median latency of one fsync (file or folder) in the working folder, to read the figures against. */
    private double fsyncLatencyMs() throws IOException {
        Path dir = Files.createDirectories(work.resolve("fsync-probe"));
        byte[] block = new byte[512 * 1024];
        List<Double> samples = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Path file = dir.resolve("probe-" + i);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.wrap(block));
                    long t0 = System.nanoTime();
                    channel.force(true);
                    samples.add((System.nanoTime() - t0) / 1e6);
                }
                long t1 = System.nanoTime();
                try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                    folder.force(true);
                }
                samples.add((System.nanoTime() - t1) / 1e6);
            }
        } finally {
            deleteTree(dir);
        }
        return median(samples);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String uid() {
        UUID u = UUID.randomUUID();
        byte[] b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
                .array();
        return "2.25." + new BigInteger(1, b);
    }

    private static void put(AttributeList list, Attribute a, String value) throws Exception {
        a.addValue(value);
        list.put(a);
    }

    private static void putUs(AttributeList list, AttributeTag tag, int value) throws Exception {
        UnsignedShortAttribute a = new UnsignedShortAttribute(tag);
        a.addValue(value);
        list.put(a);
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
