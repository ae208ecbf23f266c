package io.rtr.inference;

import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.inference.pipeline.BatchPolicy;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.inference.pipeline.ScoringPipeline;
import io.rtr.inference.pipeline.StudyScoredFactory;
import io.rtr.inference.pipeline.UnscorableReason;
import io.rtr.inference.pipeline.UnscorableStudyException;
import io.rtr.inference.reference.ReferenceModel;
import io.rtr.schemas.DeadLetterHeaders;
import io.rtr.schemas.RequiredTopics;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once scoring loop: reads {@code rtr.studies} (read_committed), scores each study and
 * writes one {@code StudyScored} to {@code rtr.scores}, or the untouched input record to
 * {@code rtr.scores.dlq} when the study cannot be scored, and commits the consumed offsets in the
 * same Kafka transaction. A crash at any point therefore yields neither a lost nor a duplicated
 * score: the open transaction is aborted (by the coordinator, or at once by the restarted worker
 * that shares its transactional id) and the uncommitted input is read again.
 *
 * <p>One round: records are polled and their images start decoding at once while more records are
 * collected, until the round holds {@code batch.max.size} images or its first record has waited
 * {@code batch.max.wait.ms}; then the images are scored in batches across studies and the round's
 * results and offsets are committed in one transaction. A round holds whole studies only, so a
 * transaction never has to split a study.
 */
