package io.rtr.ingest.bench;

import io.rtr.ingest.BlobStore;
import io.rtr.ingest.DicomMetadataExtractor;
import io.rtr.ingest.DicomScp;
import io.rtr.ingest.PatientPseudonymizer;
import io.rtr.ingest.Spool;
import io.rtr.ingest.SpoolingReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, from one thread and without sockets, dcmtk or Kafka, the CPU per object (the whole
 * process's: the spool's slot and digest threads work for the receiver) of the two halves of
 * ingest: the receiver's (write into a spool slot, check, durable commit, the digest computed
 * meanwhile: what the association thread causes besides reading the socket) and then the task's
 * drain ({@link IngestBench#emit}: event, blob store, folder fsync, acknowledgement). On a shared
 * machine these figures move far less than {@link IngestBench}'s rates: no sender competes for the
 * cores and the halves do not overlap (a digest still running when the receive half ends is counted
 * in the drain's).
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
                    for (byte[] object : inputs) {
                        receive(receiver, object);
                    }
                    long received = IngestBench.processCpuNanos();
                    List<SpoolingReceiver.Spooled> batch = new ArrayList<>();
                    while (receiver.drainCommitted(batch, BATCH) > 0) {
                        IngestBench.emit(batch, spool, blobs, extractor, true);
                        batch.clear();
                    }
                    long drained = IngestBench.processCpuNanos();
                    if (round >= WARM_UP_ROUNDS) {
                        System.out.printf(Locale.ROOT, "CPU per object: receive %.3f ms, drain %.3f ms, both %.3f ms;"
                                        + " load average %.2f%n", (received - start) / 1e6 / objects,
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
