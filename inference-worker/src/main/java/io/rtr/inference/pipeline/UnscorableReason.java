package io.rtr.inference.pipeline;

/**
 * Why a study could not be scored; the name is the value of the dead letter's reason header. All
 * of these are permanent: the same record fails the same way on every retry.
 */
public enum UnscorableReason {
    /** The rtr.studies record could not be read as a StudyAssembled (bad bytes, unknown schema, null). */
    DESERIALIZATION,
    /** The study lists no instances, so there is nothing to score. */
    NO_IMAGES,
    /** A blob URI points at nothing. */
    BLOB_MISSING,
    /** A blob URI cannot be read: unsupported scheme, outside the blob root, or an I/O error. */
    BLOB_UNREADABLE,
    /** A blob's SHA-256 differs from the digest in the event: it was replaced or corrupted after ingest. */
    BLOB_DIGEST_MISMATCH,
    /** The blob is not a DICOM object whose pixel data can be decoded into a grayscale image. */
    PIXELS_UNDECODABLE
}
