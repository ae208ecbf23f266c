package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultipartRelatedReaderTest {

    @Test
    void readsEveryPartWithItsHeadersAndExactBody() throws Exception {
        byte[] first = "first body".getBytes(StandardCharsets.US_ASCII);
        byte[] second = new byte[0];
        byte[] body = new Multipart().part("application/dicom", first).part(null, second).close();

        List<byte[]> bodies = new ArrayList<>();
        List<String> types = new ArrayList<>();
        MultipartRelatedReader reader = new MultipartRelatedReader(new ByteArrayInputStream(body), Multipart.BOUNDARY);
        MultipartRelatedReader.Part part;
        while ((part = reader.next()) != null) {
            types.add(part.contentType());
            bodies.add(part.body().readAllBytes());
        }

        assertThat(types).containsExactly("application/dicom", null);
        assertThat(bodies).containsExactly(first, second);
    }

    @Test
    void findsBoundariesSplitAcrossReadsAndBinaryBodiesThatLookAlmostLikeOne() throws Exception {
        Random random = new Random(42);
        byte[] big = new byte[300_000];
        random.nextBytes(big);
        // A near-boundary inside the body must not end the part.
        byte[] near = ("\r\n--" + Multipart.BOUNDARY.substring(0, 10)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(near, 0, big, 65_530, near.length);
        byte[] body = new Multipart().part("application/dicom", big).part("application/dicom", big).close();

        MultipartRelatedReader reader = new MultipartRelatedReader(new TrickleInputStream(body, 7_919),
                Multipart.BOUNDARY);

        assertThat(reader.next().body().readAllBytes()).isEqualTo(big);
        assertThat(reader.next().body().readAllBytes()).isEqualTo(big);
        assertThat(reader.next()).isNull();
    }

    @Test
    void skipsPreambleUnreadPartsAndTransportPadding() throws Exception {
        String body = "this is a preamble\r\n--" + Multipart.BOUNDARY + "  \r\nContent-Type: a/b\r\n\r\nskipped\r\n--"
                + Multipart.BOUNDARY + "\r\nContent-Type: c/d\r\n X-Folded: yes\r\n\r\nread\r\n--"
                + Multipart.BOUNDARY + "--\r\nepilogue";

        MultipartRelatedReader reader = new MultipartRelatedReader(
                new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)), Multipart.BOUNDARY);
        MultipartRelatedReader.Part skipped = reader.next();
        MultipartRelatedReader.Part read = reader.next();

        assertThat(skipped.contentType()).isEqualTo("a/b");
        assertThat(read.index()).isEqualTo(2);
        assertThat(read.headers()).containsEntry("content-type", "c/d X-Folded: yes");
        assertThat(new String(read.body().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("read");
        assertThat(reader.next()).isNull();
    }

    @Test
    void rejectsABodyWithoutTheAnnouncedBoundary() {
        MultipartRelatedReader reader = new MultipartRelatedReader(
                new ByteArrayInputStream("no multipart here".getBytes(StandardCharsets.US_ASCII)), Multipart.BOUNDARY);

        assertThatThrownBy(reader::next).isInstanceOf(MultipartRelatedReader.MalformedMultipartException.class)
                .hasMessageContaining("no boundary found");
    }

    @Test
    void rejectsABodyCutOffInsideAPart() throws Exception {
        byte[] body = new Multipart().part("application/dicom", new byte[1000]).unterminated();
        byte[] cut = Arrays.copyOf(body, body.length - 10);
        MultipartRelatedReader reader = new MultipartRelatedReader(new ByteArrayInputStream(cut), Multipart.BOUNDARY);
        MultipartRelatedReader.Part part = reader.next();

        assertThatThrownBy(() -> part.body().readAllBytes())
                .isInstanceOf(MultipartRelatedReader.MalformedMultipartException.class)
                .hasMessageContaining("cut off");
    }

    @Test
    void rejectsEndlessPartHeaders() {
        StringBuilder body = new StringBuilder("--" + Multipart.BOUNDARY + "\r\n");
        for (int i = 0; i < 2000; i++) {
            body.append("X-Header-").append(i).append(": value\r\n");
        }
        MultipartRelatedReader reader = new MultipartRelatedReader(
                new ByteArrayInputStream(body.toString().getBytes(StandardCharsets.US_ASCII)), Multipart.BOUNDARY);

        assertThatThrownBy(reader::next).isInstanceOf(MultipartRelatedReader.MalformedMultipartException.class)
                .hasMessageContaining("headers longer");
    }

    /** Hands out at most {@code chunk} bytes per read, like a slow network. */
    private static final class TrickleInputStream extends FilterInputStream {
        private final int chunk;

        TrickleInputStream(byte[] bytes, int chunk) {
            super(new ByteArrayInputStream(bytes));
            this.chunk = chunk;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, chunk));
        }
    }
}
