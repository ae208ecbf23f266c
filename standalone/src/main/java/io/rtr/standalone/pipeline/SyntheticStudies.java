package io.rtr.standalone.pipeline;

import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.network.MultipleInstanceTransferStatusHandler;
import com.pixelmed.network.StorageSOPClassSCU;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.StudyIdentity;
import io.rtr.inference.phantom.PhantomGenerator.View;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends synthetic screening studies into the running pipeline the way a clinic would: an order in
 * the RIS table, then the four views over DICOM C-STORE. Every other study carries a lesion (a
 * mass or a calcification cluster) so the worklist shows suspicious studies moving to the top.
 */
public final class SyntheticStudies {

    private static final Logger log = LoggerFactory.getLogger(SyntheticStudies.class);
    /** Phantom size sent: realistic aspect, small enough to generate and score in a blink. */
    private static final int ROWS = 256;
    private static final int COLUMNS = 208;

    /** One study that was sent. */
    public record Sent(String studyInstanceUid, String accessionNumber, Lesion lesion, List<Path> files) {
    }

    private SyntheticStudies() {
    }

    /** The lesion of the {@code index}-th study: none, mass, none, calcifications, ... */
    static Lesion lesionOf(int index) {
        return switch (index % 4) {
            case 1 -> Lesion.MASS;
            case 3 -> Lesion.CALCIFICATIONS;
            default -> Lesion.NONE;
        };
    }

    /**
     * Orders and sends {@code count} studies; seeds start at {@code firstSeed} so runs can choose
     * new or repeated studies.
     *
     * @param connection the RIS database (table {@code ris.orders})
     * @param reader the radiologist the orders name, or null to leave assignment to the rules
     */
    public static List<Sent> send(int count, long firstSeed, Path workDir, Connection connection, String reader,
                                  String host, int port, String calledAe) throws IOException, SQLException {
        List<Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long seed = firstSeed + i;
            Lesion lesion = lesionOf(i);
            StudyIdentity identity = StudyIdentity.fromSeed(seed);
            List<Path> files = PhantomGenerator.writeStudy(Files.createDirectories(workDir.resolve(Long.toString(seed))),
                    seed, ROWS, COLUMNS, lesion, i % 2 == 0 ? Laterality.L : Laterality.R,
                    i % 3 == 0 ? View.CC : View.MLO);
            // Half of the patients are still in the clinic: their suspicious studies go first.
            order(connection, identity.accessionNumber(), reader, i % 2 == 1 ? Instant.now().minusSeconds(300) : null);
            store(files, host, port, calledAe);
            sent.add(new Sent(identity.studyInstanceUid(), identity.accessionNumber(), lesion, files));
            log.info("Synthetic study {} sent ({} lesion, accession {})", identity.studyInstanceUid(),
                    lesion.name().toLowerCase(), identity.accessionNumber());
        }
        return sent;
    }

    private static void order(Connection connection, String accession, String reader, Instant arrived)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + ClinicRis.ORDERS_TABLE
                + " (accession_number, ordering_site, scheduled_at, patient_arrived, order_priority, assigned_reader)"
                + " VALUES (?, 'clinic-demo', ?, ?, 'ROUTINE', ?) ON CONFLICT (accession_number) DO NOTHING")) {
            insert.setString(1, accession);
            insert.setTimestamp(2, Timestamp.from(Instant.now()));
            insert.setTimestamp(3, arrived == null ? null : Timestamp.from(arrived));
            insert.setString(4, reader);
            insert.executeUpdate();
        }
    }

    /** Sends {@code files} over one association with PixelMed's SCU; fails when any store failed. */
    public static void store(List<Path> files, String host, int port, String calledAe) throws IOException {
        SetOfDicomFiles set = new SetOfDicomFiles();
        for (Path file : files) {
            set.add(file.toFile());
        }
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        try {
            new StorageSOPClassSCU(host, port, calledAe, "RTRDEMO", set, 0,
                    new MultipleInstanceTransferStatusHandler() {
                        @Override
                        public void updateStatus(int remaining, int done, int nFailed, int warning, String sop) {
                            completed.set(done);
                            failed.set(nFailed);
                        }
                    });
        } catch (Exception e) {
            throw new IOException("C-STORE to " + calledAe + "@" + host + ":" + port + " failed: " + e.getMessage(), e);
        }
        if (failed.get() > 0 || completed.get() != files.size()) {
            throw new IOException("C-STORE to " + calledAe + "@" + host + ":" + port + ": " + completed.get() + " of "
                    + files.size() + " stored, " + failed.get() + " failed");
        }
    }
}
