package io.rtr.ingest;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.RejectReason;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Reads a received Part 10 object with PixelMed and turns it into the {@link InstanceReceived}
 * event: UIDs, the attributes triage rules use, and the patient only as a keyed pseudonym (Patient
 * Name, Patient ID and Birth Date are read but never copied into the event or a log line).
 */
public final class DicomMetadataExtractor {

    static final AttributeTag TRANSFER_SYNTAX_UID = new AttributeTag(0x0002, 0x0010);
    static final AttributeTag MEDIA_STORAGE_SOP_CLASS_UID = new AttributeTag(0x0002, 0x0002);
    static final AttributeTag IMAGE_TYPE = new AttributeTag(0x0008, 0x0008);
    static final AttributeTag SOP_CLASS_UID = new AttributeTag(0x0008, 0x0016);
    static final AttributeTag SOP_INSTANCE_UID = new AttributeTag(0x0008, 0x0018);
    static final AttributeTag STUDY_DATE = new AttributeTag(0x0008, 0x0020);
    static final AttributeTag ACQUISITION_DATE = new AttributeTag(0x0008, 0x0022);
    static final AttributeTag CONTENT_DATE = new AttributeTag(0x0008, 0x0023);
    static final AttributeTag ACCESSION_NUMBER = new AttributeTag(0x0008, 0x0050);
    static final AttributeTag MODALITY = new AttributeTag(0x0008, 0x0060);
    static final AttributeTag PRESENTATION_INTENT_TYPE = new AttributeTag(0x0008, 0x0068);
    static final AttributeTag MANUFACTURER = new AttributeTag(0x0008, 0x0070);
    static final AttributeTag MANUFACTURER_MODEL_NAME = new AttributeTag(0x0008, 0x1090);
    static final AttributeTag PATIENT_ID = new AttributeTag(0x0010, 0x0020);
    static final AttributeTag ISSUER_OF_PATIENT_ID = new AttributeTag(0x0010, 0x0021);
    static final AttributeTag PATIENT_BIRTH_DATE = new AttributeTag(0x0010, 0x0030);
    static final AttributeTag PATIENT_AGE = new AttributeTag(0x0010, 0x1010);
    static final AttributeTag BODY_PART_EXAMINED = new AttributeTag(0x0018, 0x0015);
    static final AttributeTag VIEW_POSITION = new AttributeTag(0x0018, 0x5101);
    static final AttributeTag STUDY_INSTANCE_UID = new AttributeTag(0x0020, 0x000D);
    static final AttributeTag SERIES_INSTANCE_UID = new AttributeTag(0x0020, 0x000E);
    static final AttributeTag LATERALITY = new AttributeTag(0x0020, 0x0060);
    static final AttributeTag IMAGE_LATERALITY = new AttributeTag(0x0020, 0x0062);
    static final AttributeTag ROWS = new AttributeTag(0x0028, 0x0010);
    static final AttributeTag COLUMNS = new AttributeTag(0x0028, 0x0011);
    static final AttributeTag BITS_ALLOCATED = new AttributeTag(0x0028, 0x0100);
    static final AttributeTag BITS_STORED = new AttributeTag(0x0028, 0x0101);
    static final AttributeTag BREAST_IMPLANT_PRESENT = new AttributeTag(0x0028, 0x1300);
    static final AttributeTag PIXEL_DATA = new AttributeTag(0x7FE0, 0x0010);

    private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    private static final Pattern AGE = Pattern.compile("(\\d{3})([DWMY])");

    /** Why an object cannot become an {@link InstanceReceived}, with the UIDs that could be read. */
    public static final class InvalidDicomException extends Exception {

        private final RejectReason reason;
        private final String studyInstanceUid;
        private final String sopInstanceUid;

        InvalidDicomException(RejectReason reason, String message, String studyInstanceUid, String sopInstanceUid,
                              Throwable cause) {
            super(message, cause);
            this.reason = reason;
            this.studyInstanceUid = studyInstanceUid;
            this.sopInstanceUid = sopInstanceUid;
        }

        /** The reject reason for the InstanceRejected event. */
        public RejectReason reason() {
            return reason;
        }

        /** Study Instance UID if it could be read, else null. */
        public String studyInstanceUid() {
            return studyInstanceUid;
        }

        /** SOP Instance UID if it could be read, else null. */
        public String sopInstanceUid() {
            return sopInstanceUid;
        }
    }

    /** The identifying UIDs of a checked object. */
    public record Identity(String studyInstanceUid, String seriesInstanceUid, String sopInstanceUid,
                           String sopClassUid, String transferSyntaxUid) {
    }

    /** What the receiver knows about an object beyond its bytes. */
    public record Receipt(String callingAe, String calledAe, Instant receivedAt, IngestSource source) {
    }

    private final PatientPseudonymizer pseudonymizer;
    private final Map<String, String> clinicByCallingAe;

