package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.IngestSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    @Test
    void committedEntriesSurviveReopeningInArrivalOrder() throws Exception {
        Spool spool = new Spool(dir);
        Spool.Entry first = commit(spool, "first");
        Spool.Entry second = commit(spool, "second");

        List<Spool.Entry> pending = new Spool(dir).pending();

        assertThat(pending).extracting(Spool.Entry::id).containsExactly(first.id(), second.id());
        assertThat(pending.get(0).callingAe()).isEqualTo("SCU");
        assertThat(pending.get(0).calledAe()).isEqualTo("RTR");
        assertThat(pending.get(0).source()).isEqualTo(IngestSource.DIMSE);
        assertThat(pending.get(0).receivedAt()).isEqualTo(first.receivedAt());
        assertThat(pending.get(0).sizeBytes()).isEqualTo(5);
        assertThat(Files.readString(pending.get(1).file())).isEqualTo("second");
    }

    @Test
    void removedEntriesAreNotListedAgain() throws Exception {
        Spool spool = new Spool(dir);
        Spool.Entry acked = commit(spool, "acked");
        Spool.Entry open = commit(spool, "open");

        spool.remove(acked);
        spool.remove(acked);

        assertThat(new Spool(dir).pending()).extracting(Spool.Entry::id).containsExactly(open.id());
    }

    @Test
    void unfinishedIncomingFilesAreDiscardedOnReopen() throws Exception {
        Spool spool = new Spool(dir);
        Path incoming = spool.newIncomingFile();
        Files.writeString(incoming, "half an object");

        Spool reopened = new Spool(dir);

        assertThat(Files.exists(incoming)).isFalse();
        assertThat(reopened.pending()).isEmpty();
    }

    @Test
    void keepsReceiptsWithUnusualAeTitlesAndNone() throws Exception {
        Spool spool = new Spool(dir);
        Path incoming = spool.newIncomingFile();
        Files.writeString(incoming, "x");
        spool.commit(incoming, "A/B_C D", null, IngestSource.STOW_RS);

        Spool.Entry entry = new Spool(dir).pending().get(0);

        assertThat(entry.callingAe()).isEqualTo("A/B_C D");
        assertThat(entry.calledAe()).isNull();
        assertThat(entry.source()).isEqualTo(IngestSource.STOW_RS);
    }

    @Test
    void ignoresFilesThatAreNotEntries() throws Exception {
        Spool spool = new Spool(dir);
        Files.writeString(dir.resolve("ready").resolve("copied-in.dcm"), "x");
        Spool.Entry entry = commit(spool, "real");

        assertThat(new Spool(dir).pending()).extracting(Spool.Entry::id).containsExactly(entry.id());
    }

    private static Spool.Entry commit(Spool spool, String content) throws Exception {
        Path incoming = spool.newIncomingFile();
        Files.writeString(incoming, content);
        Spool.Entry entry = spool.commit(incoming, "SCU", "RTR", IngestSource.DIMSE);
        assertThat(Files.exists(incoming)).isFalse();
        return entry;
    }

    @Test
    void parallelCommitsAreAllDurableEntries() throws Exception {
        Spool spool = new Spool(dir);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Spool.Entry>> commits = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String content = "object " + i;
                commits.add(pool.submit(() -> commit(spool, content)));
            }
            List<String> ids = new ArrayList<>();
            for (Future<Spool.Entry> f : commits) {
                ids.add(f.get().id());
            }

            assertThat(new Spool(dir).pending()).extracting(Spool.Entry::id).containsExactlyInAnyOrderElementsOf(ids);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void commitHandsOverTheFileWithItsFinalBytesBeforeItReturns() throws Exception {
        Spool spool = new Spool(dir);
        Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE);
        try (incoming) {
            incoming.write(part10Like("digest while the disk works"));
        }
        List<byte[]> seen = new ArrayList<>();

        Spool.Entry entry = spool.commit(incoming, file -> {
            try {
                seen.add(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        // What was handed over is the entry as it stays, completion record included.
        assertThat(seen).singleElement().isEqualTo(Files.readAllBytes(entry.file()));
        assertThat(Spool.hasCompletionRecord(entry.file())).isTrue();
    }

    @Test
    void inPlaceEntryIsCommittedUnderItsOwnNameAndSurvivesReopening() throws Exception {
        Spool spool = new Spool(dir);
        Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE);
        Path file = incoming.path();
        try (incoming) {
            incoming.write(part10Like("in place"));
        }

        Spool.Entry entry = spool.commit(incoming);

        assertThat(entry.file()).isEqualTo(file);
        assertThat(Spool.hasCompletionRecord(file)).isTrue();
        List<Spool.Entry> pending = new Spool(dir).pending();
        assertThat(pending).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(entry.id());
            assertThat(e.callingAe()).isEqualTo("SCU");
            assertThat(e.calledAe()).isEqualTo("RTR");
            assertThat(e.source()).isEqualTo(IngestSource.DIMSE);
            assertThat(e.sizeBytes()).isEqualTo(Files.size(file));
        });
    }

    @Test
    void slotCutOffMidWriteIsSkippedWhileRunningAndNothingReceivedAfterReopen() throws Exception {
        Spool spool = new Spool(dir);
        Path arriving;
        try (Spool.EntryFile incoming = spool.newEntryFile(null, null, IngestSource.STOW_RS)) {
            arriving = incoming.path();
            incoming.write(part10Like("still arriving"));
        }

        assertThat(spool.pending()).isEmpty();
        assertThat(arriving).isNotEmptyFile();

        Spool reopened = new Spool(dir);

        assertThat(reopened.pending()).isEmpty();
        assertThat(arriving).isEmptyFile();
    }

    @Test
    void unusedSlotsAreNotEntriesAndAreKeptOnReopen() throws Exception {
        new Spool(dir);
        List<Path> slots = readyFiles();

        Spool reopened = new Spool(dir);

        assertThat(reopened.pending()).isEmpty();
        assertThat(slots).isNotEmpty().allSatisfy(slot -> assertThat(slot).isEmptyFile());
        assertThat(readyFiles()).containsExactlyInAnyOrderElementsOf(slots);
    }

    @Test
    void slotsEmptiedOnReopenAreHandedOutAgainBeforeAnyNewOne() throws Exception {
        Spool spool = new Spool(dir);
        try (Spool.EntryFile cutOff = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE)) {
            cutOff.write(part10Like("cut off"));
        }
        List<Path> existing = readyFiles();

        Spool reopened = new Spool(dir);
        List<Path> handedOut = new ArrayList<>();
        for (int i = 0; i < existing.size(); i++) {
            try (Spool.EntryFile incoming = reopened.newEntryFile("SCU", "RTR", IngestSource.DIMSE)) {
                handedOut.add(incoming.path());
            }
        }
        reopened.close();

        assertThat(handedOut).containsExactlyInAnyOrderElementsOf(existing);
    }

    @Test
    void handsOutMoreFilesThanItKeepsAheadAndEveryCommitSurvivesReopening() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Spool spool = new Spool(dir)) {
            for (int i = 0; i < 40; i++) {
                Spool.EntryFile incoming = spool.newEntryFile("SCU" + i, "RTR", IngestSource.DIMSE);
                try (incoming) {
                    incoming.write(part10Like("object " + i));
                }
                ids.add(spool.commit(incoming).id());
            }
        }

        List<Spool.Entry> pending = new Spool(dir).pending();

        assertThat(pending).extracting(Spool.Entry::id).containsExactlyElementsOf(ids);
        assertThat(pending.get(39).callingAe()).isEqualTo("SCU39");
        assertThat(new String(Files.readAllBytes(pending.get(39).file()), StandardCharsets.ISO_8859_1))
                .endsWith("object 39");
    }

    @Test
    void identicalObjectsGetIdenticalBytesWhateverTheirReceipts() throws Exception {
        Spool spool = new Spool(dir);
        List<byte[]> stored = new ArrayList<>();
        for (String callingAe : new String[] {"SCU", null}) {
            Spool.EntryFile incoming = spool.newEntryFile(callingAe, "RTR", IngestSource.DIMSE);
            try (incoming) {
                incoming.write(part10Like("same"));
            }
            stored.add(Files.readAllBytes(spool.commit(incoming).file()));
        }

        assertThat(stored.get(0)).isEqualTo(stored.get(1));
    }

    @Test
    void withoutExtendedAttributesEachObjectGetsAFileNamedAfterItsReceipt() throws Exception {
        Spool spool = new Spool(dir, false);
        Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE);
        try (incoming) {
            incoming.write(part10Like("named"));
        }

        Spool.Entry entry = spool.commit(incoming);

        assertThat(entry.file().getFileName().toString()).startsWith(entry.id()).endsWith(".rtr");
        assertThat(readyFiles()).containsExactly(entry.file());
        assertThat(new Spool(dir, false).pending()).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(entry.id());
            assertThat(e.callingAe()).isEqualTo("SCU");
        });
    }

    @Test
    void slotEntryWithoutAeTitlesKeepsItsReceipt() throws Exception {
        Spool spool = new Spool(dir);
        Spool.EntryFile incoming = spool.newEntryFile(null, null, IngestSource.STOW_RS);
        try (incoming) {
            incoming.write(part10Like("stow"));
        }
        Spool.Entry committed = spool.commit(incoming);

        assertThat(new Spool(dir).pending()).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(committed.id());
            assertThat(e.receivedAt()).isEqualTo(committed.receivedAt());
            assertThat(e.callingAe()).isNull();
            assertThat(e.calledAe()).isNull();
            assertThat(e.source()).isEqualTo(IngestSource.STOW_RS);
        });
    }

    @Test
    void entryNamedAfterItsReceiptIsListedAndOneCutOffIsDeletedOnOpen() throws Exception {
        Files.createDirectories(dir.resolve("ready"));
        byte[] bytes = part10Like("version 1");
        CRC32C crc = new CRC32C();
        crc.update(bytes, 128, bytes.length - 128);
        ByteBuffer.wrap(bytes).put("RTRSPOOL".getBytes(StandardCharsets.US_ASCII)).put((byte) 1)
                .putLong(bytes.length).putInt((int) crc.getValue());
        String id = "1763800000000-000000001-abcdef01";
        Files.write(dir.resolve("ready").resolve(id + "_534355_525452_DIMSE.rtr"), bytes);
        Files.write(dir.resolve("ready").resolve("1763800000001-000000002-abcdef02_-_-_STOW_RS.rtr"),
                part10Like("cut off"));

        List<Spool.Entry> pending = new Spool(dir).pending();

        assertThat(pending).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(id);
            assertThat(e.callingAe()).isEqualTo("SCU");
            assertThat(e.calledAe()).isEqualTo("RTR");
        });
        assertThat(readyFiles()).noneMatch(p -> p.toString().contains("STOW_RS"));
    }

    private List<Path> readyFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("ready"))) {
            return files.toList();
        }
    }

    @Test
    void inPlaceEntryWhoseContentDoesNotMatchItsRecordIsNotAnEntry() throws Exception {
        Spool spool = new Spool(dir);
        Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE);
        Path file = incoming.path();
        try (incoming) {
            incoming.write(part10Like("complete"));
        }
        spool.commit(incoming);

        // What a crash can leave: the record written, a later block of the data not.
        byte[] damaged = Files.readAllBytes(file);
        damaged[damaged.length - 1] ^= 0x5a;
        Files.write(file, damaged);

        assertThat(new Spool(dir).pending()).isEmpty();
    }

    @Test
    void checksumStreamedInPiecesOfEverySizeMatchesTheBytesOnDisk() throws Exception {
        Spool spool = new Spool(dir);
        byte[] bytes = part10Like("x".repeat(1000));
        Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE);
        try (incoming) {
            // Pieces that end before, at and across the end of the preamble, and single bytes.
            int[] cuts = {0, 100, 128, 129, 300, 301, bytes.length};
            for (int i = 1; i < cuts.length; i++) {
                if (cuts[i] - cuts[i - 1] == 1) {
                    incoming.write(bytes[cuts[i - 1]]);
                } else {
                    incoming.write(bytes, cuts[i - 1], cuts[i] - cuts[i - 1]);
                }
            }
        }

        Spool.Entry entry = spool.commit(incoming);

        assertThat(entry.sizeBytes()).isEqualTo(bytes.length);
        assertThat(Spool.hasCompletionRecord(entry.file())).isTrue();
        assertThat(Arrays.copyOfRange(Files.readAllBytes(entry.file()), 128, bytes.length))
                .isEqualTo(Arrays.copyOfRange(bytes, 128, bytes.length));
    }

    @Test
    void refusesToCommitAnEntryFileStillBeingWritten() throws Exception {
        Spool spool = new Spool(dir);
        try (Spool.EntryFile incoming = spool.newEntryFile("SCU", "RTR", IngestSource.DIMSE)) {
            incoming.write(part10Like("open"));

            assertThatThrownBy(() -> spool.commit(incoming)).isInstanceOf(IllegalStateException.class);
        }
    }

    /** A preamble, the DICM prefix and a payload: all the spool needs of a Part 10 file. */
    private static byte[] part10Like(String payload) {
        byte[] body = ("DICM" + payload).getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[128 + body.length];
        System.arraycopy(body, 0, all, 128, body.length);
        return all;
    }
}
