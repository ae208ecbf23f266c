package io.rtr.ingest.bench;

import io.rtr.ingest.BlobStore;
import io.rtr.ingest.DicomMetadataExtractor;
import io.rtr.ingest.DicomScp;
import io.rtr.ingest.PatientPseudonymizer;
import io.rtr.ingest.Spool;
import io.rtr.ingest.SpoolingReceiver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, from one thread and without sockets, dcmtk or Kafka, the CPU per object of the two
 * halves of ingest: the receiver's (write into a spool slot, check, durable commit, the digest
 * computed meanwhile on a spool-digest thread: what the association thread causes besides reading
 * the socket) and then the task's drain ({@link IngestBench#emit}: event, blob store, folder fsync,
 * acknowledgement). Each half is given on the calling thread (the association's, then the task's
 * poll thread, whose CPU bounds the task's rate) and for the whole process (the spool's slot and
 * digest threads, the blob store's fsync threads, the JIT and GC). On a shared machine these figures
 * move far less than {@link IngestBench}'s rates: no sender competes for the cores and the halves do
 * not overlap (a digest still running when the receive half ends is counted in the drain's).
 *
 * <pre>
 * java -cp ingest-connector/target/classes:... io.rtr.ingest.bench.DrainProbe [objects per round (200)] [KiB (512)]
 * </pre>
 * Prints one line per round after two unmeasured ones (the JIT needs them); run it several times,
 * alternating the versions to compare.
 */
public final class DrainProbe {

    private static final int ROUNDS = 8;
    private static final int WARM_UP_ROUNDS = 2;
    private static final int BATCH = 50;

    private DrainProbe() {
    }

    /** Runs the probe in a new temporary folder on the default file system, deleted afterwards. */
    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int sizeKb = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        Path dir = Files.createTempDirectory("drain-probe");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        DicomMetadataExtractor extractor = new DicomMetadataExtractor(
                new PatientPseudonymizer("drain-probe-secret-0123456789".getBytes(StandardCharsets.UTF_8)), Map.of());
        try {
            List<byte[]> inputs = new ArrayList<>();
            for (Path file : IngestBench.generate(Files.createDirectories(dir.resolve("input")), objects, sizeKb)) {
                inputs.add(Files.readAllBytes(file));
            }
            for (int round = 0; round < ROUNDS; round++) {
                Path work = Files.createDirectories(dir.resolve("round-" + round));
                try (Spool spool = new Spool(work.resolve("spool"))) {
                    BlobStore blobs = new BlobStore(work.resolve("blobs"));
                    SpoolingReceiver receiver = new SpoolingReceiver(spool, extractor);
                    long start = IngestBench.processCpuNanos();
                    long threadStart = threads.getCurrentThreadCpuTime();
                    for (byte[] object : inputs) {
                        receive(receiver, object);
                    }
                    long received = IngestBench.processCpuNanos();
                    long threadReceived = threads.getCurrentThreadCpuTime();
                    List<SpoolingReceiver.Spooled> batch = new ArrayList<>();
                    while (receiver.drainCommitted(batch, BATCH) > 0) {
                        IngestBench.emit(batch, spool, blobs, extractor, true);
                        batch.clear();
                    }
                    long drained = IngestBench.processCpuNanos();
                    long threadDrained = threads.getCurrentThreadCpuTime();
                    if (round >= WARM_UP_ROUNDS) {
                        System.out.printf(Locale.ROOT, "CPU per object: receive %.3f ms, drain %.3f ms on the"
                                        + " calling thread; whole process %.3f and %.3f ms, %.3f ms in all;"
                                        + " load average %.2f%n", (threadReceived - threadStart) / 1e6 / objects,
                                (threadDrained - threadReceived) / 1e6 / objects, (received - start) / 1e6 / objects,
                                (drained - received) / 1e6 / objects, (drained - start) / 1e6 / objects,
                                IngestBench.loadAverage());
                    }
                }
                IngestBench.deleteTree(work);
            }
        } finally {
            IngestBench.deleteTree(dir);
        }
    }

    /** What the association thread does with one object once its bytes are read from the socket. */
    private static void receive(SpoolingReceiver receiver, byte[] part10) throws Exception {
        DicomScp.IncomingFile incoming = receiver.newIncomingFile("PROBE", "RTR");
        try (var stream = incoming.stream()) {
            stream.write(part10);
        }
        DicomScp.StoreResult result = receiver.store(new DicomScp.ReceivedObject(incoming, part10.length, "PROBE",
                "RTR", null, null, null));
        if (!result.isSuccess()) {
            throw new IllegalStateException("the probe's object was refused: " + result.errorComment());
        }
    }
}