    /**
     * @param pseudonymizer makes the patient pseudonym
     * @param clinicByCallingAe clinic id for each known calling AE title
     */
    public DicomMetadataExtractor(PatientPseudonymizer pseudonymizer, Map<String, String> clinicByCallingAe) {
        this.pseudonymizer = Objects.requireNonNull(pseudonymizer, "pseudonymizer");
        this.clinicByCallingAe = Map.copyOf(clinicByCallingAe);
    }

    /**
     * Checks that the object is complete (every element within the file, so a truncated one is
     * caught) and carries the UIDs every event needs; returns what the check read, which can make
     * the object's event later without reading the file again.
     */
    public Parsed check(Path part10) throws InvalidDicomException {
        // Structure first: it is bounded, whereas a parser handed garbage may chase absurd lengths.
        String transferSyntax;
        try {
            transferSyntax = Part10Structure.verifyComplete(part10);
        } catch (IOException e) {
            throw new InvalidDicomException(RejectReason.MALFORMED_DICOM, "truncated or malformed data set: "
                    + e.getMessage(), null, null, e);
        }
        Parsed parsed = parse(part10);
        Identity id = parsed.identity();
        if (!id.transferSyntaxUid().equals(transferSyntax)) {
            throw new InvalidDicomException(RejectReason.MALFORMED_DICOM, "transfer syntax read twice differently",
                    id.studyInstanceUid(), id.sopInstanceUid(), null);
        }
        return parsed;
    }

    /** The identifying UIDs of an object already {@link #check checked}, read without the structure walk. */
    public Identity identify(Path part10) throws InvalidDicomException {
        return identity(read(part10, PIXEL_DATA));
    }

    /**
     * An object read once, up to its pixel data: its identity now, its event once it is stored.
     * Saves the task a second parse of every object.
     */
    public final class Parsed {
        private final AttributeList list;
        private final Identity identity;

        private Parsed(AttributeList list, Identity identity) {
            this.list = list;
            this.identity = identity;
        }

        /** The identifying UIDs. */
        public Identity identity() {
            return identity;
        }

        /** The event for this object, stored as {@code blob}. */
        public InstanceReceived event(Receipt receipt, BlobStore.StoredBlob blob, boolean replacement) {
            return toEvent(list, identity, receipt, blob, replacement);
        }
    }

    /** Reads an object already {@link #check checked} once, for both its identity and its event. */
    public Parsed parse(Path part10) throws InvalidDicomException {
        AttributeList list = read(part10, PIXEL_DATA);
        return new Parsed(list, identity(list));
    }

    /** The event for a stored object. */
    public InstanceReceived extract(Path part10, Receipt receipt, BlobStore.StoredBlob blob, boolean replacement)
            throws InvalidDicomException {
        // Nothing after the pixel data is needed, and skipping it saves reading most of the bytes.
        AttributeList list = read(part10, PIXEL_DATA);
        return toEvent(list, identity(list), receipt, blob, replacement);
    }

    private InstanceReceived toEvent(AttributeList list, Identity id, Receipt receipt, BlobStore.StoredBlob blob,
                                     boolean replacement) {
        return InstanceReceived.newBuilder()
                .setStudyInstanceUid(id.studyInstanceUid())
                .setSeriesInstanceUid(id.seriesInstanceUid())
                .setSopInstanceUid(id.sopInstanceUid())
                .setSopClassUid(id.sopClassUid())
                .setTransferSyntaxUid(id.transferSyntaxUid())
                .setModality(string(list, MODALITY))
                .setViewPosition(string(list, VIEW_POSITION))
                .setImageLaterality(firstNonNull(string(list, IMAGE_LATERALITY), string(list, LATERALITY)))
                .setImageType(strings(list, IMAGE_TYPE))
                .setBodyPartExamined(string(list, BODY_PART_EXAMINED))
                .setBreastImplantPresent(yesNo(string(list, BREAST_IMPLANT_PRESENT)))
                .setPresentationIntentType(string(list, PRESENTATION_INTENT_TYPE))
                .setRows(integer(list, ROWS))
                .setColumns(integer(list, COLUMNS))
                .setBitsAllocated(integer(list, BITS_ALLOCATED))
                .setBitsStored(integer(list, BITS_STORED))
                .setManufacturer(string(list, MANUFACTURER))
                .setManufacturerModelName(string(list, MANUFACTURER_MODEL_NAME))
                .setPatientPseudonym(pseudonymizer.pseudonym(string(list, ISSUER_OF_PATIENT_ID),
                        string(list, PATIENT_ID)))
                .setPatientAgeYears(ageYears(list))
                .setAccessionNumber(string(list, ACCESSION_NUMBER))
                .setCallingAeTitle(receipt.callingAe())
                .setCalledAeTitle(receipt.calledAe())
                .setClinicId(receipt.callingAe() == null ? null : clinicByCallingAe.get(receipt.callingAe()))
                .setBlobUri(blob.uri().toString())
                .setBlobSizeBytes(blob.sizeBytes())
                .setSha256(blob.sha256())
                .setReceivedAt(receipt.receivedAt())
                .setReplacement(replacement)
                .setSource(receipt.source())
                .build();
    }

