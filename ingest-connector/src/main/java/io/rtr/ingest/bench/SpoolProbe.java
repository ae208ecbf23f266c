package io.rtr.ingest.bench;

import io.rtr.ingest.Spool;
import io.rtr.schemas.IngestSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures the spool's receive path alone (open an entry file, write the object, commit, remove):
 * CPU of the receiving thread and of the process, and wall time per object. Steadier than
 * {@link IngestBench} on a shared machine, because no sender and no drain compete for the cores.
 *
 * <pre>
 * java -cp ingest-connector/target/classes:... io.rtr.ingest.bench.SpoolProbe [objects per round (400)] [KiB (512)]
 * </pre>
 * Prints one line per round after a first unmeasured one; run it several times, alternating the
 * versions to compare.
 */
public final class SpoolProbe {

    private static final int ROUNDS = 4;
    private static final int CHUNK = 16 * 1024;

    private SpoolProbe() {
    }

    /** Runs the probe in a new temporary folder on the default file system, deleted afterwards. */
    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int chunks = (args.length > 1 ? Integer.parseInt(args[1]) : 512) * 1024 / CHUNK;
        Path dir = Files.createTempDirectory("spool-probe");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        byte[] chunk = new byte[CHUNK];
        Arrays.fill(chunk, (byte) 7);
        try (Spool spool = new Spool(dir)) {
            for (int round = 0; round < ROUNDS; round++) {
                long cpu = threads.getCurrentThreadCpuTime();
                long user = threads.getCurrentThreadUserTime();
                long process = IngestBench.processCpuNanos();
                long wall = System.nanoTime();
                for (int i = 0; i < objects; i++) {
                    Spool.EntryFile incoming = spool.newEntryFile("PROBE", "RTR", IngestSource.DIMSE);
                    try (incoming) {
                        for (int k = 0; k < chunks; k++) {
                            incoming.write(chunk, 0, CHUNK);
                        }
                    }
                    spool.remove(spool.commit(incoming));
                }
                if (round > 0) {
                    System.out.printf(Locale.ROOT, "receiving thread CPU %.3f ms (user %.3f), process CPU %.3f ms,"
                                    + " wall %.3f ms per object; load average %.2f%n",
                            (threads.getCurrentThreadCpuTime() - cpu) / 1e6 / objects,
                            (threads.getCurrentThreadUserTime() - user) / 1e6 / objects,
                            (IngestBench.processCpuNanos() - process) / 1e6 / objects,
                            (System.nanoTime() - wall) / 1e6 / objects, IngestBench.loadAverage());
                }
            }
        } finally {
            IngestBench.deleteTree(dir);
        }
    }
}
