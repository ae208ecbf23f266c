package io.rtr.standalone.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.schemas.Topics;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The read-only views of the log in the {@code rtr} command line: {@code audit study},
 * {@code audit worklist}, {@code export} and {@code replay}. Each reads with a consumer that joins no
 * group and commits nothing ({@link LogScanner}), shows a progress bar on stderr, and stops cleanly
 * on Ctrl-C with what it read so far (exit code 130). The only write is the replay's: its shadow
 * scores go to a topic it creates for the run ({@link Replay}), never to a live topic.
 *
 * <pre>
 *   ./rtr audit study 1.2.826.0.1.3680043.8.498.1 [--json] [--bootstrap 127.0.0.1:9092] [--registry http://127.0.0.1:8081]
 *   ./rtr audit worklist --radiologist dr-a --at 2026-01-01T10:32:00Z [--json]
 *   ./rtr export --topic rtr.scores --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z [--format jsonl|csv] [--out FILE]
 *   ./rtr replay --from T1 --to T2 --model SAVED_MODEL_DIR [--csv FILE]   (shadow topic rtr.shadow.scores.RUN_ID)
 * </pre>
 * Every command takes {@code --quiet} (no progress bar). Exit codes: 0 done, 1 nothing found or the
 * cluster failed, 2 the command line was wrong, 130 interrupted (partial result printed).
 */
public final class LogCli {

    static final int EXIT_OK = 0;
    static final int EXIT_INTERRUPTED = 130;

    static final String BOOTSTRAP = "--bootstrap";
    static final String REGISTRY = "--registry";
    static final String JSON = "--json";
    static final String QUIET = "--quiet";
    static final String RADIOLOGIST = "--radiologist";
    static final String AT = "--at";
    static final String TOPIC = "--topic";
    static final String FROM = "--from";
    static final String TO = "--to";
    static final String FORMAT = "--format";
    static final String OUT = "--out";
    static final String MODEL = "--model";
    static final String CSV = "--csv";

    static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
    static final String DEFAULT_REGISTRY = "http://127.0.0.1:8081";

    private static final Map<String, String> SUMMARIES = new LinkedHashMap<>();
    private static final Map<String, String> USAGES = new LinkedHashMap<>();

    static {
        String endpoints = " [--bootstrap H:P] [--registry URL] [--quiet]";
        SUMMARIES.put("audit", "explain a study's decisions in time order, or rebuild a radiologist's"
                + " worklist at a past moment, from the log (read-only)");
        USAGES.put("audit", "audit study STUDY_INSTANCE_UID [--json]" + endpoints
                + " | audit worklist --radiologist R --at ISO_TIME [--json]" + endpoints);
        SUMMARIES.put("export", "write a topic's events in a time window as JSON lines or CSV (read-only)");
        USAGES.put("export", "export --topic T --from ISO_TIME --to ISO_TIME [--format jsonl|csv] [--out FILE]"
                + endpoints);
        SUMMARIES.put("replay", "re-score a time window of studies with another SavedModel into a shadow topic"
                + " and print an A/B report against the live scores (live topics read-only)");
        USAGES.put("replay", "replay --from ISO_TIME --to ISO_TIME --model SAVED_MODEL_DIR [--csv FILE]" + endpoints);
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Interruption interruption;

    LogCli(PrintStream out, PrintStream err, Interruption interruption) {
        this.out = out;
        this.err = err;
        this.interruption = interruption;
    }

    /** The command words this class answers, in help order. */
    public static List<String> commands() {
        return List.copyOf(SUMMARIES.keySet());
    }

    /** One line saying what {@code command} does. */
    public static String summary(String command) {
        return SUMMARIES.get(command);
    }

    /** How {@code command} is called. */
    public static String usage(String command) {
        return USAGES.get(command);
    }

    /** Runs {@code command} with the words after it; installs the Ctrl-C hook for the time of the run. */
    public static int run(String command, List<String> words, PrintStream out, PrintStream err) {
        try (Interruption interruption = Interruption.onCtrlC()) {
            return new LogCli(out, err, interruption).run(command, words);
        }
    }

    int run(String command, List<String> words) {
        try {
            return switch (command) {
                case "audit" -> audit(words);
                case "export" -> export(words);
                case "replay" -> replay(words);
                default -> throw LogFailure.usage("unknown command '" + command + "'");
            };
        } catch (LogFailure e) {
            err.println("rtr " + command + ": " + e.getMessage()
                    + (e.exitCode() == LogFailure.EXIT_USAGE ? ". Usage: rtr " + usage(command) : ""));
            return e.exitCode();
        } catch (WakeupException e) {
            // Ctrl-C while looking up partitions or offsets, before the scan itself: nothing to show.
            err.println("rtr " + command + ": interrupted before any record was read");
            return EXIT_INTERRUPTED;
        } catch (RuntimeException e) {
            SchemaRegistryException registry = find(e, SchemaRegistryException.class);
            if (registry != null) {
                err.println("rtr " + command + ": cannot read event schemas from the registry (" + registry.getMessage()
                        + "): start the demo (./rtr demo) or pass --registry URL of the cluster's schema registry");
            } else {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                err.println("rtr " + command + " failed: " + e.getMessage() + (root == e ? "" : " (cause: " + root + ")"));
            }
            return LogFailure.EXIT_FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    // --- audit ------------------------------------------------------------------------------------

    private int audit(List<String> words) {
        if (words.isEmpty() || words.get(0).startsWith("--")) {
            throw LogFailure.usage("audit needs what to audit: 'study STUDY_INSTANCE_UID' or 'worklist'");
        }
        String what = words.get(0);
        List<String> rest = words.subList(1, words.size());
        return switch (what) {
            case "study" -> auditStudy(rest);
            case "worklist" -> auditWorklist(rest);
            default -> throw LogFailure.usage("unknown audit '" + what + "': use 'audit study UID' or 'audit worklist'");
        };
    }

    private int auditStudy(List<String> words) {
        LogArgs args = LogArgs.parse("audit study", words, Set.of(BOOTSTRAP, REGISTRY), Set.of(JSON, QUIET));
        if (args.positional().size() != 1) {
            throw LogFailure.usage(args.positional().isEmpty()
                    ? "audit study needs the StudyInstanceUID: add it, e.g. rtr audit study 1.2.840.113619.2.1"
                    : "audit study takes one StudyInstanceUID, got " + args.positional());
        }
        String uid = args.positional().get(0);
        if (!uid.matches("[0-9.]{1,64}")) {
            throw LogFailure.usage("'" + uid + "' is not a StudyInstanceUID (digits and dots, at most 64):"
                    + " copy it from the study's (0020,000D) attribute");
        }
        StudyAudit.Result result;
        try (LogScanner scanner = scanner(args)) {
            result = new StudyAudit(scanner, AuditTopics.standard(), registry(args)).audit(uid);
        }
        if (result.events().isEmpty() && !result.stats().interrupted()) {
            List<String> where = new ArrayList<>();
            result.partitions().forEach((topic, partition) -> where.add(topic + "[" + partition + "]"));
            throw LogFailure.failed("study '" + uid + "' not found: no event with that key in " + String.join(", ", where)
                    + " (" + result.stats().scanned() + " records scanned); check the StudyInstanceUID"
                    + " or point --bootstrap at the cluster that received the study");
        }
        if (args.has(JSON)) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("studyInstanceUid", uid);
            document.put("complete", !result.stats().interrupted());
            document.put("partitions", result.partitions());
            document.put("recordsScanned", result.stats().scanned());
            List<Map<String, Object>> events = new ArrayList<>();
            for (AuditEvent event : result.events()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("time", event.time().toString());
                json.put("type", event.type());
                json.put("topic", event.topic());
                json.put("partition", event.partition());
                json.put("offset", event.offset());
                json.putAll(event.fields());
                events.add(json);
            }
            document.put("events", events);
            printJson(document);
        } else {
            out.printf(Locale.ROOT, "Study %s: %d event(s), %d record(s) scanned in partition %s of the six study topics%n", uid,
                    result.events().size(), result.stats().scanned(), result.partitions().values().stream()
                            .distinct().map(String::valueOf).reduce((a, b) -> a + "/" + b).orElse("?"));
            for (AuditEvent event : result.events()) {
                out.printf(Locale.ROOT, "%-24s  %-17s  %s%n", event.time(), label(event.type()), event.line());
            }
        }
        return finish(result.stats(), "the decision chain above is partial");
    }

    private static String label(String type) {
        return type.toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private int auditWorklist(List<String> words) {
        LogArgs args = LogArgs.parse("audit worklist", words, Set.of(BOOTSTRAP, REGISTRY, RADIOLOGIST, AT),
                Set.of(JSON, QUIET));
        if (!args.positional().isEmpty()) {
            throw LogFailure.usage("unexpected argument '" + args.positional().get(0) + "' for audit worklist");
        }
        String radiologist = args.required(RADIOLOGIST, "dr-a");
        Instant at = Times.parse(AT, args.required(AT, "2026-01-01T10:32:00Z"));
        WorklistAt.Result result;
        Map<TopicPartition, Long> first;
        try (LogScanner scanner = scanner(args)) {
            result = new WorklistAt(scanner, Topics.WORKLIST.name(), registry(args)).rebuild(radiologist, at);
            first = result.stats().scanned() == 0 && !result.stats().interrupted()
                    ? scanner.firstTimestamps(scanner.partitions(Topics.WORKLIST.name())) : Map.of();
        }
        if (result.stats().scanned() == 0 && !result.stats().interrupted()) {
            throw LogFailure.failed("no worklist record at or before " + at + " on " + Topics.WORKLIST.name()
                    + firstRecordHint(first) + ": choose a later --at");
        }
        if (args.has(JSON)) {
            Map<String, Object> document = new LinkedHashMap<>();
            document.put("radiologistId", radiologist);
            document.put("at", at.toString());
            document.put("complete", !result.stats().interrupted());
            document.put("recordsScanned", result.stats().scanned());
            List<Map<String, Object>> studies = new ArrayList<>();
            int position = 1;
            for (WorklistEntry e : result.queue()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("position", position++);
                row.put("studyInstanceUid", e.getStudyInstanceUid());
                row.put("accessionNumber", e.getAccessionNumber());
                row.put("priorityClass", e.getPriorityClass().name());
                row.put("priorityScore", e.getPriorityScore());
                row.put("status", e.getStatus().name());
                row.put("claimedBy", e.getClaimedBy());
                row.put("waitingSince", e.getWaitingSince().toString());
                row.put("studyScore", e.getStudyScore());
                row.put("modelName", e.getModelName());
                row.put("modelVersion", e.getModelVersion());
                row.put("studyRevision", e.getStudyRevision());
                row.put("version", e.getVersion());
                row.put("reasons", List.copyOf(e.getReasons()));
                studies.add(row);
            }
            document.put("studies", studies);
            printJson(document);
        } else {
            out.printf(Locale.ROOT, "Worklist of %s at %s: %d stud%s (rebuilt from %d record(s) of %s; %d studies on any worklist)%n",
                    radiologist, at, result.queue().size(), result.queue().size() == 1 ? "y" : "ies",
                    result.stats().scanned(), Topics.WORKLIST.name(), result.studiesOnAnyWorklist());
            if (!result.queue().isEmpty()) {
                out.printf(Locale.ROOT, "%3s  %-40s  %-12s  %-20s  %8s  %-9s  %-24s  %s%n", "#", "STUDY", "ACCESSION", "CLASS",
                        "PRIORITY", "STATUS", "WAITING SINCE", "MODEL");
            }
            int position = 1;
            for (WorklistEntry e : result.queue()) {
                out.printf(Locale.ROOT, "%3d  %-40s  %-12s  %-20s  %8.3f  %-9s  %-24s  %s%n", position++, e.getStudyInstanceUid(),
                        e.getAccessionNumber() == null ? "-" : e.getAccessionNumber(), e.getPriorityClass(),
                        e.getPriorityScore(), e.getStatus(), e.getWaitingSince(),
                        e.getModelName() == null ? "-" : e.getModelName() + " " + e.getModelVersion());
            }
        }
        return finish(result.stats(), "the worklist above is rebuilt from part of the log only");
    }

    // --- export -----------------------------------------------------------------------------------

    private int export(List<String> words) {
        LogArgs args = LogArgs.parse("export", words, Set.of(BOOTSTRAP, REGISTRY, TOPIC, FROM, TO, FORMAT, OUT),
                Set.of(QUIET));
        if (!args.positional().isEmpty()) {
            throw LogFailure.usage("unexpected argument '" + args.positional().get(0) + "' for export");
        }
        String topic = args.required(TOPIC, Topics.SCORES.name());
        Instant from = Times.parse(FROM, args.required(FROM, "2026-01-01T00:00:00Z"));
        Instant to = Times.parse(TO, args.required(TO, "2026-01-02T00:00:00Z"));
        requireOrdered(from, to);
        Export.Format format = switch (args.value(FORMAT).orElse("jsonl").toLowerCase(Locale.ROOT)) {
            case "jsonl", "json" -> Export.Format.JSONL;
            case "csv" -> Export.Format.CSV;
            default -> throw LogFailure.usage(FORMAT + " '" + args.value(FORMAT).orElse("")
                    + "' is not a format: use jsonl or csv");
        };
        Path file = args.value(OUT).map(value -> path(OUT, value)).orElse(null);
        Export.Result result;
        Map<TopicPartition, Long> first = Map.of();
        try (LogScanner scanner = scanner(args); OutputStream target = open(file)) {
            result = new Export(scanner, registry(args)).export(topic, from, to, format, target);
            if (result.rows() == 0 && !result.stats().interrupted()) {
                first = scanner.firstTimestamps(result.partitions());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + (file == null ? "stdout" : file), e);
        }
        if (result.rows() == 0 && !result.stats().interrupted()) {
            deleteQuietly(file);
            throw LogFailure.failed("no records on " + topic + " from " + from + " to " + to + firstRecordHint(first)
                    + ": widen --from/--to");
        }
        err.printf(Locale.ROOT, "rtr export: %d row(s) of %s from %s to %s written to %s (%d record(s) scanned, %.0f/min)%n",
                result.rows(), topic, from, to, file == null ? "stdout" : file, result.stats().scanned(),
                result.stats().perMinute());
        return finish(result.stats(), "the export holds the rows read before the interruption");
    }

    private OutputStream open(Path file) throws IOException {
        if (file == null) {
            // stdout stays open for whoever prints after us.
            return new BufferedOutputStream(out, 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // An empty file left behind is harmless; the error line already says nothing matched.
        }
    }

    // --- replay -----------------------------------------------------------------------------------

    private int replay(List<String> words) {
        LogArgs args = LogArgs.parse("replay", words, Set.of(BOOTSTRAP, REGISTRY, FROM, TO, MODEL, CSV), Set.of(QUIET));
        if (!args.positional().isEmpty()) {
            throw LogFailure.usage("unexpected argument '" + args.positional().get(0) + "' for replay");
        }
        Path modelDir = SavedModelDir.require(MODEL, args.required(MODEL, "./models/rtr-reference/2"));
        Instant from = Times.parse(FROM, args.required(FROM, "2026-01-01T00:00:00Z"));
        Instant to = Times.parse(TO, args.required(TO, "2026-01-02T00:00:00Z"));
        requireOrdered(from, to);
        Path csv = args.value(CSV).map(value -> path(CSV, value)).orElse(null);
        String bootstrap = args.value(BOOTSTRAP).orElse(DEFAULT_BOOTSTRAP);
        // The model first: a wrong model is found in a second, before any scan of a long window.
        try (SavedModelScorer scorer = SavedModelDir.open(MODEL, modelDir); LogScanner scanner = scanner(args)) {
            Replay replay = new Replay(scanner, interruption, bootstrap, registry(args));
            Replay.Window window = replay.studies(from, to);
            if (window.stats().interrupted()) {
                return finish(window.stats(), "nothing was re-scored");
            }
            if (window.revisions().isEmpty()) {
                throw LogFailure.failed("no studies on " + Topics.STUDIES.name() + " from " + from + " to " + to
                        + firstRecordHint(scanner.firstTimestamps(window.partitions())) + ": widen --from/--to");
            }
            Replay.Live live = replay.liveScores(window, from);
            if (live.stats().interrupted()) {
                return finish(live.stats(), "nothing was re-scored");
            }
            WorklistAt.Snapshot queues = new WorklistAt(scanner, Topics.WORKLIST.name(), registry(args)).snapshot(to);
            if (queues.stats().interrupted()) {
                return finish(queues.stats(), "nothing was re-scored");
            }
            Replay.Result result = replay.shadow(window, live.scores(), scorer, Replay.newRunId(Instant.now()));
            if (result.scored() == 0 && !result.interrupted()) {
                String first = result.rows().stream().map(Replay.Row::unscorable).filter(reason -> reason != null)
                        .findFirst().orElse("?");
                throw LogFailure.failed("none of the " + result.rows().size() + " revision(s) on " + Topics.STUDIES.name()
                        + " from " + from + " to " + to + " could be re-scored (first: " + first + "): run the replay"
                        + " where the blob store the events point at is readable");
            }
            ReplayReport report = new ReplayReport(result, window, from, to, scorer.descriptor().modelName() + " "
                    + scorer.descriptor().modelVersion() + " (sha256 " + scorer.digest() + ", threshold "
                    + scorer.descriptor().threshold() + ")", queues);
            report.print(out);
            if (csv != null) {
                try (Writer writer = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                    report.writeCsv(writer);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + csv, e);
                }
                err.printf(Locale.ROOT, "rtr replay: %d row(s) written to %s%n", result.rows().size(), csv);
            }
            out.flush();
            if (result.interrupted()) {
                err.printf(Locale.ROOT, "rtr: interrupted after %d of %d revision(s) re-scored: the report covers those"
                        + " only%n", result.scored() + result.unscorable(), result.rows().size());
                return EXIT_INTERRUPTED;
            }
            return EXIT_OK;
        }
    }

    // --- shared -----------------------------------------------------------------------------------

    private LogScanner scanner(LogArgs args) {
        return new LogScanner(args.value(BOOTSTRAP).orElse(DEFAULT_BOOTSTRAP), args.has(QUIET) ? null : err,
                interruption);
    }

    private static String registry(LogArgs args) {
        return args.value(REGISTRY).orElse(DEFAULT_REGISTRY);
    }

    private static void requireOrdered(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw LogFailure.usage(FROM + " " + from + " is not before " + TO + " " + to + ": swap them or widen the window");
        }
    }

    private static Path path(String flag, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw LogFailure.usage(flag + " '" + value + "' is not a valid path: give a file name");
        }
    }

    private static String firstRecordHint(Map<TopicPartition, Long> first) {
        if (first.isEmpty()) {
            return " (the topic is empty)";
        }
        Set<Instant> times = new TreeSet<>();
        first.values().forEach(millis -> times.add(Instant.ofEpochMilli(millis)));
        return " (its first record is at " + times.iterator().next() + ")";
    }

    private int finish(LogScanner.Stats stats, String partial) {
        out.flush();
        if (stats.interrupted()) {
            err.printf(Locale.ROOT, "rtr: interrupted after %d of %d record(s): %s%n", stats.scanned(), stats.total(), partial);
            return EXIT_INTERRUPTED;
        }
        return EXIT_OK;
    }

    private void printJson(Object document) {
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