    private static AttributeList read(Path part10, AttributeTag stopAt) throws InvalidDicomException {
        AttributeList list = new AttributeList();
        // Only the elements before the pixel data are read, usually a few KiB: a larger buffer
        // would only add a zeroed array and a longer copy per object on the receive path.
        try (InputStream in = new BufferedInputStream(Files.newInputStream(part10), 8 * 1024)) {
            DicomInputStream din = new DicomInputStream(in);
            list.read(din, stopAt);
        } catch (IOException | DicomException | RuntimeException e) {
            // PixelMed reports truncation as EOFException and garbage as DicomException or a
            // RuntimeException from a nonsensical length; all mean the bytes are not a DICOM object.
            throw new InvalidDicomException(RejectReason.MALFORMED_DICOM,
                    // Only the exception type: a parser message could quote attribute values (PHI).
                    "not a complete DICOM data set (" + e.getClass().getSimpleName() + ")",
                    string(list, STUDY_INSTANCE_UID), string(list, SOP_INSTANCE_UID), e);
        }
        return list;
    }

    private static Identity identity(AttributeList list) throws InvalidDicomException {
        String study = string(list, STUDY_INSTANCE_UID);
        String series = string(list, SERIES_INSTANCE_UID);
        String sop = string(list, SOP_INSTANCE_UID);
        String sopClass = firstNonNull(string(list, SOP_CLASS_UID), string(list, MEDIA_STORAGE_SOP_CLASS_UID));
        String ts = string(list, TRANSFER_SYNTAX_UID);
        requireUid(sop, "SOP Instance UID (0008,0018)", study, sop);
        requireUid(study, "Study Instance UID (0020,000D)", study, sop);
        requireUid(series, "Series Instance UID (0020,000E)", study, sop);
        requireUid(sopClass, "SOP Class UID (0008,0016)", study, sop);
        requireUid(ts, "Transfer Syntax UID (0002,0010)", study, sop);
        return new Identity(study, series, sop, sopClass, ts);
    }

    private static void requireUid(String value, String name, String study, String sop) throws InvalidDicomException {
        if (value == null) {
            throw new InvalidDicomException(RejectReason.MISSING_ATTRIBUTE, "missing " + name, valid(study),
                    valid(sop), null);
        }
        if (value.length() > 64 || !UID.matcher(value).matches()) {
            throw new InvalidDicomException(RejectReason.MALFORMED_DICOM, "invalid " + name, valid(study),
                    valid(sop), null);
        }
    }

    private static String valid(String uid) {
        return uid != null && uid.length() <= 64 && UID.matcher(uid).matches() ? uid : null;
    }

    private Integer ageYears(AttributeList list) {
        String age = string(list, PATIENT_AGE);
        if (age != null) {
            var m = AGE.matcher(age);
            if (m.matches()) {
                int n = Integer.parseInt(m.group(1));
                return switch (m.group(2)) {
                    case "Y" -> n;
                    case "M" -> n / 12;
                    case "W" -> n / 52;
                    default -> n / 365;
                };
            }
        }
        // Computed here so that the birth date itself never leaves the receiver.
        LocalDate birth = date(string(list, PATIENT_BIRTH_DATE));
        LocalDate taken = date(firstNonNull(string(list, ACQUISITION_DATE), string(list, CONTENT_DATE),
                string(list, STUDY_DATE)));
        if (birth == null || taken == null || taken.isBefore(birth)) {
            return null;
        }
        return Period.between(birth, taken).getYears();
    }

    private static LocalDate date(String da) {
        if (da == null) {
            return null;
        }
        try {
            return LocalDate.parse(da, DateTimeFormatter.BASIC_ISO_DATE);
        } catch (DateTimeParseException e) {
            return null; // a malformed date only means the age is unknown
        }
    }

    private static Boolean yesNo(String value) {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "YES" -> Boolean.TRUE;
            case "NO" -> Boolean.FALSE;
            default -> null;
        };
    }

    private static String string(AttributeList list, AttributeTag tag) {
        String value = Attribute.getSingleStringValueOrNull(list, tag);
        if (value == null) {
            return null;
        }
        value = value.strip();
        return value.isEmpty() ? null : value;
    }

    private static List<String> strings(AttributeList list, AttributeTag tag) {
        String[] values = Attribute.getStringValues(list, tag);
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                out.add(v == null ? "" : v.strip());
            }
        }
        return out;
    }

    private static Integer integer(AttributeList list, AttributeTag tag) {
        Attribute a = list.get(tag);
        if (a == null || a.getVM() == 0) {
            return null;
        }
        return Attribute.getSingleIntegerValueOrDefault(list, tag, 0);
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
