package io.rtr.ingest;

import io.rtr.schemas.IngestSource;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DICOMweb STOW-RS (PS3.18 10.5) without an HTTP framework: takes a request's Content-Type, body
 * stream and optional study UID, feeds every {@code application/dicom} part through the same
 * receive path as C-STORE ({@link SpoolingReceiver}: checks, rejection events, durable spool,
 * back-pressure) and returns the status and Store Instances Response to send. Any HTTP server can
 * mount it; {@link DicomSourceTask} does with the JDK's.
 *
 * <p>Statuses: 200 every instance stored, 202 some failed, 409 all failed, 400 malformed multipart
 * body (or none at all), 415 a Content-Type other than {@code multipart/related;
 * type="application/dicom"}, 503 with Retry-After under back-pressure. Each failed instance
 * carries its Failure Reason (0008,1197), the DIMSE status C-STORE would have answered, and an
 * Error Comment (0000,0902) saying why. No Retrieve URL is given: this receiver serves no WADO-RS.
 */
public final class StowRsService {

    /** Media type of the Store Instances Response. */
    public static final String DICOM_JSON = "application/dicom+json";
    /** Media type of whole-request errors (400, 415, 503): {@code {"status":..,"error":".."}}. */
    public static final String JSON = "application/json";
    /** Seconds a client is asked to wait after a 503. */
    public static final int RETRY_AFTER_SECONDS = 30;

    private static final Logger LOG = LoggerFactory.getLogger(StowRsService.class);
    private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    private static final int COPY_BUFFER_BYTES = 64 * 1024;
    private static final int PREAMBLE = 128;

    /**
     * What to answer.
     *
     * @param status HTTP status code
     * @param contentType media type of {@code body}
     * @param headers extra response headers (e.g. Retry-After)
     * @param body UTF-8 JSON
     */
    public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {

        /** The body as text, for logs and tests. */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final SpoolingReceiver receiver;
    private final long maxObjectBytes;
    private final Semaphore requestSlots;
    private final int maxConcurrentRequests;

    /**
     * A service storing into {@code receiver}.
     *
     * @param maxObjectBytes largest part accepted; a larger one fails with A700 like an oversized C-STORE
     * @param maxConcurrentRequests requests handled at once; more are answered 503
     */
    public StowRsService(SpoolingReceiver receiver, long maxObjectBytes, int maxConcurrentRequests) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
        if (maxObjectBytes < 1 || maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxObjectBytes = maxObjectBytes;
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.requestSlots = new Semaphore(maxConcurrentRequests);
    }

    /**
     * Stores the instances of one STOW-RS request.
     *
     * @param contentType the request's Content-Type header (null when absent)
     * @param body the request body; read up to the closing boundary, not closed
     * @param studyInstanceUid the {@code {study}} of {@code POST /studies/{study}}, or null for {@code POST /studies}
     */
    public Response store(String contentType, InputStream body, String studyInstanceUid) {
        if (studyInstanceUid != null && (studyInstanceUid.length() > 64 || !UID.matcher(studyInstanceUid).matches())) {
            return error(400, "'" + truncate(studyInstanceUid) + "' in the path is not a Study Instance UID");
        }
        MediaType type;
        try {
            type = MediaType.parse(contentType);
        } catch (IllegalArgumentException e) {
            return error(415, "Content-Type must be multipart/related; type=\"application/dicom\" ("
                    + e.getMessage() + ")");
        }
        String rootType = type.parameter("type");
        if (!type.is("multipart/related") || rootType == null || !isDicom(rootType)) {
            return error(415, "Content-Type must be multipart/related; type=\"application/dicom\", not "
                    + truncate(contentType) + " (DICOM JSON or XML metadata with bulk data is not accepted here)");
        }
        String boundary = type.parameter("boundary");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
            return error(400, "Content-Type multipart/related needs a boundary parameter of 1 to 70 characters");
        }
        String refusal = receiver.admissionRefusal();
        if (refusal != null) {
            LOG.warn("STOW-RS request refused with 503: {}", refusal);
            return unavailable("not accepting objects now: " + refusal);
        }
        if (!requestSlots.tryAcquire()) {
            return unavailable(maxConcurrentRequests + " STOW-RS requests already in progress");
        }
        try {
            return storeParts(new MultipartRelatedReader(body, boundary), studyInstanceUid);
        } finally {
            requestSlots.release();
        }
    }

