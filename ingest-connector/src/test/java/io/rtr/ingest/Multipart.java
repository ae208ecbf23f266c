package io.rtr.ingest;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds multipart/related request bodies for the STOW-RS tests. */
final class Multipart {

    static final String BOUNDARY = "rtr-test-boundary-7f3a";
    static final String CONTENT_TYPE = "multipart/related; type=\"application/dicom\"; boundary=" + BOUNDARY;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Multipart part(String contentType, byte[] body) {
        write("--" + BOUNDARY + "\r\n");
        if (contentType != null) {
            write("Content-Type: " + contentType + "\r\n");
        }
        write("\r\n");
        out.writeBytes(body);
        write("\r\n");
        return this;
    }

    Multipart dicom(Path file) throws Exception {
        return part("application/dicom", Files.readAllBytes(file));
    }

    byte[] close() {
        write("--" + BOUNDARY + "--\r\n");
        return out.toByteArray();
    }

    /** The body so far, without the closing boundary: a request cut off by the client. */
    byte[] unterminated() {
        return out.toByteArray();
    }

    private void write(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
