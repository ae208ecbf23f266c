package io.rtr.standalone.audit;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.WorklistEntry;
import io.rtr.triage.priority.PriorityClassifier;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The A/B report of a replay: live and shadow score distributions side by side over the revisions
 * both scored, the revisions whose priority class the shadow model would change, and how each
 * radiologist's queue at the end of the window would be reordered. Classes and priority scores
 * come from the prioritization app's own policy ({@link PriorityClassifier}), never a copy of it.
 */
final class ReplayReport {

    /** Columns of {@code --csv}, one row per re-scored revision. */
    static final List<String> CSV_COLUMNS = List.of("studyInstanceUid", "revision", "accessionNumber",
            "assembledRecordTime", "liveModel", "liveModelVersion", "liveScore", "liveSuspicious", "liveClass",
            "shadowModel", "shadowModelVersion", "shadowScore", "shadowSuspicious", "shadowClass", "classChanged",
            "radiologistId", "livePosition", "shadowPosition", "unscorable");

    /** A score distribution; {@code suspicious} counts the scores that reached their model's threshold. */
    record Distribution(int count, double mean, double p50, double p90, int suspicious) {
        static Distribution of(List<StudyScored> scores) {
            double[] values = scores.stream().mapToDouble(StudyScored::getStudyScore).sorted().toArray();
            int suspicious = (int) scores.stream().filter(StudyScored::getSuspicious).count();
            return new Distribution(values.length, Arrays.stream(values).average().orElse(Double.NaN),
                    percentile(values, 50), percentile(values, 90), suspicious);
        }

        double shareSuspicious() {
            return count == 0 ? Double.NaN : (double) suspicious / count;
        }

        /** Nearest rank: an actual score of the sample, so a p90 of ten studies is the ninth, not an interpolation. */
        private static double percentile(double[] sorted, int p) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p / 100.0 * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }

    /** A revision whose priority class differs between its live and its shadow score. */
    record ClassChange(Replay.Row row, PriorityClass live, PriorityClass shadow) {
    }

    /**
     * One study of a radiologist's queue at the end of the window: its place in the live order and
     * in the order the shadow score gives, 1-based. Studies not re-scored keep their live ranking.
     */
    record Position(WorklistEntry entry, Replay.Row row, int live, int shadow, PriorityClass shadowClass,
                    double shadowPriority) {
    }

    /** A radiologist's queue with at least one re-scored study, in live order. */
    record Queue(String radiologist, List<Position> positions) {
        List<Position> movedUp() {
            return positions.stream().filter(p -> p.shadow() < p.live()).sorted((a, b) -> a.shadow() - b.shadow()).toList();
        }

        List<Position> movedDown() {
            return positions.stream().filter(p -> p.shadow() > p.live()).sorted((a, b) -> a.shadow() - b.shadow()).toList();
        }
    }

    private final Replay.Result result;
    private final Replay.Window window;
    private final Instant from;
    private final Instant to;
    private final String shadowModel;
    private final WorklistAt.Snapshot snapshot;
    private final Distribution live;
    private final Distribution shadow;
    private final Set<String> liveModels = new LinkedHashSet<>();
    private final List<ClassChange> classChanges = new ArrayList<>();
    private final List<Queue> queues = new ArrayList<>();
    private final Map<Replay.Revision, Position> positions = new HashMap<>();
    private final int withoutLive;

    /**
     * @param shadowModel how the shadow model is named in the report, e.g. name, version and digest
     * @param snapshot    every radiologist's queue at {@code to}, rebuilt from rtr.worklist
     */
    ReplayReport(Replay.Result result, Replay.Window window, Instant from, Instant to, String shadowModel,
                 WorklistAt.Snapshot snapshot) {
        this.result = result;
        this.window = window;
        this.from = from;
        this.to = to;
        this.shadowModel = shadowModel;
        this.snapshot = snapshot;
        List<StudyScored> liveScores = new ArrayList<>();
        List<StudyScored> shadowScores = new ArrayList<>();
        Map<Replay.Revision, Replay.Row> rows = new HashMap<>();
        int noLive = 0;
        for (Replay.Row row : result.rows()) {
            rows.put(row.revision(), row);
            if (row.shadow() != null && row.live() == null) {
                noLive++;
            }
            if (row.live() == null || row.shadow() == null) {
                continue;
            }
            // Side by side over the same revisions only: otherwise a difference could be the sample's.
            liveScores.add(row.live());
            shadowScores.add(row.shadow());
            liveModels.add(row.live().getModelName() + " " + row.live().getModelVersion());
            PriorityClass liveClass = classOf(row.assembled().study(), row.live());
            PriorityClass shadowClass = classOf(row.assembled().study(), row.shadow());
            if (liveClass != shadowClass) {
                classChanges.add(new ClassChange(row, liveClass, shadowClass));
            }
        }
        this.withoutLive = noLive;
        this.live = Distribution.of(liveScores);
        this.shadow = Distribution.of(shadowScores);
        snapshot.queues().forEach((radiologist, queue) -> rerank(radiologist, queue, rows));
    }