    private Response storeParts(MultipartRelatedReader reader, String studyUid) {
        List<Result> results = new ArrayList<>();
        try {
            MultipartRelatedReader.Part part;
            while ((part = reader.next()) != null) {
                results.add(storePart(part, studyUid));
            }
        } catch (IOException e) {
            // Instances stored before the break stay stored (they are durable and will be emitted);
            // the client resends the whole request, and the digest ledger drops the repeats.
            long stored = results.stream().filter(r -> r.result().isSuccess()).count();
            LOG.warn("STOW-RS request stopped at part {}: {} ({} instances stored before)", results.size() + 1,
                    e.getMessage(), stored);
            return error(400, "malformed multipart body at part " + (results.size() + 1) + ": " + e.getMessage()
                    + "; " + stored + " earlier instance(s) were stored, resending them is harmless");
        }
        if (results.isEmpty()) {
            return error(400, "the multipart body contains no part");
        }
        long failed = results.stream().filter(r -> !r.result().isSuccess()).count();
        int status = failed == 0 ? 200 : failed == results.size() ? 409 : 202;
        LOG.debug("STOW-RS request: {} instances stored, {} failed", results.size() - failed, failed);
        return new Response(status, DICOM_JSON, Map.of(), storeInstancesResponse(results));
    }

    /** Outcome of one part. */
    private record Result(DicomScp.StoreResult result, String sopClassUid, String sopInstanceUid) {
    }

    private Result storePart(MultipartRelatedReader.Part part, String studyUid) throws IOException {
        String partType = part.contentType();
        if (partType != null && !isDicom(partType)) {
            drain(part.body());
            String message = "part " + part.index() + " has Content-Type " + truncate(partType)
                    + "; only application/dicom parts are stored";
            receiver.discarded((String) null, RejectReason.MALFORMED_DICOM, message);
            return new Result(DicomScp.StoreResult.cannotUnderstand(message), null, null);
        }
        DicomScp.IncomingFile file;
        try {
            file = receiver.newIncomingFile(IngestSource.STOW_RS);
        } catch (IOException e) {
            // Our disk, not the request: fail this instance as C-STORE would (A700) and read on.
            LOG.error("STOW-RS: cannot create an incoming file in the spool: {}; check the spool disk", e.toString());
            drain(part.body());
            return new Result(DicomScp.StoreResult.outOfResources("cannot store the object durably now; retry later"),
                    null, null);
        }
        boolean kept = false;
        try {
            long size = copyPart(part.body(), file);
            if (size > maxObjectBytes) {
                String message = "part " + part.index() + " of at least " + size + " bytes exceeds the limit of "
                        + maxObjectBytes;
                LOG.warn("STOW-RS: {}", message);
                receiver.discarded((String) null, RejectReason.OBJECT_TOO_LARGE, message);
                return new Result(DicomScp.StoreResult.outOfResources("object exceeds " + maxObjectBytes + " bytes"),
                        null, null);
            }
            if (size < 0) {
                return new Result(DicomScp.StoreResult.processingFailure("cannot write the object on the receiver"),
                        null, null);
            }
            SpoolingReceiver.Outcome outcome = receiver.accept(file, null, null, null, studyUid, IngestSource.STOW_RS);
            kept = outcome.result().isSuccess(); // the file is now the spool entry itself
            return new Result(outcome.result(), outcome.sopClassUid(), outcome.sopInstanceUid());
        } catch (MultipartRelatedReader.MalformedMultipartException e) {
            receiver.discarded((String) null, RejectReason.MALFORMED_DICOM, "STOW-RS part " + part.index()
                    + " not received completely: " + e.getMessage());
            throw e;
        } finally {
            if (!kept) {
                deleteQuietly(file.file());
            }
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Left in spool/tmp, which the spool empties when it is next opened.
            LOG.warn("STOW-RS: cannot delete incoming file {}: {}", file, e.toString());
        }
    }

