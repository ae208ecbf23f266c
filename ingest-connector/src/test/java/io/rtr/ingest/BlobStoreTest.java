package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoreTest {

    @TempDir
    Path dir;

    @Test
    void storesUnderStudySeriesSopWithSha256() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        Path source = Files.writeString(dir.resolve("in.dcm"), "pixels");

        BlobStore.StoredBlob blob = store.put("1.2.3", "1.2.3.4", "1.2.3.4.5", source);

        Path expected = dir.resolve("blobs").resolve("1.2.3").resolve("1.2.3.4").resolve("1.2.3.4.5.dcm").toAbsolutePath();
        assertThat(Paths.get(blob.uri())).isEqualTo(expected);
        assertThat(blob.sha256()).isEqualTo(TestDicom.sha256("pixels".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(BlobStore.sha256(expected));
        assertThat(blob.sizeBytes()).isEqualTo(6);
        assertThat(blob.unchanged()).isFalse();
        assertThat(blob.previousSha256()).isNull();
        assertThat(store.digest("1.2.3", "1.2.3.4", "1.2.3.4.5")).contains(blob.sha256());
    }

    @Test
    void puttingTheSameBytesAgainIsANoOp() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        Path source = Files.writeString(dir.resolve("in.dcm"), "pixels");
        BlobStore.StoredBlob first = store.put("1.2", "1.3", "1.4", source);

        BlobStore.StoredBlob again = store.put("1.2", "1.3", "1.4", source);

        assertThat(again.unchanged()).isTrue();
        assertThat(again.sha256()).isEqualTo(first.sha256());
        assertThat(again.uri()).isEqualTo(first.uri());
    }

    @Test
    void differentBytesReplaceTheObjectAndReportThePreviousDigest() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        BlobStore.StoredBlob first = store.put("1.2", "1.3", "1.4", Files.writeString(dir.resolve("a"), "v1"));

        BlobStore.StoredBlob second = store.put("1.2", "1.3", "1.4", Files.writeString(dir.resolve("b"), "v2"));

        assertThat(second.unchanged()).isFalse();
        assertThat(second.previousSha256()).isEqualTo(first.sha256());
        assertThat(Files.readString(Paths.get(second.uri()))).isEqualTo("v2");
        assertThat(tempFiles(Paths.get(second.uri()).getParent())).isEmpty();
    }

    @Test
    void refusesUidsThatCouldEscapeTheRoot() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        Path source = Files.writeString(dir.resolve("in"), "x");

        assertThatThrownBy(() -> store.put("..", "1.2", "1.3", source)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("1.2", "1/2", "1.3", source)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void adoptLinksTheSpooledFileInsteadOfCopyingIt() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        Path spooled = Files.writeString(dir.resolve("spooled.dcm"), "pixels");

        BlobStore.StoredBlob blob = store.adopt("1.2", "1.3", "1.4", spooled);
        store.flush();
        assertThat(Files.isSameFile(spooled, Paths.get(blob.uri()))).isTrue();
        Files.delete(spooled); // the spool entry goes once Kafka has the event; the blob stays

        assertThat(Files.readString(Paths.get(blob.uri()))).isEqualTo("pixels");
        assertThat(blob.sha256()).isEqualTo(TestDicom.sha256("pixels".getBytes(StandardCharsets.US_ASCII)));
        assertThat(store.digest("1.2", "1.3", "1.4")).contains(blob.sha256());
    }

    @Test
    void adoptSharesTheFileAndTreatsIdenticalBytesAsUnchanged() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        Path spooled = Files.writeString(dir.resolve("spooled.dcm"), "pixels");
        BlobStore.StoredBlob first = store.adopt("1.2", "1.3", "1.4", spooled);

        BlobStore.StoredBlob again = store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("b"), "pixels"));
        BlobStore.StoredBlob changed = store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("c"), "other"));
        store.flush();

        assertThat(Files.isSameFile(spooled, dir.resolve("blobs/1.2/1.3/1.4.dcm"))).isFalse();
        assertThat(Files.isSameFile(dir.resolve("c"), Paths.get(changed.uri()))).isTrue();
        assertThat(again.unchanged()).isTrue();
        assertThat(changed.previousSha256()).isEqualTo(first.sha256());
        assertThat(tempFiles(Paths.get(changed.uri()).getParent())).isEmpty();
    }

    @Test
    void flushSyncsEveryFolderTouchedAndIsANoOpWhenNothingIsPending() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        for (int i = 1; i <= 12; i++) {
            store.adopt("1.2." + i, "1.3." + i, "1.4." + i, Files.writeString(dir.resolve("in" + i), "object " + i));
        }

        store.flush();
        store.flush();

        for (int i = 1; i <= 12; i++) {
            assertThat(Files.readString(store.path("1.2." + i, "1.3." + i, "1.4." + i))).isEqualTo("object " + i);
        }
    }

    @Test
    void keepsTheDigestAsAnAttributeOfTheObjectWithoutASecondFile() throws Exception {
        assumeTrue(UserAttributes.supported(dir, "skipped"), "the temp folder's file system has no extended attributes");
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        BlobStore.StoredBlob copied = store.put("1.2", "1.3", "1.4", Files.writeString(dir.resolve("a"), "copied"));
        BlobStore.StoredBlob linked = store.adopt("1.2", "1.3", "1.5", Files.writeString(dir.resolve("b"), "linked"));
        store.flush();

        assertThat(UserAttributes.read(Paths.get(copied.uri()), "rtr.sha256")).contains(copied.sha256());
        assertThat(UserAttributes.read(Paths.get(linked.uri()), "rtr.sha256")).contains(linked.sha256());
        try (var files = Files.list(dir.resolve("blobs/1.2/1.3"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("1.4.dcm", "1.5.dcm");
        }
    }

    @Test
    void withoutAttributesKeepsTheDigestInAFileBesideTheObject() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"), false);
        BlobStore.StoredBlob first = store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("a"), "v1"));

        BlobStore.StoredBlob again = store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("b"), "v1"));
        BlobStore.StoredBlob second = store.put("1.2", "1.3", "1.4", Files.writeString(dir.resolve("c"), "v2"));

        assertThat(again.unchanged()).isTrue();
        assertThat(second.previousSha256()).isEqualTo(first.sha256());
        assertThat(Files.readString(dir.resolve("blobs/1.2/1.3/1.4.sha256"))).isEqualTo(second.sha256());
        assertThat(store.digest("1.2", "1.3", "1.4")).contains(second.sha256());
    }

    @Test
    void readsTheDigestFileOfAnObjectStoredBeforeDigestsWereAttributes() throws Exception {
        assumeTrue(UserAttributes.supported(dir, "skipped"), "the temp folder's file system has no extended attributes");
        BlobStore older = new BlobStore(dir.resolve("blobs"), false);
        BlobStore.StoredBlob old = older.put("1.2", "1.3", "1.4", Files.writeString(dir.resolve("a"), "v1"));
        BlobStore store = new BlobStore(dir.resolve("blobs"));

        assertThat(store.digest("1.2", "1.3", "1.4")).contains(old.sha256());
        assertThat(store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("b"), "v1")).unchanged()).isTrue();
        BlobStore.StoredBlob replaced = store.adopt("1.2", "1.3", "1.4", Files.writeString(dir.resolve("c"), "v2"));
        store.flush();

        assertThat(replaced.previousSha256()).isEqualTo(old.sha256());
        assertThat(store.digest("1.2", "1.3", "1.4")).contains(replaced.sha256());
        assertThat(dir.resolve("blobs/1.2/1.3/1.4.sha256")).doesNotExist(); // stale once the object carries its own
    }

    private static List<Path> tempFiles(Path folder) throws Exception {
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
