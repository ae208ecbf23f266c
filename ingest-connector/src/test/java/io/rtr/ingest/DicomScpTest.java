package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.pixelmed.dicom.SetOfDicomFiles;
import com.pixelmed.network.MultipleInstanceTransferStatusHandler;
import com.pixelmed.network.StorageSOPClassSCU;
import com.pixelmed.network.VerificationSOPClassSCU;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DicomScpTest {

    private static final String AE = "RTR";
    private static final PatientPseudonymizer PSEUDONYMIZER =
            new PatientPseudonymizer("0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private DicomScp scp;
    private Spool spool;
    private SpoolingReceiver receiver;

    @AfterEach
    void stop() {
        if (scp != null) {
            scp.close();
        }
    }

    private void start(Set<String> allowedCallingAes, int maxAssociations, long maxObjectBytes) throws IOException {
        start(allowedCallingAes, maxAssociations, maxObjectBytes, 0);
    }

    private void start(Set<String> allowedCallingAes, int maxAssociations, long maxObjectBytes, long minFreeBytes)
            throws IOException {
        spool = new Spool(dir.resolve("spool"));
        receiver = new SpoolingReceiver(spool, new DicomMetadataExtractor(PSEUDONYMIZER, Map.of()), minFreeBytes);
        scp = DicomScp.start(new DicomScp.Settings("127.0.0.1", 0, AE, allowedCallingAes, maxAssociations,
                maxObjectBytes, 64 * 1024, Duration.ofSeconds(20)), receiver);
    }

    private void start() throws IOException {
        start(Set.of(), 4, 64L * 1024 * 1024);
    }

    @Test
    void answersEchoFromPixelMed() throws Exception {
        start();

        new VerificationSOPClassSCU("127.0.0.1", scp.port(), AE, "ECHOSCU", false);
    }

    @Test
    void storesEveryInstanceOfAStudyFromPixelMedExactlyOnceWithMatchingDigest() throws Exception {
        start();
        Map<String, Path> sent = writeStudy(4);
        SetOfDicomFiles files = new SetOfDicomFiles();
        for (Path p : sent.values()) {
            files.add(p.toFile());
        }
        AtomicInteger failed = new AtomicInteger();
        new StorageSOPClassSCU("127.0.0.1", scp.port(), AE, "PIXELMEDSCU", files, 0,
                new MultipleInstanceTransferStatusHandler() {
                    @Override
                    public void updateStatus(int remaining, int completed, int nFailed, int warning, String sop) {
                        failed.set(nFailed);
                    }
                });

        assertThat(failed).hasValue(0);
        assertSpoolHoldsExactly(sent, "PIXELMEDSCU");
    }

    @Test
    void storesEveryInstanceOfAStudyFromDcmtkStorescuExactlyOnceWithMatchingDigest() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/storescu")), "dcmtk storescu is not installed");
        start();
        Map<String, Path> sent = writeStudy(4);
        List<String> command = new ArrayList<>(List.of("/usr/bin/storescu", "-aet", "DCMTK", "-aec", AE,
                "127.0.0.1", Integer.toString(scp.port())));
        sent.values().forEach(p -> command.add(p.toString()));

        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(output).isZero();
        assertSpoolHoldsExactly(sent, "DCMTK");
    }

    @Test
    void acceptsCompressedTransferSyntaxAsSentByDcmtk() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/storescu")) && Files.isExecutable(Path.of("/usr/bin/dcmcjpeg")),
                "dcmtk storescu / dcmcjpeg are not installed");
        start();
        String sop = TestDicom.newUid();
        Path plain = TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop, "R", "CC", 64);
        Path jpeg = dir.resolve("jpeg.dcm");
        Process convert = new ProcessBuilder("/usr/bin/dcmcjpeg", plain.toString(), jpeg.toString())
                .redirectErrorStream(true).start();
        assertThat(convert.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assumeTrue(convert.exitValue() == 0, "dcmcjpeg could not compress the test image");

        Process send = new ProcessBuilder("/usr/bin/storescu", "-xs", "-aet", "DCMTK", "-aec", AE, "127.0.0.1",
                Integer.toString(scp.port()), jpeg.toString()).redirectErrorStream(true).start();
        assertThat(send.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(send.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(send.exitValue()).as(output).isZero();
        List<Spool.Entry> pending = spool.pending();
        assertThat(pending).hasSize(1);
        assertThat(new DicomMetadataExtractor(PSEUDONYMIZER, Map.of()).check(pending.get(0).file()).identity().transferSyntaxUid())
                .isEqualTo("1.2.840.10008.1.2.4.70");
    }

    @Test
    void abortsNonDicomBytesAndKeepsServing() throws Exception {
        start();
        try (RawScu junk = new RawScu(scp.port())) {
            junk.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawScu.Response answer = junk.readPdu();
            assertThat(answer.type()).isEqualTo(Pdu.ABORT);
        }
        assertKeepsServing();
    }

    @Test
    void rejectsUnknownCallingAeAndKeepsServing() throws Exception {
        start(Set.of("GOODSCU"), 4, 1 << 20);
        try (RawScu scu = new RawScu(scp.port())) {
            RawScu.Response answer = scu.associate("EVILSCU", AE);
            assertThat(answer.type()).isEqualTo(Pdu.ASSOCIATE_RJ);
            // permanent, service user, calling AE title not recognized
            assertThat(Arrays.copyOfRange(answer.body(), 1, 4)).containsExactly(1, 1, 3);
        }
        try (RawScu scu = new RawScu(scp.port())) {
            assertThat(scu.associate("GOODSCU", AE).type()).isEqualTo(Pdu.ASSOCIATE_AC);
            assertThat(scu.echo().status()).isZero();
        }
    }

    @Test
    void rejectsWrongCalledAe() throws Exception {
        start();
        try (RawScu scu = new RawScu(scp.port())) {
            RawScu.Response answer = scu.associate("SCU", "NOTRTR");
            assertThat(answer.type()).isEqualTo(Pdu.ASSOCIATE_RJ);
            assertThat(Arrays.copyOfRange(answer.body(), 1, 4)).containsExactly(1, 1, 7);
        }
    }

    @Test
    void rejectsAssociationsBeyondTheLimitAsTransient() throws Exception {
        start(Set.of(), 1, 1 << 20);
        try (RawScu first = new RawScu(scp.port()); RawScu second = new RawScu(scp.port())) {
            assertThat(first.associate("SCU", AE).type()).isEqualTo(Pdu.ASSOCIATE_AC);
            RawScu.Response answer = second.associate("SCU", AE);
            assertThat(answer.type()).isEqualTo(Pdu.ASSOCIATE_RJ);
            // transient, service provider (presentation), local limit exceeded
            assertThat(Arrays.copyOfRange(answer.body(), 1, 4)).containsExactly(2, 3, 2);
            assertThat(first.release().type()).isEqualTo(Pdu.RELEASE_RP);
        }
        assertKeepsServing();
    }

    @Test
    void rejectsAssociationsAsTransientWhileTheSpoolDiskIsTooFull() throws Exception {
        start(Set.of(), 4, 1 << 20, Long.MAX_VALUE);
        try (RawScu scu = new RawScu(scp.port())) {
            RawScu.Response answer = scu.associate("SCU", AE);
            assertThat(answer.type()).isEqualTo(Pdu.ASSOCIATE_RJ);
            // transient, service provider (presentation), temporary congestion
            assertThat(Arrays.copyOfRange(answer.body(), 1, 4)).containsExactly(2, 3, 1);
        }
    }

    @Test
    void refusesTruncatedObjectWithCannotUnderstandAndARejection() throws Exception {
        start();
        String sop = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop,
                "L", "CC", 64));
        byte[] truncated = Arrays.copyOf(dataSet, dataSet.length - 1000);

        RawScu.Status status = storeRaw(sop, truncated);

        assertThat(status.status()).isEqualTo(0xC000);
        assertThat(status.errorComment()).contains("truncated");
        assertRejected(sop, RejectReason.MALFORMED_DICOM);
        assertThat(spool.pending()).isEmpty();
        assertKeepsServing();
    }

    @Test
    void refusesObjectWithoutSopInstanceUid() throws Exception {
        start();
        String study = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.write(TestDicom.mammogram(study, TestDicom.newUid(), null, "L",
                "CC", 8), dir.resolve("nosop.dcm")));

        RawScu.Status status = storeRaw("1.2.3.4", dataSet);

        assertThat(status.status()).isEqualTo(0xA900);
        assertThat(status.errorComment()).contains("SOP Instance UID");
        InstanceRejected rejection = assertRejected("1.2.3.4", RejectReason.MISSING_ATTRIBUTE);
        assertThat(rejection.getStudyInstanceUid()).isEqualTo(study);
        assertThat(spool.pending()).isEmpty();
        assertKeepsServing();
    }

    @Test
    void refusesOversizedObjectWithOutOfResources() throws Exception {
        start(Set.of(), 4, 20_000);
        String sop = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop,
                "L", "CC", 128));

        RawScu.Status status = storeRaw(sop, dataSet);

        assertThat(status.status()).isEqualTo(0xA700);
        assertThat(status.errorComment()).contains("exceeds 20000 bytes");
        assertRejected(sop, RejectReason.OBJECT_TOO_LARGE);
        assertThat(spool.pending()).isEmpty();
        try (var tmp = Files.list(dir.resolve("spool").resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
        assertKeepsServing();
    }

    @Test
    void recordsARejectionWhenTheConnectionDropsMidObject() throws Exception {
        start();
        String sop = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop,
                "L", "CC", 128));
        try (RawScu scu = new RawScu(scp.port())) {
            assertThat(scu.associate("SCU", AE).type()).isEqualTo(Pdu.ASSOCIATE_AC);
            scu.sendStore(sop, dataSet, 16000, false);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> !pendingRejections().isEmpty());
        assertThat(drained).singleElement().satisfies(r -> {
            assertThat(r.getSopInstanceUid()).isEqualTo(sop);
            assertThat(r.getReasonCode()).isEqualTo(RejectReason.MALFORMED_DICOM);
        });
        assertThat(spool.pending()).isEmpty();
        assertKeepsServing();
    }

    private final List<InstanceRejected> drained = new ArrayList<>();

    private List<InstanceRejected> pendingRejections() {
        drained.addAll(receiver.drainRejections());
        return drained;
    }

    private RawScu.Status storeRaw(String sop, byte[] dataSet) throws IOException {
        try (RawScu scu = new RawScu(scp.port())) {
            assertThat(scu.associate("SCU", AE).type()).isEqualTo(Pdu.ASSOCIATE_AC);
            RawScu.Status status = scu.store(sop, dataSet);
            assertThat(scu.release().type()).isEqualTo(Pdu.RELEASE_RP);
            return status;
        }
    }

    private InstanceRejected assertRejected(String sop, RejectReason reason) {
        List<InstanceRejected> rejections = receiver.drainRejections();
        assertThat(rejections).singleElement().satisfies(r -> {
            assertThat(r.getSopInstanceUid()).isEqualTo(sop);
            assertThat(r.getReasonCode()).isEqualTo(reason);
            assertThat(r.getStage()).isEqualTo(SpoolingReceiver.STAGE);
            assertThat(r.getMessage()).doesNotContain(TestDicom.PATIENT_ID, "Doe");
        });
        return rejections.get(0);
    }

    private void assertKeepsServing() throws Exception {
        String sop = TestDicom.newUid();
        byte[] dataSet = TestDicom.dataSet(TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop,
                "R", "MLO", 8));
        int before = spool.pending().size();
        try (RawScu scu = new RawScu(scp.port())) {
            assertThat(scu.associate("GOODSCU", AE).type()).isEqualTo(Pdu.ASSOCIATE_AC);
            assertThat(scu.echo().status()).isZero();
            assertThat(scu.store(sop, dataSet).status()).isZero();
            assertThat(scu.release().type()).isEqualTo(Pdu.RELEASE_RP);
        }
        assertThat(spool.pending()).hasSize(before + 1);
    }

    private Map<String, Path> writeStudy(int instances) throws Exception {
        String study = TestDicom.newUid();
        String series = TestDicom.newUid();
        Path out = Files.createDirectories(dir.resolve("sent"));
        Map<String, Path> files = new HashMap<>();
        String[][] views = {{"L", "CC"}, {"R", "CC"}, {"L", "MLO"}, {"R", "MLO"}};
        for (int i = 0; i < instances; i++) {
            String sop = TestDicom.newUid();
            files.put(sop, TestDicom.writeMammogram(out, study, series, sop, views[i % 4][0], views[i % 4][1], 64));
        }
        return files;
    }

    private void assertSpoolHoldsExactly(Map<String, Path> sent, String callingAe) throws Exception {
        List<Spool.Entry> pending = spool.pending();
        DicomMetadataExtractor extractor = new DicomMetadataExtractor(PSEUDONYMIZER, Map.of());
        Map<String, String> spooledDigests = new HashMap<>();
        for (Spool.Entry entry : pending) {
            String sop = extractor.check(entry.file()).identity().sopInstanceUid();
            assertThat(spooledDigests.put(sop, TestDicom.sha256(TestDicom.dataSet(entry.file()))))
                    .as("SOP instance %s spooled twice", sop).isNull();
            assertThat(entry.callingAe()).isEqualTo(callingAe);
            assertThat(entry.calledAe()).isEqualTo(AE);
        }
        assertThat(spooledDigests).hasSize(sent.size());
        for (Map.Entry<String, Path> e : sent.entrySet()) {
            assertThat(spooledDigests.get(e.getKey())).as("digest of %s", e.getKey())
                    .isEqualTo(TestDicom.sha256(TestDicom.dataSet(e.getValue())));
        }
        assertThat(receiver.drainRejections()).isEmpty();
    }
}