    /**
     * Copies a part body into {@code incoming} and closes its stream; returns its size, a size above
     * the limit once the limit is passed (the rest is read and dropped so the next part can be
     * reached), or -1 when the disk failed. Read errors propagate: they mean the request itself broke.
     */
    private long copyPart(InputStream body, DicomScp.IncomingFile incoming) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        long size = 0;
        OutputStream out = incoming.stream();
        Path file = incoming.file();
        boolean diskFailed = false;
        try {
            int n;
            while ((n = body.read(buffer)) > 0) {
                size += n;
                if (out != null && (size > maxObjectBytes || diskFailed)) {
                    closeQuietly(out);
                    out = null;
                }
                if (size - n < PREAMBLE) {
                    // The preamble has no DICOM meaning (PS3.10 7.1) and is where the spool keeps its
                    // completion record: a sender must not be able to supply one.
                    Arrays.fill(buffer, 0, (int) Math.min(n, PREAMBLE - (size - n)), (byte) 0);
                }
                if (out != null) {
                    try {
                        out.write(buffer, 0, n);
                    } catch (IOException e) {
                        LOG.error("STOW-RS: cannot write incoming file {}: {}; check the spool disk", file,
                                e.toString());
                        diskFailed = true;
                        closeQuietly(out);
                        out = null;
                    }
                }
            }
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.error("STOW-RS: cannot finish incoming file {}: {}", file, e.toString());
                    diskFailed = true;
                }
                out = null;
            }
        } finally {
            if (out != null) {
                closeQuietly(out);
            }
        }
        if (size > maxObjectBytes) {
            return size;
        }
        return diskFailed ? -1 : size;
    }

    private static boolean isDicom(String partType) {
        try {
            return MediaType.parse(partType).is("application/dicom");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // The file is deleted or reported as failed next; its content no longer matters.
        }
    }

    /** The Store Instances Response (PS3.18 table 10.5.3-1) as DICOM JSON. */
    private static byte[] storeInstancesResponse(List<Result> results) {
        List<Result> stored = results.stream().filter(r -> r.result().isSuccess()).toList();
        List<Result> failed = results.stream().filter(r -> !r.result().isSuccess()).toList();
        StringBuilder json = new StringBuilder("{");
        boolean first = true;
        if (!failed.isEmpty()) {
            json.append("\"00081198\":{\"vr\":\"SQ\",\"Value\":[");
            for (int i = 0; i < failed.size(); i++) {
                Result r = failed.get(i);
                json.append(i == 0 ? "{" : ",{");
                boolean firstItem = referencedSop(json, r);
                json.append(firstItem ? "" : ",").append("\"00081197\":{\"vr\":\"US\",\"Value\":[")
                        .append(r.result().status()).append("]}");
                if (r.result().errorComment() != null) {
                    json.append(",\"00000902\":{\"vr\":\"LO\",\"Value\":[");
                    string(json, r.result().errorComment());
                    json.append("]}");
                }
                json.append('}');
            }
            json.append("]}");
            first = false;
        }
        if (!stored.isEmpty()) {
            json.append(first ? "" : ",").append("\"00081199\":{\"vr\":\"SQ\",\"Value\":[");
            for (int i = 0; i < stored.size(); i++) {
                json.append(i == 0 ? "{" : ",{");
                referencedSop(json, stored.get(i));
                json.append('}');
            }
            json.append("]}");
        }
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Writes Referenced SOP Class / Instance UID where known; true when it wrote nothing. */
    private static boolean referencedSop(StringBuilder json, Result r) {
        boolean empty = true;
        if (r.sopClassUid() != null) {
            json.append("\"00081150\":{\"vr\":\"UI\",\"Value\":[");
            string(json, r.sopClassUid());
            json.append("]}");
            empty = false;
        }
        if (r.sopInstanceUid() != null) {
            json.append(empty ? "" : ",").append("\"00081155\":{\"vr\":\"UI\",\"Value\":[");
            string(json, r.sopInstanceUid());
            json.append("]}");
            empty = false;
        }
        return empty;
    }

    private static Response error(int status, String message) {
        StringBuilder json = new StringBuilder("{\"status\":").append(status).append(",\"error\":");
        string(json, message);
        json.append('}');
        return new Response(status, JSON, Map.of(), json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static Response unavailable(String message) {
        Response r = error(503, message + "; retry after " + RETRY_AFTER_SECONDS + " s");
        return new Response(503, r.contentType(), Map.of("Retry-After", Integer.toString(RETRY_AFTER_SECONDS)),
                r.body());
    }

    /** Appends {@code s} as a JSON string literal. */
    static void string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    private static String truncate(String s) {
        return s == null ? "nothing" : s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
