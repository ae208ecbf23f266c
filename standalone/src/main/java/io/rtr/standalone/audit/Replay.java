package io.rtr.standalone.audit;

import io.rtr.inference.model.SavedModelScorer;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.inference.pipeline.ScoringPipeline;
import io.rtr.inference.pipeline.StudyScoredFactory;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import me.tongfei.progressbar.ProgressBar;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The shadow run of {@code rtr replay}: reads the StudyAssembled revisions of a time window and
 * their live scores (read-only, see {@link LogScanner}), re-scores the revisions with another
 * model through the inference worker's own pipeline (blob fetch and digest check, decoding,
 * preprocessing, batched SavedModel runs, StudyScored built the same way), and writes each shadow
 * StudyScored to a topic of its own, {@code rtr.shadow.scores.<runId>}, created for the run. The
 * live topics are never written.
 */
final class Replay {

    /** Prefix of the shadow topics; never a live topic's name. */
    static final String SHADOW_TOPIC_PREFIX = "rtr.shadow.scores.";

    /** Images per model run, as the worker's default batch. */
    private static final int BATCH_IMAGES = 32;
    /** Batches submitted per round: later batches decode while earlier ones run, and Ctrl-C is checked between rounds. */
    private static final int BATCHES_PER_ROUND = 4;
    private static final long WRITE_TIMEOUT_SECONDS = 60;

    /** A study revision: the unit that is scored, live and shadow. */
    record Revision(String studyInstanceUid, int revision) {
    }

    /** A revision of the window as it was read from rtr.studies, with its record's timestamp. */
    record Assembled(StudyAssembled study, long timestamp) {
        Revision revision() {
            return new Revision(study.getStudyInstanceUid(), study.getRevision());
        }
    }

    /** The window's revisions in record-time order and what was scanned to find them. */
    record Window(List<Assembled> revisions, int studies, List<TopicPartition> partitions, LogScanner.Stats stats) {
    }

    /**
     * One revision's outcome: its live score (null when the live pipeline has none), its shadow
     * score, or why it could not be scored; both null when Ctrl-C stopped the run before it.
     */
    record Row(Assembled assembled, StudyScored live, StudyScored shadow, String unscorable) {
        Revision revision() {
            return assembled.revision();
        }
    }

    /** What the shadow run did. */
    record Result(String runId, String shadowTopic, List<Row> rows, int scored, int unscorable, boolean interrupted) {
    }

    private final LogScanner scanner;
    private final Interruption interruption;
    private final String bootstrap;
    private final Map<String, Object> serdeConfig;

    Replay(LogScanner scanner, Interruption interruption, String bootstrap, String registryUrl) {
        this.scanner = scanner;
        this.interruption = interruption;
        this.bootstrap = bootstrap;
        this.serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    }

