package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.RejectReason;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DicomMetadataExtractorTest {

    private static final PatientPseudonymizer PSEUDONYMIZER =
            new PatientPseudonymizer("0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private final DicomMetadataExtractor extractor = new DicomMetadataExtractor(PSEUDONYMIZER, Map.of("MODALITY1", "clinic-7"));

    @Test
    void extractsEveryFieldFromMammogramAndOnlyThePseudonymOfThePatient() throws Exception {
        String study = TestDicom.newUid();
        String series = TestDicom.newUid();
        String sop = TestDicom.newUid();
        Path file = TestDicom.writeMammogram(dir, study, series, sop, "L", "CC", 16);
        Instant receivedAt = Instant.parse("2026-03-01T10:15:30.123Z");
        BlobStore.StoredBlob blob = new BlobStore.StoredBlob(URI.create("file:///blobs/x.dcm"), 1234, "ab".repeat(32),
                null, false);

        InstanceReceived event = extractor.extract(file,
                new DicomMetadataExtractor.Receipt("MODALITY1", "RTR", receivedAt, IngestSource.DIMSE), blob, false);

        assertThat(event.getStudyInstanceUid()).isEqualTo(study);
        assertThat(event.getSeriesInstanceUid()).isEqualTo(series);
        assertThat(event.getSopInstanceUid()).isEqualTo(sop);
        assertThat(event.getSopClassUid()).isEqualTo(TestDicom.MG_FOR_PRESENTATION);
        assertThat(event.getTransferSyntaxUid()).isEqualTo(Pdu.EXPLICIT_VR_LITTLE_ENDIAN);
        assertThat(event.getModality()).isEqualTo("MG");
        assertThat(event.getViewPosition()).isEqualTo("CC");
        assertThat(event.getImageLaterality()).isEqualTo("L");
        assertThat(event.getImageType()).containsExactly("ORIGINAL", "PRIMARY");
        assertThat(event.getBodyPartExamined()).isEqualTo("BREAST");
        assertThat(event.getBreastImplantPresent()).isFalse();
        assertThat(event.getPresentationIntentType()).isEqualTo("FOR PRESENTATION");
        assertThat(event.getRows()).isEqualTo(16);
        assertThat(event.getColumns()).isEqualTo(16);
        assertThat(event.getBitsAllocated()).isEqualTo(16);
        assertThat(event.getBitsStored()).isEqualTo(12);
        assertThat(event.getManufacturer()).isEqualTo("ACME");
        assertThat(event.getManufacturerModelName()).isEqualTo("Mammo 3000");
        assertThat(event.getPatientPseudonym()).isEqualTo(PSEUDONYMIZER.pseudonym("CLINIC-A", TestDicom.PATIENT_ID));
        assertThat(event.getPatientAgeYears()).isEqualTo(56);
        assertThat(event.getAccessionNumber()).isEqualTo("ACC-42");
        assertThat(event.getCallingAeTitle()).isEqualTo("MODALITY1");
        assertThat(event.getCalledAeTitle()).isEqualTo("RTR");
        assertThat(event.getClinicId()).isEqualTo("clinic-7");
        assertThat(event.getBlobUri()).isEqualTo("file:///blobs/x.dcm");
        assertThat(event.getBlobSizeBytes()).isEqualTo(1234);
        assertThat(event.getSha256()).isEqualTo("ab".repeat(32));
        assertThat(event.getReceivedAt()).isEqualTo(receivedAt);
        assertThat(event.getReplacement()).isFalse();
        assertThat(event.getSource()).isEqualTo(IngestSource.DIMSE);
        assertThat(event.toString()).doesNotContain(TestDicom.PATIENT_ID, "Doe", TestDicom.BIRTH_DATE);
    }

    @Test
    void computesAgeFromBirthDateWhenPatientAgeIsMissing() throws Exception {
        var list = TestDicom.mammogram(TestDicom.newUid(), TestDicom.newUid(), TestDicom.newUid(), "R", "MLO", 8);
        list.remove(DicomMetadataExtractor.PATIENT_AGE);
        Path file = TestDicom.write(list, dir.resolve("noage.dcm"));

        InstanceReceived event = extractor.extract(file, new DicomMetadataExtractor.Receipt(null, null, Instant.now(),
                IngestSource.STOW_RS), new BlobStore.StoredBlob(URI.create("file:///b"), 1, "00", null, false), true);

        // born 1970-03-15, study 2026-03-01: not yet 56
        assertThat(event.getPatientAgeYears()).isEqualTo(55);
        assertThat(event.getClinicId()).isNull();
        assertThat(event.getReplacement()).isTrue();
    }

    @Test
    void checkReturnsTheIdentifyingUids() throws Exception {
        String study = TestDicom.newUid();
        String sop = TestDicom.newUid();
        Path file = TestDicom.writeMammogram(dir, study, TestDicom.newUid(), sop, "L", "MLO", 8);

        DicomMetadataExtractor.Identity id = extractor.check(file).identity();

        assertThat(id.studyInstanceUid()).isEqualTo(study);
        assertThat(id.sopInstanceUid()).isEqualTo(sop);
        assertThat(id.transferSyntaxUid()).isEqualTo(Pdu.EXPLICIT_VR_LITTLE_ENDIAN);
    }

    @Test
    void rejectsInstanceWithoutSopInstanceUid() throws Exception {
        String study = TestDicom.newUid();
        Path file = TestDicom.write(TestDicom.mammogram(study, TestDicom.newUid(), null, "L", "CC", 8),
                dir.resolve("nosop.dcm"));

        assertThatThrownBy(() -> extractor.check(file))
                .isInstanceOfSatisfying(DicomMetadataExtractor.InvalidDicomException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.MISSING_ATTRIBUTE);
                    assertThat(e.getMessage()).contains("SOP Instance UID");
                    assertThat(e.studyInstanceUid()).isEqualTo(study);
                });
    }

    @Test
    void rejectsTruncatedObjectAsMalformed() throws Exception {
        Path file = TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), TestDicom.newUid(), "L", "CC", 32);
        byte[] all = Files.readAllBytes(file);
        Path truncated = Files.write(dir.resolve("truncated.dcm"), Arrays.copyOf(all, all.length - 700));

        assertThatThrownBy(() -> extractor.check(truncated))
                .isInstanceOfSatisfying(DicomMetadataExtractor.InvalidDicomException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED_DICOM));
    }

    @Test
    void rejectsBytesThatAreNotDicom() throws Exception {
        Path junk = Files.write(dir.resolve("junk.dcm"), "hello, this is not DICOM at all".repeat(10)
                .getBytes(StandardCharsets.US_ASCII));

        assertThatThrownBy(() -> extractor.check(junk))
                .isInstanceOfSatisfying(DicomMetadataExtractor.InvalidDicomException.class,
                        e -> assertThat(e.reason()).isIn(List.of(RejectReason.MALFORMED_DICOM,
                                RejectReason.MISSING_ATTRIBUTE)));
    }

    @Test
    void parsingOnceGivesTheSameIdentityAndEventAsReadingTwice() throws Exception {
        String sop = TestDicom.newUid();
        Path file = TestDicom.writeMammogram(dir, TestDicom.newUid(), TestDicom.newUid(), sop, "R", "MLO", 16);
        BlobStore.StoredBlob blob = new BlobStore.StoredBlob(URI.create("file:///blobs/y.dcm"), 99, "cd".repeat(32),
                null, false);
        DicomMetadataExtractor.Receipt receipt = new DicomMetadataExtractor.Receipt(null, null,
                Instant.parse("2026-03-01T10:15:30Z"), IngestSource.STOW_RS);

        DicomMetadataExtractor.Parsed parsed = extractor.parse(file);

        assertThat(parsed.identity()).isEqualTo(extractor.identify(file));
        assertThat(parsed.identity().sopInstanceUid()).isEqualTo(sop);
        assertThat(parsed.event(receipt, blob, true)).isEqualTo(extractor.extract(file, receipt, blob, true));
    }
}
