package io.rtr.inference.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobFetcherTest {

    @TempDir
    Path dir;

    @Test
    void reusedBufferHoldsExactlyTheLatestBlobWhateverTheSizes() throws Exception {
        BlobFetcher fetcher = new BlobFetcher(dir);
        BlobFetcher.Blob blob = new BlobFetcher.Blob();
        // Larger than one read chunk, then smaller, then empty: each read must stand alone.
        for (int size : new int[] {700_001, 1_000, 0}) {
            byte[] content = new byte[size];
            new SplittableRandom(size).nextBytes(content);
            Path file = Files.write(dir.resolve("blob-" + size), content);
            fetcher.fetch(file.toUri().toString(), BlobFetcher.sha256(content).toUpperCase(Locale.ROOT), blob);
            assertThat(blob.length()).isEqualTo(size);
            assertThat(Arrays.copyOf(blob.bytes(), blob.length())).isEqualTo(content);
        }
    }

    @Test
    void digestIsCheckedOverTheWholeBlob() throws Exception {
        byte[] content = new byte[300_000];
        new SplittableRandom(1).nextBytes(content);
        String digest = BlobFetcher.sha256(content);
        content[content.length - 1] ^= 1;
        Path file = Files.write(dir.resolve("changed"), content);
        assertThatThrownBy(() -> new BlobFetcher(dir).fetch(file.toUri().toString(), digest, new BlobFetcher.Blob()))
                .isInstanceOfSatisfying(UnscorableStudyException.class,
                        e -> assertThat(e.reason()).isEqualTo(UnscorableReason.BLOB_DIGEST_MISMATCH))
                .hasMessageContaining(BlobFetcher.sha256(content));
    }
}
