package io.rtr.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a MIME multipart body (RFC 2046) one part at a time from a stream, holding no more than
 * one fixed buffer: each part's body is itself a stream that ends at the next boundary, so a
 * STOW-RS request of any size passes through in constant memory.
 */
final class MultipartRelatedReader {

    /** Thrown when the body does not follow the multipart syntax; the request is answered 400. */
    static final class MalformedMultipartException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedMultipartException(String message) {
            super(message);
        }
    }

    /** Part headers beyond this size mean a broken or hostile body, not a DICOM upload. */
    static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final InputStream in;
    /** CRLF "--" boundary: what ends every part body (RFC 2046 5.1.1). */
    private final byte[] delimiter;
    private final byte[] buf;
    private int head;
    private int tail;
    /** Searching resumes here, so that many small reads do not rescan the same bytes. */
    private int scanFrom;
    private boolean inputEnded;
    private boolean closed;
    private PartBody current;
    private int partCount;

    /**
     * A reader of the parts of {@code in}, separated by {@code boundary}.
     *
     * @throws IllegalArgumentException when the boundary is empty or longer than RFC 2046's 70 characters
     */
    MultipartRelatedReader(InputStream in, String boundary) {
        this.in = Objects.requireNonNull(in, "in");
        if (boundary == null || boundary.isEmpty() || boundary.length() > 70) {
            throw new IllegalArgumentException("a multipart boundary has 1 to 70 characters");
        }
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.buf = new byte[BUFFER_BYTES];
        // The first boundary has no CRLF before it when there is no preamble; pretending one was read
        // lets a single delimiter search find every boundary, the first one included.
        buf[0] = '\r';
        buf[1] = '\n';
        tail = 2;
        // Whatever precedes the first boundary is a preamble, skipped like the body of a part.
        current = new PartBody();
    }

    /** One part: its headers (names lower-cased) and a stream of its body up to the next boundary. */
    record Part(int index, Map<String, String> headers, InputStream body) {

        /** The part's Content-Type header, or null when it has none. */
        String contentType() {
            return headers.get("content-type");
        }
    }

    /** The next part, or null after the closing boundary; any unread rest of the previous part is skipped. */
    Part next() throws IOException {
        if (closed) {
            return null;
        }
        current.skipRest();
        // The delimiter sits at head now; step over it.
        head += delimiter.length;
        scanFrom = head;
        require(2, "the body ends right after a boundary");
        if (buf[head] == '-' && buf[head + 1] == '-') {
            // Close delimiter: the epilogue after it carries nothing (RFC 2046), so it is not read.
            closed = true;
            return null;
        }
        // Transport padding (linear white space) may follow a boundary before its CRLF.
        while (true) {
            require(1, "the body ends inside a boundary line");
            if (buf[head] != ' ' && buf[head] != '\t') {
                break;
            }
            head++;
        }
        require(2, "the body ends inside a boundary line");
        if (buf[head] != '\r' || buf[head + 1] != '\n') {
            throw new MalformedMultipartException("a boundary line is not followed by CRLF");
        }
        head += 2;
        Map<String, String> headers = readHeaders();
        scanFrom = head;
        current = new PartBody();
        return new Part(++partCount, headers, current);
    }

    private Map<String, String> readHeaders() throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        int consumed = 0;
        String last = null;
        while (true) {
            int lineEnd = findLineEnd();
            int length = lineEnd - head;
            consumed += length + 2;
            if (consumed > MAX_HEADER_BYTES) {
                throw new MalformedMultipartException("part headers longer than " + MAX_HEADER_BYTES + " bytes");
            }
            String line = new String(buf, head, length, StandardCharsets.ISO_8859_1);
            head = lineEnd + 2;
            if (line.isEmpty()) {
                return headers;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && last != null) {
                headers.merge(last, " " + line.strip(), String::concat); // folded continuation line
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new MalformedMultipartException("part header line without a name and colon");
            }
            last = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            headers.put(last, line.substring(colon + 1).strip());
        }
    }

    /** Index of the CR of the next CRLF at or after head, reading more input as needed. */
    private int findLineEnd() throws IOException {
        int from = head;
        while (true) {
            for (int i = from; i + 1 < tail; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    return i;
                }
            }
            from = Math.max(head, tail - 1);
            int before = head;
            if (!fill()) {
                throw new MalformedMultipartException("the body ends inside the headers of a part");
            }
            from -= before - head; // fill() may have moved the window
            if (tail - head >= buf.length) {
                throw new MalformedMultipartException("a part header line is longer than " + buf.length + " bytes");
            }
        }
    }

    /** Ensures {@code n} unread bytes, or fails with {@code why}. */
    private void require(int n, String why) throws IOException {
        while (tail - head < n) {
            if (!fill()) {
                throw new MalformedMultipartException(why);
            }
        }
    }

    /** Reads more input into the buffer, compacting first; false at the end of the input. */
    private boolean fill() throws IOException {
        if (inputEnded) {
            return false;
        }
        if (head > 0) {
            int shift = head;
            System.arraycopy(buf, head, buf, 0, tail - head);
            tail -= shift;
            head = 0;
            scanFrom = Math.max(0, scanFrom - shift);
        }
        if (tail == buf.length) {
            return true; // full: the caller has enough to make progress
        }
        int n = in.read(buf, tail, buf.length - tail);
        if (n < 0) {
            inputEnded = true;
            return false;
        }
        tail += n;
        return true;
    }

    /** Offset of the delimiter in [head, tail), or -1; scans only bytes not scanned before. */
    private int findDelimiter() {
        int last = tail - delimiter.length;
        int i = Math.max(head, scanFrom);
        for (; i <= last; i++) {
            if (buf[i] == '\r' && matchesDelimiterAt(i)) {
                scanFrom = i;
                return i;
            }
        }
        scanFrom = Math.max(head, last + 1);
        return -1;
    }

    private boolean matchesDelimiterAt(int i) {
        for (int k = 1; k < delimiter.length; k++) {
            if (buf[i + k] != delimiter[k]) {
                return false;
            }
        }
        return true;
    }

    /** The body of the current part: ends (-1) where the next delimiter begins. */
    private final class PartBody extends InputStream {

        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (ended || current != this) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            while (true) {
                int at = findDelimiter();
                int available = at >= 0 ? at - head : (tail - head) - (delimiter.length - 1);
                if (available > 0) {
                    int n = Math.min(len, available);
                    System.arraycopy(buf, head, b, off, n);
                    head += n;
                    return n;
                }
                if (at >= 0) {
                    ended = true; // head is at the delimiter, which next() consumes
                    return -1;
                }
                if (!fill()) {
                    throw new MalformedMultipartException("the body ends before the closing boundary (part "
                            + Math.max(partCount, 1) + " is cut off)");
                }
            }
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = 0;
            byte[] sink = new byte[8192];
            while (skipped < n) {
                int r = read(sink, 0, (int) Math.min(sink.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        void skipRest() throws IOException {
            while (!ended) {
                int at = findDelimiter();
                if (at >= 0) {
                    head = at;
                    ended = true;
                    return;
                }
                head = Math.max(head, tail - (delimiter.length - 1));
                if (!fill()) {
                    throw new MalformedMultipartException(partCount == 0
                            ? "no boundary found: the body is not multipart with the announced boundary"
                            : "the body ends before the closing boundary (part " + partCount + " is cut off)");
                }
            }
        }
    }
}