public final class InferenceWorker implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);

    /** Value of the dead letters' stage header. */
    static final String STAGE = "inference-worker";
    private static final int MODEL_ATTEMPTS = 3;

    /** One consumed record of the current round, with its study or why it has none. */
    private record Entry(ConsumerRecord<byte[], byte[]> record, StudyAssembled study, UnscorableStudyException failure) {
    }

    /** Thrown inside the loop when {@link #abandon()} simulates a crash. */
    private static final class Abandoned extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private final InferenceWorkerConfig config;
    private final SavedModelScorer scorer;
    private final Path extractedModel;
    private final ScoringPipeline pipeline;
    private final StudyScoredFactory events;
    private final BatchPolicy policy;
    private final Deserializer<StudyAssembled> studies;
    private final Serializer<StudyScored> scores;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Entry> round = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean started = new AtomicBoolean();
    private long roundStartedMs;
    private volatile boolean closing;
    private volatile boolean abandoned;
    private volatile Runnable beforeCommit = () -> { };

    /** Loads the model (failing fast when it does not match its descriptor) and creates the clients. */
    public InferenceWorker(InferenceWorkerConfig config) {
        this.config = config;
        Path modelDir = config.modelDir();
        Path extracted = null;
        SavedModelScorer loaded = null;
        try {
            if (modelDir == null) {
                extracted = Files.createTempDirectory("rtr-reference-model");
                modelDir = ReferenceModel.extractTo(extracted);
                LOG.info("model.dir not set: using the bundled reference model (synthetic phantoms only, not a"
                        + " medical device) extracted to {}", modelDir);
            }
            loaded = SavedModelScorer.open(modelDir,
                    ModelDescriptor.load(ModelDescriptor.fileFor(modelDir)),
                    config.sessionConfig());
            if (config.device() == InferenceWorkerConfig.Device.GPU && !loaded.device().contains("GPU")) {
                throw new IllegalStateException("tf.device=gpu but the model runs on " + loaded.device()
                        + ": build with -Pgpu (TensorFlow's linux-x86_64-gpu native build) and check that CUDA sees"
                        + " a GPU, or set tf.device=auto");
            }
        } catch (IOException e) {
            deleteQuietly(extracted);
            throw new UncheckedIOException("cannot extract the reference model: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (loaded != null) {
                loaded.close();
            }
            deleteQuietly(extracted);
            throw e;
        }
        this.scorer = loaded;
        this.extractedModel = extracted;
        this.events = new StudyScoredFactory(scorer);
        this.policy = new BatchPolicy(config.batchMaxSize(), config.batchMaxWaitMs());
        this.pipeline = new ScoringPipeline(scorer, new BlobFetcher(config.blobRoot()), config.decodeThreads(),
                config.batchMaxSize());
        KafkaConsumer<byte[], byte[]> newConsumer = null;
        try {
            Map<String, Object> serde = config.serdeConfig();
            this.studies = Topics.STUDIES.valueSerde(serde).deserializer();
            this.scores = Topics.SCORES.valueSerde(serde).serializer();
            newConsumer = new KafkaConsumer<>(consumerConfig(config), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            this.producer = new KafkaProducer<>(producerConfig(config), new ByteArraySerializer(),
                    new ByteArraySerializer());
            this.consumer = newConsumer;
        } catch (RuntimeException e) {
            // Bad client settings: release the model and the pool, which are not garbage-collected.
            if (newConsumer != null) {
                newConsumer.close(Duration.ZERO);
            }
            pipeline.close();
            scorer.close();
            deleteQuietly(extractedModel);
            throw e;
        }
        LOG.info("inference worker {} (group {}) scores {} with {} {} on {}; batches of up to {} images, {} ms max"
                        + " wait, {} decode threads", config.transactionalId(), config.groupId(), Topics.STUDIES,
                scorer.descriptor().modelName(), scorer.descriptor().modelVersion(), scorer.device(),
                config.batchMaxSize(), config.batchMaxWaitMs(), config.decodeThreads());
    }

    /**
     * The brokers create no topic on first use: without this check a missing rtr.studies would leave
     * the worker idle and a missing rtr.scores would block its producer, with only client WARN lines.
     * Listed with the worker's own consumer, so its settings (security included) apply.
     */
    private void requireTopics() {
        RequiredTopics.requireAmong(consumer.listTopics(RequiredTopics.DEFAULT_TIMEOUT).keySet(),
                List.of(Topics.STUDIES.name(), Topics.SCORES.name(), Topics.SCORES_DLQ.name()),
                String.join(",", config.getList(InferenceWorkerConfig.BOOTSTRAP_SERVERS_CONFIG)),
                "inference worker " + config.transactionalId());
    }

    static Map<String, Object> consumerConfig(InferenceWorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.consumerOverrides());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(InferenceWorkerConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-consumer");
        // Exactly-once: only committed studies are scored, offsets move only inside our transactions.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A round never needs more records than images fit in a batch; polling more only delays commits.
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(1, config.batchMaxSize()));
        return props;
    }

    static Map<String, Object> producerConfig(InferenceWorkerConfig config) {
        Map<String, Object> props = new HashMap<>(config.producerOverrides());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(InferenceWorkerConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
        return props;
    }

    /** The model scoring the studies. */
    public SavedModelScorer scorer() {
        return scorer;
    }

    /**
     * Runs the loop until {@link #close()}; call it on a thread of its own. Fencing by a newer
     * worker with the same transactional id, or a model that keeps failing, ends it with an exception.
     */
    @Override
    public void run() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("an inference worker runs once; this one already ran or was closed");
        }
        boolean clean = true;
        try {
            requireTopics();
            producer.initTransactions();
            consumer.subscribe(List.of(Topics.STUDIES.name()), new RoundOnRebalance());
            while (!closing) {
                long waitMs = round.isEmpty() ? config.pollTimeoutMs()
                        : policy.remainingWaitMs(Math.max(1, pipeline.pendingImages()), roundStartedMs, now());
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(waitMs));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    collect(record);
                }
                if (roundDue()) {
                    commitRound();
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                throw e;
            }
        } catch (Abandoned e) {
            clean = false;
            LOG.warn("inference worker {} abandoned without committing (simulated crash)", config.transactionalId());
        } catch (RuntimeException | Error e) {
            LOG.error("inference worker {} stops: {}", config.transactionalId(), e.toString());
            throw e;
        } finally {
            shutdown(clean);
        }
    }

    /** Whether the round should be committed now: batch full or waited long enough, or nothing to score. */
    private boolean roundDue() {
        if (round.isEmpty()) {
            return false;
        }
        int images = pipeline.pendingImages();
        // A round of dead letters only has nothing to wait for.
        return images == 0 || policy.due(images, roundStartedMs, now());
    }

    private void collect(ConsumerRecord<byte[], byte[]> record) {
        if (round.isEmpty()) {
            roundStartedMs = now();
        }
        StudyAssembled study;
        try {
            study = record.value() == null ? null : studies.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            round.add(new Entry(record, null, new UnscorableStudyException(UnscorableReason.DESERIALIZATION,
                    "study " + keyText(record) + " at " + where(record) + " cannot be read as StudyAssembled: "
                            + e.getMessage(), e)));
            return;
        }
        if (study == null) {
            round.add(new Entry(record, null, new UnscorableStudyException(UnscorableReason.DESERIALIZATION,
                    "study " + keyText(record) + " at " + where(record) + " has a null value")));
            return;
        }
        round.add(new Entry(record, study, null));
        pipeline.submit(study);
    }

    /**
     * Scores the round, then sends its results and offsets and commits, all in one transaction.
     * Scoring happens before the transaction begins so that transactions stay short.
     */
    private void commitRound() {
        List<ScoringPipeline.StudyOutcome> outcomes = scoreWithRetries();
        Instant scoredAt = Instant.now();
        boolean begun = false;
        try {
            producer.beginTransaction();
            begun = true;
            Iterator<ScoringPipeline.StudyOutcome> outcome = outcomes.iterator();
            int scored = 0;
            int dead = 0;
            for (Entry entry : round) {
                UnscorableStudyException failure = entry.failure;
                if (failure == null) {
                    ScoringPipeline.StudyOutcome o = outcome.next();
                    if (o.scored()) {
                        StudyScored event = events.build(o, scoredAt);
                        producer.send(new ProducerRecord<>(Topics.SCORES.name(), null, entry.record.key(),
                                scores.serialize(Topics.SCORES.name(), event)));
                        scored++;
                        continue;
                    }
                    failure = o.failure();
                }
                producer.send(deadLetter(entry.record, failure));
                dead++;
                LOG.warn("study {} dead-lettered to {} ({}): {}", studyUid(entry), Topics.SCORES_DLQ,
                        failure.reason(), failure.getMessage());
            }
            producer.sendOffsetsToTransaction(nextOffsets(), consumer.groupMetadata());
            beforeCommit.run();
            if (abandoned) {
                throw new Abandoned();
            }
            producer.commitTransaction();
            LOG.debug("committed a round of {} scored and {} dead-lettered studies", scored, dead);
            round.clear();
        } catch (Abandoned e) {
            throw e;
        } catch (KafkaException e) {
            if (isFatal(e)) {
                throw e;
            }
            // Retriable or unknown: throw this round's output away and read its input again.
            LOG.warn("round of {} studies not committed, aborting and reading them again: {}", round.size(), e.toString());
            if (begun) {
                producer.abortTransaction();
            }
            rewind();
        } catch (RuntimeException e) {
            // A bug or a broken model (e.g. NaN scores): stop, but do not leave the transaction
            // open until it times out, which would hold back read_committed readers of rtr.scores.
            if (begun) {
                try {
                    producer.abortTransaction();
                } catch (KafkaException abortFailure) {
                    e.addSuppressed(abortFailure);
                }
            }
            throw e;
        }
    }

    /**
     * A failing session run says nothing about the studies in the batch (their pixels were decoded
     * and normalized fine), so it is retried a few times and then treated as an environment fault
     * (GPU out of memory, driver error) that stops the worker rather than dead-lettering good studies.
     */
    private List<ScoringPipeline.StudyOutcome> scoreWithRetries() {
        for (int attempt = 1; ; attempt++) {
            try {
                return pipeline.scoreAll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            } catch (RuntimeException e) {
                if (attempt >= MODEL_ATTEMPTS) {
                    throw new IllegalStateException("model " + scorer.descriptor().modelName() + " failed "
                            + attempt + " times in a row on " + scorer.device() + "; check the device (memory, driver)"
                            + " and restart the worker", e);
                }
                LOG.warn("model run failed (attempt {} of {}), retrying: {}", attempt, MODEL_ATTEMPTS, e.toString());
                backOff(100L << attempt);
            }
        }
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record,
                                                      UnscorableStudyException failure) {
        Headers headers = new RecordHeaders();
        header(headers, DeadLetterHeaders.REASON, failure.reason().name());
        header(headers, DeadLetterHeaders.MESSAGE, failure.getMessage());
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        header(headers, DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName());
        header(headers, DeadLetterHeaders.STAGE, STAGE);
        header(headers, DeadLetterHeaders.SOURCE_TOPIC, record.topic());
        header(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(record.partition()));
        header(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(record.offset()));
        header(headers, DeadLetterHeaders.ATTEMPTS, "1");
        header(headers, DeadLetterHeaders.FAILED_AT, Instant.now().toString());
        return new ProducerRecord<>(Topics.SCORES_DLQ.name(), null, record.key(), record.value(), headers);
    }

    private static void header(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The offset after the last record of the round, per partition. */
    private Map<TopicPartition, OffsetAndMetadata> nextOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Entry entry : round) {
            offsets.put(new TopicPartition(entry.record.topic(), entry.record.partition()),
                    new OffsetAndMetadata(entry.record.offset() + 1));
        }
        return offsets;
    }

    /** Moves the consumer back to the round's first record on each partition it still owns; empties the round. */
    private void rewind() {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (Entry entry : round) {
            first.putIfAbsent(new TopicPartition(entry.record.topic(), entry.record.partition()), entry.record.offset());
        }
        Collection<TopicPartition> owned = consumer.assignment();
        first.forEach((partition, offset) -> {
            if (owned.contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
        pipeline.discard();
        round.clear();
    }

    /** Commits or forgets the round when partitions move, so no other worker sees half of it. */
    private final class RoundOnRebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (!round.isEmpty() && !closing) {
                LOG.info("partitions {} revoked: committing the round of {} studies first", partitions, round.size());
                commitRound();
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another worker may already own them: committing is impossible, so forget the round.
            if (!round.isEmpty()) {
                LOG.warn("partitions {} lost: dropping the uncommitted round of {} studies", partitions, round.size());
                rewind();
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("assigned {}", partitions);
        }
    }

    private static boolean isFatal(KafkaException e) {
        return e instanceof ProducerFencedException || e instanceof FencedInstanceIdException
                || e instanceof InvalidProducerEpochException || e instanceof OutOfOrderSequenceException
                || e instanceof AuthorizationException || e instanceof UnsupportedVersionException;
    }

    /**
     * Stops the loop and waits for it: the uncommitted round is dropped (its records are read again
     * by whoever owns the partitions next), the clients and the model are closed.
     */
    @Override
    public void close() {
        closing = true;
        if (started.compareAndSet(false, true)) {
            shutdown(true);
            return;
        }
        consumer.wakeup();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Test seam: makes the loop quit at its next commit point without committing or aborting, and
     * close its clients at once, as a crash would leave things.
     */
    void abandon() {
        abandoned = true;
    }

    /** Test seam: runs before each transaction commit, after the round's records have been sent. */
    void beforeCommit(Runnable hook) {
        this.beforeCommit = hook;
    }

    private void shutdown(boolean clean) {
        // Closing the consumer revokes its partitions; the listener must not commit the round then.
        closing = true;
        try {
            pipeline.discard();
            round.clear();
            try {
                // Closing at once leaves a crashed round's transaction open, as a kill would.
                producer.close(clean ? Duration.ofSeconds(10) : Duration.ZERO);
            } finally {
                // Even after a simulated crash the consumer leaves its group, so the restarted worker is not
                // kept waiting for a session timeout; it commits nothing (auto-commit is off), which is
                // what matters for exactly-once.
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            }
        } finally {
            pipeline.close();
            scorer.close();
            deleteQuietly(extractedModel);
            stopped.countDown();
            LOG.info("inference worker {} stopped", config.transactionalId());
        }
    }

    private static String keyText(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? "(no key)" : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static String studyUid(Entry entry) {
        return entry.study != null ? entry.study.getStudyInstanceUid() : keyText(entry.record);
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static long now() {
        return System.nanoTime() / 1_000_000;
    }

    private static void backOff(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", dir, e.toString());
        }
    }
}