    /** A run id that sorts by time and does not collide between two auditors starting in the same second. */
    static String newRunId(Instant now) {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now) + "-"
                + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt(1 << 16));
    }

    /** The StudyAssembled revisions on rtr.studies timestamped in [{@code from}, {@code to}); a revision seen twice keeps its latest record. */
    Window studies(Instant from, Instant to) {
        List<TopicPartition> partitions = scanner.partitions(Topics.STUDIES.name());
        long fromMillis = from.toEpochMilli();
        long toMillis = to.toEpochMilli();
        Map<Revision, Assembled> revisions = new LinkedHashMap<>();
        try (AvroDeserializer<StudyAssembled> deserializer = deserializer(StudyAssembled.class)) {
            LogScanner.Stats stats = scanner.scan("replay: studies", scanner.window(partitions, from, to), record -> {
                if (record.timestamp() < fromMillis || record.timestamp() >= toMillis || record.key() == null
                        || record.value() == null) {
                    return;
                }
                StudyAssembled study = deserializer.deserialize(record);
                Assembled assembled = new Assembled(study, record.timestamp());
                revisions.put(assembled.revision(), assembled);
            });
            List<Assembled> ordered = new ArrayList<>(revisions.values());
            ordered.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
            Set<String> studies = new HashSet<>();
            ordered.forEach(a -> studies.add(a.study().getStudyInstanceUid()));
            return new Window(List.copyOf(ordered), studies.size(), partitions, stats);
        }
    }

    /** The latest live score of each revision that has one, and what was scanned to find them. */
    record Live(Map<Revision, StudyScored> scores, LogScanner.Stats stats) {
    }

    /**
     * The latest live StudyScored of each revision of the window, read from rtr.scores from the
     * window's start to the end of the log: a study assembled just before the window's end is
     * scored after it.
     */
    Live liveScores(Window window, Instant from) {
        Set<String> keys = new HashSet<>();
        Set<Revision> wanted = new HashSet<>();
        window.revisions().forEach(a -> {
            keys.add(a.study().getStudyInstanceUid());
            wanted.add(a.revision());
        });
        Map<Revision, StudyScored> scores = new LinkedHashMap<>();
        List<TopicPartition> partitions = scanner.partitions(Topics.SCORES.name());
        try (AvroDeserializer<StudyScored> deserializer = deserializer(StudyScored.class)) {
            LogScanner.Stats stats = scanner.scan("replay: live scores", scanner.window(partitions, from, null),
                    record -> {
                        // Keys first: decoding every score of a busy topic would cost more than the scan.
                        if (record.key() == null || record.value() == null
                                || !keys.contains(new String(record.key(), StandardCharsets.UTF_8))) {
                            return;
                        }
                        StudyScored score = deserializer.deserialize(record);
                        Revision revision = new Revision(score.getStudyInstanceUid(), score.getStudyRevision());
                        if (wanted.contains(revision)) {
                            // One partition per study and offsets read in order: the last seen is the latest.
                            scores.put(revision, score);
                        }
                    });
            return new Live(scores, stats);
        }
    }

    /**
     * Re-scores every revision of {@code window} with {@code scorer} and writes each shadow score to
     * a new topic {@code rtr.shadow.scores.<runId>}, created with the first score so that a run
     * that scores nothing leaves no topic behind. Stops between rounds when Ctrl-C is pressed,
     * keeping what was scored and written.
     */
    Result shadow(Window window, Map<Revision, StudyScored> live, SavedModelScorer scorer, String runId) {
        Topic<String, StudyScored> topic = shadowTopic(runId, window.partitions().size());
        List<Assembled> revisions = window.revisions();
        Map<Revision, StudyScored> shadow = new LinkedHashMap<>();
        Map<Revision, String> unscorable = new LinkedHashMap<>();
        StudyScoredFactory events = new StudyScoredFactory(scorer);
        boolean interrupted = false;
        boolean topicCreated = false;
        // Any file: URI may be read, like a worker without blob.root: the auditor replays the events
        // the pipeline accepted, and each blob is checked against the digest its event carries.
        try (ScoringPipeline pipeline = new ScoringPipeline(scorer, new BlobFetcher(null), decodeThreads(), BATCH_IMAGES);
             KafkaProducer<String, StudyScored> producer = producer(topic);
             ProgressBar bar = scanner.progressBar("replay: re-scoring", revisions.size())) {
            int next = 0;
            while (next < revisions.size()) {
                if (interruption.requested()) {
                    interrupted = true;
                    break;
                }
                int images = 0;
                while (next < revisions.size() && (images == 0 || images
                        + revisions.get(next).study().getInstances().size() <= BATCH_IMAGES * BATCHES_PER_ROUND)) {
                    StudyAssembled study = revisions.get(next++).study();
                    images += study.getInstances().size();
                    pipeline.submit(study);
                }
                List<ScoringPipeline.StudyOutcome> outcomes;
                try {
                    outcomes = pipeline.scoreAll();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    interrupted = true;
                    break;
                }
                Instant scoredAt = Instant.now();
                List<Future<RecordMetadata>> writes = new ArrayList<>();
                for (ScoringPipeline.StudyOutcome outcome : outcomes) {
                    Revision revision = new Revision(outcome.study().getStudyInstanceUid(), outcome.study().getRevision());
                    if (!outcome.scored()) {
                        unscorable.put(revision, outcome.failure().reason() + ": " + outcome.failure().getMessage());
                        continue;
                    }
                    if (!topicCreated) {
                        createTopic(topic);
                        topicCreated = true;
                    }
                    StudyScored event = events.build(outcome, scoredAt);
                    shadow.put(revision, event);
                    writes.add(producer.send(new ProducerRecord<>(topic.name(), revision.studyInstanceUid(), event)));
                }
                awaitWrites(topic, producer, writes);
                if (bar != null) {
                    bar.stepTo(next);
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Assembled assembled : revisions) {
            Revision revision = assembled.revision();
            rows.add(new Row(assembled, live.get(revision), shadow.get(revision), unscorable.get(revision)));
        }
        return new Result(runId, topic.name(), List.copyOf(rows), shadow.size(), unscorable.size(), interrupted);
    }

    /** The shadow topic described once, like the pipeline's: StudyScored values, keyed by StudyInstanceUID. */
    static Topic<String, StudyScored> shadowTopic(String runId, int partitions) {
        String name = SHADOW_TOPIC_PREFIX + runId;
        if (Topics.ALL.stream().anyMatch(t -> t.name().equals(name))) {
            throw new IllegalArgumentException(name + " is a live topic");
        }
        // As many partitions as rtr.studies, so a study's shadow score sits in the partition number of its live one.
        return new Topic<>(name, Serdes::String, () -> new AvroSerde<>(StudyScored.class), false, partitions);
    }

    private void createTopic(Topic<String, StudyScored> topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // The cluster's default replication factor: the replay does not know how the cluster is laid out.
            admin.createTopics(List.of(new NewTopic(topic.name(), Optional.of(topic.partitions()), Optional.empty())
                    .configs(topic.topicConfigs()))).all().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw LogFailure.failed("cannot create the shadow topic " + topic.name() + " on " + bootstrap + " ("
                    + (e.getCause() == null ? e : e.getCause().getMessage()) + "): check that this client may create"
                    + " topics there, then run again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LogFailure.failed("interrupted while creating the shadow topic " + topic.name(), e);
        }
    }

    private KafkaProducer<String, StudyScored> producer(Topic<String, StudyScored> topic) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "rtr-replay",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde(serdeConfig).serializer());
    }

    /** Waits for a round's shadow scores to be acknowledged, so that the report never shows a score the topic lacks. */
    private void awaitWrites(Topic<String, StudyScored> topic, KafkaProducer<String, StudyScored> producer,
                             List<Future<RecordMetadata>> writes) {
        producer.flush();
        for (Future<RecordMetadata> write : writes) {
            try {
                write.get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw LogFailure.failed("cannot write shadow scores to " + topic.name() + " on " + bootstrap + " ("
                        + (e.getCause() == null ? e : e.getCause().getMessage()) + "): check the broker, then run again", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw LogFailure.failed("interrupted while writing shadow scores to " + topic.name(), e);
            }
        }
    }

    private <T extends SpecificRecord> AvroDeserializer<T> deserializer(Class<T> type) {
        AvroDeserializer<T> deserializer = new AvroDeserializer<>(type);
        deserializer.configure(serdeConfig, false);
        return deserializer;
    }

    /** Decoding is CPU-bound: more threads than cores buy nothing, and the auditor's machine is shared with the broker. */
    private static int decodeThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }
}