    private static PriorityClass classOf(StudyAssembled study, StudyScored score) {
        OrderContext order = study.getOrderContext();
        return PriorityClassifier.classify(score.getStudyScore(), score.getThreshold(), order);
    }

    /** A queue entry with the class and priority score it would have under the shadow score. */
    private record Ranked(WorklistEntry entry, Replay.Row row, PriorityClass shadowClass, double shadowPriority) {
    }

    private void rerank(String radiologist, List<WorklistEntry> queue, Map<Replay.Revision, Replay.Row> rows) {
        List<Ranked> ranked = new ArrayList<>();
        boolean touched = false;
        for (WorklistEntry entry : queue) {
            Replay.Row row = rows.get(new Replay.Revision(entry.getStudyInstanceUid(), entry.getStudyRevision()));
            if (row == null || row.shadow() == null) {
                ranked.add(new Ranked(entry, row, entry.getPriorityClass(), entry.getPriorityScore()));
                continue;
            }
            touched = true;
            StudyAssembled study = row.assembled().study();
            // The entry's score as emitted (aging, order bonus) with only the score's share swapped: both
            // rankings are taken at the same instant, so everything but the score cancels out.
            double delta = PriorityClassifier.rank(study, row.shadow(), to).priorityScore()
                    - PriorityClassifier.rank(study, row.live(), to).priorityScore();
            double priority = Math.round((entry.getPriorityScore() + delta) * 1000.0) / 1000.0;
            ranked.add(new Ranked(entry, row, classOf(study, row.shadow()), priority));
        }
        if (!touched) {
            return;
        }
        List<Ranked> shadowOrder = new ArrayList<>(ranked);
        shadowOrder.sort(WorklistAt.readingOrder(Ranked::shadowClass, Ranked::shadowPriority,
                r -> r.entry().getWaitingSince(), r -> r.entry().getStudyInstanceUid()));
        List<Position> list = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            Ranked r = ranked.get(i);
            Position position = new Position(r.entry(), r.row(), i + 1, shadowOrder.indexOf(r) + 1, r.shadowClass(),
                    r.shadowPriority());
            list.add(position);
            if (r.row() != null) {
                positions.put(r.row().revision(), position);
            }
        }
        queues.add(new Queue(radiologist, List.copyOf(list)));
    }

    Distribution live() {
        return live;
    }

    Distribution shadow() {
        return shadow;
    }

    List<ClassChange> classChanges() {
        return classChanges;
    }

    List<Queue> queues() {
        return queues;
    }

    /** Prints the report for people. */
    void print(PrintStream out) {
        out.printf(Locale.ROOT, "Replay %s: %d revision(s) of %d stud%s on rtr.studies from %s to %s re-scored with %s"
                        + " into %s%n", result.runId(), result.rows().size(), window.studies(),
                window.studies() == 1 ? "y" : "ies", from, to, shadowModel, result.shadowTopic());
        out.printf(Locale.ROOT, "  %d scored, %d could not be scored, %d scored without a live score to compare%s%n",
                result.scored(), result.unscorable(), withoutLive,
                result.interrupted() ? ", " + (result.rows().size() - result.scored() - result.unscorable())
                        + " not reached (interrupted)" : "");
        out.println();
        out.printf(Locale.ROOT, "Score distributions over the %d revision(s) scored by both%n", live.count());
        out.printf(Locale.ROOT, "  %-18s %-28s %s%n", "", "LIVE", "SHADOW");
        out.printf(Locale.ROOT, "  %-18s %-28s %s%n", "model", String.join(", ", liveModels),
                result.rows().stream().filter(r -> r.shadow() != null).findFirst()
                        .map(r -> r.shadow().getModelName() + " " + r.shadow().getModelVersion()).orElse("-"));
        out.printf(Locale.ROOT, "  %-18s %-28d %d%n", "count", live.count(), shadow.count());
        distributionLine(out, "mean", live.mean(), shadow.mean());
        distributionLine(out, "p50", live.p50(), shadow.p50());
        distributionLine(out, "p90", live.p90(), shadow.p90());
        out.printf(Locale.ROOT, "  %-18s %-28s %s%n", "share suspicious", share(live), share(shadow));
        out.println();
        out.printf(Locale.ROOT, "Priority class changed: %d of %d revision(s)%n", classChanges.size(), live.count());
        for (ClassChange change : classChanges) {
            StudyAssembled study = change.row().assembled().study();
            out.printf(Locale.ROOT, "  %-40s rev %-3d %-12s %s (%.3f) -> %s (%.3f)%n", study.getStudyInstanceUid(),
                    study.getRevision(), study.getAccessionNumber() == null ? "-" : study.getAccessionNumber(),
                    change.live(), change.row().live().getStudyScore(), change.shadow(),
                    change.row().shadow().getStudyScore());
        }
        out.println();
        out.printf(Locale.ROOT, "Rank changes per radiologist at %s (queues rebuilt from %d record(s) of rtr.worklist;"
                + " %d queue(s) hold re-scored studies)%n", to, snapshot.stats().scanned(), queues.size());
        for (Queue queue : queues) {
            List<Position> up = queue.movedUp();
            List<Position> down = queue.movedDown();
            out.printf(Locale.ROOT, "  %s: %d stud%s, %d moved up, %d moved down%n", queue.radiologist(),
                    queue.positions().size(), queue.positions().size() == 1 ? "y" : "ies", up.size(), down.size());
            for (Position p : up) {
                move(out, "up", p);
            }
            for (Position p : down) {
                move(out, "down", p);
            }
        }
        List<Replay.Row> failed = result.rows().stream().filter(r -> r.unscorable() != null).toList();
        if (!failed.isEmpty()) {
            out.println();
            out.printf(Locale.ROOT, "Could not be scored: %d revision(s)%n", failed.size());
            for (Replay.Row row : failed) {
                out.printf(Locale.ROOT, "  %-40s rev %-3d %s%n", row.revision().studyInstanceUid(),
                        row.revision().revision(), row.unscorable());
            }
        }
    }

    private static void distributionLine(PrintStream out, String label, double live, double shadow) {
        out.printf(Locale.ROOT, "  %-18s %-28s %s%n", label, number(live), number(shadow));
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    private static String share(Distribution d) {
        return d.count() == 0 ? "-" : String.format(Locale.ROOT, "%.1f%% (%d)", 100 * d.shareSuspicious(), d.suspicious());
    }

    private static void move(PrintStream out, String direction, Position p) {
        WorklistEntry e = p.entry();
        out.printf(Locale.ROOT, "    %-4s %-40s %2d -> %-2d %s %.3f -> %s %.3f%n", direction, e.getStudyInstanceUid(),
                p.live(), p.shadow(), e.getPriorityClass(), e.getPriorityScore(), p.shadowClass(), p.shadowPriority());
    }

    /** Writes the per-revision rows as CSV with {@link #CSV_COLUMNS}. */
    void writeCsv(Writer out) throws IOException {
        StringBuilder line = new StringBuilder(512);
        Export.appendCsvLine(line, CSV_COLUMNS);
        out.append(line);
        for (Replay.Row row : result.rows()) {
            StudyAssembled study = row.assembled().study();
            Position position = positions.get(row.revision());
            PriorityClass liveClass = row.live() == null ? null : classOf(study, row.live());
            PriorityClass shadowClass = row.shadow() == null ? null : classOf(study, row.shadow());
            List<String> cells = new ArrayList<>(CSV_COLUMNS.size());
            cells.add(study.getStudyInstanceUid());
            cells.add(Integer.toString(study.getRevision()));
            cells.add(text(study.getAccessionNumber()));
            cells.add(Instant.ofEpochMilli(row.assembled().timestamp()).toString());
            scoreCells(cells, row.live(), liveClass);
            scoreCells(cells, row.shadow(), shadowClass);
            cells.add(liveClass == null || shadowClass == null ? "" : Boolean.toString(liveClass != shadowClass));
            cells.add(position == null ? "" : position.entry().getRadiologistId());
            cells.add(position == null ? "" : Integer.toString(position.live()));
            cells.add(position == null ? "" : Integer.toString(position.shadow()));
            cells.add(text(row.unscorable()));
            line.setLength(0);
            Export.appendCsvLine(line, cells);
            out.append(line);
        }
        out.flush();
    }

    private static void scoreCells(List<String> cells, StudyScored score, PriorityClass priorityClass) {
        cells.add(score == null ? "" : score.getModelName());
        cells.add(score == null ? "" : score.getModelVersion());
        cells.add(score == null ? "" : Double.toString(score.getStudyScore()));
        cells.add(score == null ? "" : Boolean.toString(score.getSuspicious()));
        cells.add(priorityClass == null ? "" : priorityClass.name());
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
