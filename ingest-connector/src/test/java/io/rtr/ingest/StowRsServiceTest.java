package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StowRsServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Spool spool;
    private SpoolingReceiver receiver;
    private StowRsService service;
    private final String study = TestDicom.newUid();

    @BeforeEach
    void setUp() throws Exception {
        spool = new Spool(dir.resolve("spool"));
        receiver = new SpoolingReceiver(spool, new DicomMetadataExtractor(
                new PatientPseudonymizer("0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8)), Map.of()));
        service = new StowRsService(receiver, 1L << 20, 2);
    }

    @Test
    void answers200AndSpoolsEveryInstanceWhenAllAreStored() throws Exception {
        String a = TestDicom.newUid();
        String b = TestDicom.newUid();
        byte[] body = new Multipart().dicom(mammogram(a)).dicom(mammogram(b)).close();

        StowRsService.Response response = service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), study);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentType()).isEqualTo("application/dicom+json");
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.has("00081198")).isFalse();
        assertThat(sopUids(json.get("00081199"))).containsExactly(a, b);
        assertThat(json.get("00081199").get("Value").get(0).get("00081150").get("Value").get(0).asText())
                .isEqualTo(TestDicom.MG_FOR_PRESENTATION);
        assertThat(spool.pending()).hasSize(2).allSatisfy(e -> {
            assertThat(e.source()).isEqualTo(IngestSource.STOW_RS);
            assertThat(e.callingAe()).isNull();
        });
        List<SpoolingReceiver.Spooled> committed = new ArrayList<>();
        assertThat(receiver.drainCommitted(committed, 10)).isEqualTo(2);
        assertThat(nonEmptySpoolFiles()).hasSize(2); // the entries, nothing else
    }

    @Test
    void queuesEachEntryWithTheChecksReadingUpToTheLimitSoTheTaskNeedNotParseItAgain() throws Exception {
        DicomMetadataExtractor extractor = new DicomMetadataExtractor(
                new PatientPseudonymizer("0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8)), Map.of());
        SpoolingReceiver keepingOne = new SpoolingReceiver(spool, extractor, 0, 1);
        String a = TestDicom.newUid();
        String b = TestDicom.newUid();
        byte[] body = new Multipart().dicom(mammogram(a)).dicom(mammogram(b)).close();

        new StowRsService(keepingOne, 1L << 20, 2).store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), study);

        List<SpoolingReceiver.Spooled> committed = new ArrayList<>();
        assertThat(keepingOne.drainCommitted(committed, 10)).isEqualTo(2);
        assertThat(committed.get(0).parsed().identity().sopInstanceUid()).isEqualTo(a);
        assertThat(committed.get(0).parse(extractor)).isSameAs(committed.get(0).parsed());
        assertThat(committed.get(1).parsed()).isNull(); // past the limit: read from the file again
        assertThat(committed.get(1).parse(extractor).identity().sopInstanceUid()).isEqualTo(b);
    }

    @Test
    void queuesEachEntryWithTheDigestOfItsCommittedFile() throws Exception {
        byte[] body = new Multipart().dicom(mammogram(TestDicom.newUid())).dicom(mammogram(TestDicom.newUid())).close();

        service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), study);

        List<SpoolingReceiver.Spooled> committed = new ArrayList<>();
        assertThat(receiver.drainCommitted(committed, 10)).isEqualTo(2);
        for (SpoolingReceiver.Spooled spooled : committed) {
            assertThat(spooled.digest()).isNotNull(); // computed while the commit waited, not by the task
            assertThat(spooled.sha256()).isEqualTo(BlobStore.sha256(spooled.entry().file()));
        }
    }

    @Test
    void digestThatFailedWhileCommittingIsComputedAgainFromTheFile() throws Exception {
        service.store(Multipart.CONTENT_TYPE,
                new ByteArrayInputStream(new Multipart().dicom(mammogram(TestDicom.newUid())).close()), study);
        List<SpoolingReceiver.Spooled> committed = new ArrayList<>();
        receiver.drainCommitted(committed, 10);
        Spool.Entry entry = committed.get(0).entry();

        SpoolingReceiver.Spooled failed = new SpoolingReceiver.Spooled(entry, null,
                CompletableFuture.failedFuture(new IOException("disk hiccup")));

        assertThat(failed.sha256()).isEqualTo(BlobStore.sha256(entry.file()));
        assertThat(new SpoolingReceiver.Spooled(entry).sha256()).isEqualTo(BlobStore.sha256(entry.file()));
    }

    @Test
    void replacesTheSendersPreambleWithTheSpoolsCompletionRecord() throws Exception {
        byte[] file = Files.readAllBytes(mammogram(TestDicom.newUid()));
        byte[] junk = "RTRSPOOL forged completion record".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(junk, 0, file, 0, junk.length);
        file[100] = 42;

        StowRsService.Response response = service.store(Multipart.CONTENT_TYPE,
                new ByteArrayInputStream(new Multipart().part("application/dicom", file).close()), null);

        assertThat(response.status()).isEqualTo(200);
        Path stored = spool.pending().get(0).file();
        byte[] bytes = Files.readAllBytes(stored);
        assertThat(Spool.hasCompletionRecord(stored)).isTrue();
        assertThat(bytes[100]).isZero();
        assertThat(Arrays.copyOfRange(bytes, 128, bytes.length)).isEqualTo(Arrays.copyOfRange(file, 128, file.length));
    }

    @Test
    void answers202WithFailureReasonsWhenSomeInstancesFail() throws Exception {
        String good = TestDicom.newUid();
        Path noSop = TestDicom.write(TestDicom.mammogram(study, TestDicom.newUid(), null, "L", "CC", 8),
                dir.resolve("nosop.dcm"));
        byte[] body = new Multipart().dicom(mammogram(good)).dicom(noSop)
                .part("application/dicom", "not DICOM at all".getBytes(StandardCharsets.US_ASCII)).close();

        StowRsService.Response response = service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), null);

        assertThat(response.status()).isEqualTo(202);
        JsonNode json = JSON.readTree(response.body());
        assertThat(sopUids(json.get("00081199"))).containsExactly(good);
        JsonNode failed = json.get("00081198").get("Value");
        assertThat(failed).hasSize(2);
        assertThat(failed.get(0).get("00081197").get("Value").get(0).asInt()).isEqualTo(0xA900);
        assertThat(failed.get(0).get("00000902").get("Value").get(0).asText()).contains("SOP Instance UID");
        assertThat(failed.get(1).get("00081197").get("Value").get(0).asInt()).isEqualTo(0xC000);
        assertThat(receiver.drainRejections()).extracting(InstanceRejected::getReasonCode)
                .containsExactly(RejectReason.MISSING_ATTRIBUTE, RejectReason.MALFORMED_DICOM);
        assertThat(spool.pending()).hasSize(1);
    }

    @Test
    void answers409WhenEveryInstanceFailsIncludingOnesOfAnotherStudy() throws Exception {
        Path otherStudy = TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), TestDicom.newUid(),
                "L", "CC", 8);
        byte[] body = new Multipart().dicom(otherStudy).close();

        StowRsService.Response response = service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), study);

        assertThat(response.status()).isEqualTo(409);
        JsonNode item = JSON.readTree(response.body()).get("00081198").get("Value").get(0);
        assertThat(item.get("00081197").get("Value").get(0).asInt()).isEqualTo(0xA900);
        assertThat(item.get("00000902").get("Value").get(0).asText()).contains("differs from the requested study");
        assertThat(receiver.drainRejections()).extracting(InstanceRejected::getReasonCode)
                .containsExactly(RejectReason.ATTRIBUTE_MISMATCH);
        assertThat(spool.pending()).isEmpty();
    }

    @Test
    void failsAnOversizedPartWithA700AndStillStoresTheNext() throws Exception {
        StowRsService small = new StowRsService(receiver, 4096, 1);
        String fits = TestDicom.newUid();
        Path large = TestDicom.writeMammogram(dir, study, TestDicom.newUid(), TestDicom.newUid(), "L", "CC", 64);
        Path tiny = TestDicom.writeMammogram(dir, study, TestDicom.newUid(), fits, "R", "CC", 4);
        byte[] body = new Multipart().dicom(large).dicom(tiny).close();

        StowRsService.Response response = small.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), null);

        assertThat(response.status()).isEqualTo(202);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.get("00081198").get("Value").get(0).get("00081197").get("Value").get(0).asInt())
                .isEqualTo(0xA700);
        assertThat(sopUids(json.get("00081199"))).containsExactly(fits);
        assertThat(receiver.drainRejections()).extracting(InstanceRejected::getReasonCode)
                .containsExactly(RejectReason.OBJECT_TOO_LARGE);
    }

    @Test
    void answers415ForAnythingButMultipartRelatedOfApplicationDicom() throws Exception {
        byte[] file = Files.readAllBytes(mammogram(TestDicom.newUid()));
        for (String type : List.of("application/dicom", "multipart/related; boundary=x",
                "multipart/related; type=\"application/dicom+json\"; boundary=x", "multipart/form-data; boundary=x")) {
            StowRsService.Response response = service.store(type, new ByteArrayInputStream(file), null);

            assertThat(response.status()).as(type).isEqualTo(415);
            assertThat(response.contentType()).isEqualTo("application/json");
            assertThat(JSON.readTree(response.body()).get("error").asText())
                    .contains("multipart/related; type=\"application/dicom\"");
        }
        assertThat(service.store(null, emptyBody(), null).status()).isEqualTo(415);
        assertThat(spool.pending()).isEmpty();
    }

    @Test
    void answers400ForAMalformedOrCutOffBodyOrABadStudyUid() throws Exception {
        byte[] cut = new Multipart().dicom(mammogram(TestDicom.newUid())).unterminated();
        StowRsService.Response cutOff = service.store(Multipart.CONTENT_TYPE,
                new ByteArrayInputStream(Arrays.copyOf(cut, cut.length - 100)), null);
        StowRsService.Response noBoundary = service.store(Multipart.CONTENT_TYPE,
                new ByteArrayInputStream("plain text".getBytes(StandardCharsets.US_ASCII)), null);
        StowRsService.Response noBoundaryParameter = service.store("multipart/related; type=\"application/dicom\"",
                emptyBody(), null);
        StowRsService.Response empty = service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(
                new Multipart().close()), null);
        StowRsService.Response badStudy = service.store(Multipart.CONTENT_TYPE, emptyBody(), "../etc");

        assertThat(List.of(cutOff, noBoundary, noBoundaryParameter, empty, badStudy))
                .extracting(StowRsService.Response::status).containsOnly(400);
        assertThat(JSON.readTree(cutOff.body()).get("error").asText()).contains("cut off");
        assertThat(receiver.drainRejections()).extracting(InstanceRejected::getReasonCode)
                .containsExactly(RejectReason.MALFORMED_DICOM);
        assertThat(spool.pending()).isEmpty();
        assertThat(nonEmptySpoolFiles()).isEmpty(); // nothing half-written left
    }

    @Test
    void answers503WithRetryAfterUnderBackPressureAndStoresNothing() throws Exception {
        receiver.setDownstreamRefusal(() -> "Kafka has not acknowledged an event for 200000 ms");
        byte[] body = new Multipart().dicom(mammogram(TestDicom.newUid())).close();

        StowRsService.Response response = service.store(Multipart.CONTENT_TYPE, new ByteArrayInputStream(body), null);

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.headers()).containsEntry("Retry-After", "30");
        assertThat(JSON.readTree(response.body()).get("error").asText()).contains("Kafka has not acknowledged");
        assertThat(spool.pending()).isEmpty();
    }

    /** Spool files holding bytes: the spool also keeps empty files ready for the next objects. */
    private List<Path> nonEmptySpoolFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("spool").resolve("ready"))) {
            return files.filter(f -> f.toFile().length() > 0).toList();
        }
    }

    private Path mammogram(String sop) throws Exception {
        return TestDicom.writeMammogram(dir, study, TestDicom.newUid(), sop, "L", "CC", 16);
    }

    private static ByteArrayInputStream emptyBody() {
        return new ByteArrayInputStream(new byte[0]);
    }

    private static List<String> sopUids(JsonNode sequence) {
        List<String> uids = new ArrayList<>();
        sequence.get("Value").forEach(item -> uids.add(item.get("00081155").get("Value").get(0).asText()));
        return uids;
    }
}
