package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.IngestSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
