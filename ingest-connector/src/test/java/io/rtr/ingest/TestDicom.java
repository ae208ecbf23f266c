package io.rtr.ingest;

import com.pixelmed.dicom.AgeStringAttribute;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.DateAttribute;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.PersonNameAttribute;
import com.pixelmed.dicom.ShortStringAttribute;
import com.pixelmed.dicom.TransferSyntax;
import com.pixelmed.dicom.UniqueIdentifierAttribute;
import com.pixelmed.dicom.UnsignedShortAttribute;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;

/** Builds small mammography Part 10 files with PixelMed for the tests. */
final class TestDicom {

    static final String MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2";
    static final String PATIENT_ID = "PAT-4711";
    static final String PATIENT_NAME = "Doe^Jane";
    static final String BIRTH_DATE = "19700315";

    private TestDicom() {
    }

    static String newUid() {
        return "2.25." + new BigInteger(1, uuidBytes());
    }

    private static byte[] uuidBytes() {
        UUID u = UUID.randomUUID();
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }

    /** A mammogram with every attribute the extractor reads; {@code sop} null leaves SOP Instance UID out. */
    static AttributeList mammogram(String study, String series, String sop, String laterality, String view, int size)
            throws Exception {
        AttributeList list = new AttributeList();
        put(list, new UniqueIdentifierAttribute(DicomMetadataExtractor.SOP_CLASS_UID), MG_FOR_PRESENTATION);
        if (sop != null) {
            put(list, new UniqueIdentifierAttribute(DicomMetadataExtractor.SOP_INSTANCE_UID), sop);
        }
        put(list, new UniqueIdentifierAttribute(DicomMetadataExtractor.STUDY_INSTANCE_UID), study);
        put(list, new UniqueIdentifierAttribute(DicomMetadataExtractor.SERIES_INSTANCE_UID), series);
        CodeStringAttribute imageType = new CodeStringAttribute(DicomMetadataExtractor.IMAGE_TYPE);
        imageType.addValue("ORIGINAL");
        imageType.addValue("PRIMARY");
        list.put(imageType);
        put(list, new CodeStringAttribute(DicomMetadataExtractor.MODALITY), "MG");
        put(list, new CodeStringAttribute(DicomMetadataExtractor.PRESENTATION_INTENT_TYPE), "FOR PRESENTATION");
        put(list, new CodeStringAttribute(DicomMetadataExtractor.VIEW_POSITION), view);
        put(list, new CodeStringAttribute(DicomMetadataExtractor.IMAGE_LATERALITY), laterality);
        put(list, new CodeStringAttribute(DicomMetadataExtractor.BODY_PART_EXAMINED), "BREAST");
        put(list, new CodeStringAttribute(DicomMetadataExtractor.BREAST_IMPLANT_PRESENT), "NO");
        put(list, new LongStringAttribute(DicomMetadataExtractor.MANUFACTURER), "ACME");
        put(list, new LongStringAttribute(DicomMetadataExtractor.MANUFACTURER_MODEL_NAME), "Mammo 3000");
        put(list, new ShortStringAttribute(DicomMetadataExtractor.ACCESSION_NUMBER), "ACC-42");
        put(list, new PersonNameAttribute(new AttributeTag(0x0010, 0x0010)), PATIENT_NAME);
        put(list, new LongStringAttribute(DicomMetadataExtractor.PATIENT_ID), PATIENT_ID);
        put(list, new LongStringAttribute(DicomMetadataExtractor.ISSUER_OF_PATIENT_ID), "CLINIC-A");
        put(list, new DateAttribute(DicomMetadataExtractor.PATIENT_BIRTH_DATE), BIRTH_DATE);
        put(list, new AgeStringAttribute(DicomMetadataExtractor.PATIENT_AGE), "056Y");
        put(list, new DateAttribute(DicomMetadataExtractor.STUDY_DATE), "20260301");
        putUs(list, DicomMetadataExtractor.ROWS, size);
        putUs(list, DicomMetadataExtractor.COLUMNS, size);
        putUs(list, DicomMetadataExtractor.BITS_ALLOCATED, 16);
        putUs(list, DicomMetadataExtractor.BITS_STORED, 12);
        putUs(list, new AttributeTag(0x0028, 0x0102), 11); // High Bit
        putUs(list, new AttributeTag(0x0028, 0x0103), 0); // Pixel Representation
        putUs(list, new AttributeTag(0x0028, 0x0002), 1); // Samples per Pixel
        put(list, new CodeStringAttribute(new AttributeTag(0x0028, 0x0004)), "MONOCHROME2");
        short[] pixels = new short[size * size];
        Arrays.fill(pixels, (short) 1000);
        OtherWordAttribute pixelData = new OtherWordAttribute(new AttributeTag(0x7FE0, 0x0010));
        pixelData.setValues(pixels);
        list.put(pixelData);
        return list;
    }

    /** Writes {@code list} as an explicit VR little endian Part 10 file. */
    static Path write(AttributeList list, Path file) throws Exception {
        String sopClass = Attribute.getSingleStringValueOrEmptyString(list, DicomMetadataExtractor.SOP_CLASS_UID);
        String sop = Attribute.getSingleStringValueOrEmptyString(list, DicomMetadataExtractor.SOP_INSTANCE_UID);
        if (sop.isEmpty()) {
            // PixelMed needs a UID for the meta header; the data set itself still lacks it.
            FileMetaInformation fmi = new FileMetaInformation(sopClass, "1.2.3.4", TransferSyntax.ExplicitVRLittleEndian,
                    "TESTSCU");
            list.putAll(fmi.getAttributeList());
        } else {
            FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "TESTSCU");
        }
        list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        return file;
    }

    static Path writeMammogram(Path dir, String study, String series, String sop, String laterality, String view,
                               int size) throws Exception {
        return write(mammogram(study, series, sop, laterality, view, size), dir.resolve(sop + ".dcm"));
    }

    /** The data set of a Part 10 file: the bytes after the file meta information group. */
    static byte[] dataSet(Path part10) throws Exception {
        byte[] all = Files.readAllBytes(part10);
        int groupLength = ByteBuffer.wrap(all, 140, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        return Arrays.copyOfRange(all, 144 + groupLength, all.length);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
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
}
