package io.rtr.inference;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Test fixture: four-view phantom studies written as blobs, and the StudyAssembled events pointing at them. */
public final class PhantomStudies {

    /**
     * Seeds the reference model is known to judge right (SavedModelScorerTest checks them): a mass
     * in the left CC view for {@link #LESION_SEED}; {@link #CLEAN_SEED} rendered without a lesion.
     */
    public static final long LESION_SEED = 2_000_000_000L;
    public static final long CLEAN_SEED = 2_000_000_001L;

    private PhantomStudies() {
    }

    /** Writes a study with a mass in its left CC view under {@code dir}; returns its event (revision 1). */
    public static StudyAssembled lesionStudy(Path dir) throws IOException {
        return study(dir, LESION_SEED, Lesion.MASS, 1);
    }

    /** Writes a study without lesions under {@code dir}; returns its event (revision 1). */
    public static StudyAssembled cleanStudy(Path dir) throws IOException {
        return study(dir, CLEAN_SEED, Lesion.NONE, 1);
    }

    /** Writes the four views of a phantom study (any seed) and builds the event referencing them. */
    public static StudyAssembled study(Path dir, long seed, Lesion lesion, int revision) throws IOException {
        Path studyDir = dir.resolve("study-" + seed + "-" + lesion);
        List<Path> files = PhantomGenerator.writeStudy(studyDir, seed, 128, 104, lesion, Laterality.L, View.CC);
        List<InstanceReceived> instances = new ArrayList<>();
        String studyUid = null;
        for (Path file : files) {
            InstanceReceived instance = instance(file);
            studyUid = instance.getStudyInstanceUid();
            instances.add(instance);
        }
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid(studyUid)
                .setRevision(revision)
                .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE)
                .setInstances(instances)
                .setOrderContext(null)
                .setAssembledAt(Instant.now())
                .setModality("MG")
                .setAccessionNumber(null)
                .build();
    }

    /** The claim-check event of one phantom file, as the ingest connector would write it. */
    public static InstanceReceived instance(Path file) throws IOException {
        AttributeList list = new AttributeList();
        try {
            list.read(file.toFile());
        } catch (DicomException e) {
            throw new IOException(e);
        }
        byte[] bytes = Files.readAllBytes(file);
        return InstanceReceived.newBuilder()
                .setStudyInstanceUid(text(list, TagFromName.StudyInstanceUID))
                .setSeriesInstanceUid(text(list, TagFromName.SeriesInstanceUID))
                .setSopInstanceUid(text(list, TagFromName.SOPInstanceUID))
                .setSopClassUid(text(list, TagFromName.SOPClassUID))
                .setTransferSyntaxUid(text(list, TagFromName.TransferSyntaxUID))
                .setModality("MG")
                .setViewPosition(text(list, TagFromName.ViewPosition))
                .setImageLaterality(text(list, TagFromName.ImageLaterality))
                .setBlobUri(file.toUri().toString())
                .setBlobSizeBytes(bytes.length)
                .setSha256(BlobFetcher.sha256(bytes))
                .setReceivedAt(Instant.now())
                .setSource(IngestSource.DIMSE)
                .build();
    }

    /** The same study with one instance replaced. */
    public static StudyAssembled withInstance(StudyAssembled study, int index, InstanceReceived instance) {
        List<InstanceReceived> instances = new ArrayList<>(study.getInstances());
        instances.set(index, instance);
        return StudyAssembled.newBuilder(study).setInstances(instances).build();
    }

    private static String text(AttributeList list, AttributeTag tag) {
        return Attribute.getSingleStringValueOrEmptyString(list, tag);
    }
}
