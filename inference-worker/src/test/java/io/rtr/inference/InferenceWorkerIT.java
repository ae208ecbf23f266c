package io.rtr.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.inference.pipeline.UnscorableReason;
import io.rtr.schemas.DeadLetterHeaders;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker against a real in-process KRaft broker. The schema registry is the schemas module's
 * in-memory client passed as an object: the embedded registry server lives in standalone/, which
 * depends on this module, so using it here would make a dependency cycle.
 */
class InferenceWorkerIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private static KafkaClusterTestKit cluster;
    private static InMemorySchemaRegistryClient registry;
    private static Map<String, Object> serde;

    @TempDir
    Path blobs;

    @BeforeAll
    static void startBroker() throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build();
        cluster = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // As RTR's brokers run: every topic the worker uses must have been created explicitly.
                .setConfigProp("auto.create.topics.enable", "false")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(Topics.STUDIES.newTopic((short) 1), Topics.SCORES.newTopic((short) 1),
                    Topics.SCORES_DLQ.newTopic((short) 1))).all().get();
        }
        registry = new InMemorySchemaRegistryClient();
        serde = AvroSerdeConfig.forRegistryClient(registry);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void scoresEveryStudyRevisionExactlyOnceAcrossAWorkerKilledMidRound() throws Exception {
        List<StudyAssembled> studies = new ArrayList<>();
        StudyAssembled lesion = PhantomStudies.lesionStudy(blobs);
        StudyAssembled clean = PhantomStudies.cleanStudy(blobs);
        studies.add(lesion);
        studies.add(clean);
        long base = 3_000_000_000L + System.nanoTime() % 1_000_000;
        for (int i = 0; i < 8; i++) {
            studies.add(PhantomStudies.study(blobs, base + i, Lesion.NONE, 1));
        }
        // A second revision of the same study must be scored again, once.
        studies.add(StudyAssembled.newBuilder(lesion).setRevision(2).build());
        String group = newGroupAtEnd();
        produce(studies);

        InferenceWorker first = new InferenceWorker(config(group, "w1"));
        AtomicInteger commits = new AtomicInteger();
        first.beforeCommit(() -> {
            if (commits.incrementAndGet() == 3) {
                // Killed with a round's scores sent but not committed: they must never be visible.
                first.abandon();
            }
        });
        Thread firstThread = start(first);
        await().atMost(WAIT).until(() -> !firstThread.isAlive());
        Map<String, Integer> afterCrash = countScores(studies);
        assertThat(afterCrash.values().stream().mapToInt(Integer::intValue).sum())
                .as("scores committed before the crash").isLessThan(studies.size());

        // Same instance id, so the same transactional id: the restart fences and aborts the open round.
        InferenceWorker second = new InferenceWorker(config(group, "w1"));
        Thread secondThread = start(second);
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(countScores(studies)).hasSize(studies.size()));
        } finally {
            second.close();
            secondThread.join(WAIT.toMillis());
        }
        Map<String, Integer> counts = countScores(studies);
        assertThat(counts).hasSize(studies.size()).allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));

        Map<String, StudyScored> byKey = latestScores(studies);
        StudyScored lesionScore = byKey.get(key(lesion));
        StudyScored cleanScore = byKey.get(key(clean));
        assertThat(lesionScore.getSuspicious()).isTrue();
        assertThat(lesionScore.getStudyScore()).isGreaterThanOrEqualTo(lesionScore.getThreshold());
        assertThat(cleanScore.getSuspicious()).isFalse();
        assertThat(cleanScore.getStudyScore()).isLessThan(cleanScore.getThreshold());
        assertThat(lesionScore.getModelName()).isEqualTo("rtr-reference-cnn");
        assertThat(lesionScore.getModelSha256()).hasSize(64);
        assertThat(lesionScore.getInstanceScores()).hasSize(4);
        assertThat(lesionScore.getDevice()).contains("CPU");
    }

    @Test
    void deadLettersCorruptBlobsDigestMismatchesAndUnreadableRecordsAndCarriesOn() throws Exception {
        StudyAssembled intact = PhantomStudies.study(blobs, 4_000_000_001L, Lesion.NONE, 1);
        InstanceReceived damaged = intact.getInstances().get(1);
        Path damagedBlob = Path.of(URI.create(damaged.getBlobUri()));
        Files.writeString(damagedBlob, "not a DICOM object", StandardCharsets.US_ASCII);
        // The digest matches the damaged bytes, so only decoding can tell.
        StudyAssembled corrupt = PhantomStudies.withInstance(intact, 1, InstanceReceived.newBuilder(damaged)
                .setSha256(BlobFetcher.sha256(Files.readAllBytes(damagedBlob))).build());
        StudyAssembled original = PhantomStudies.study(blobs, 4_000_000_002L, Lesion.NONE, 1);
        StudyAssembled mismatch = PhantomStudies.withInstance(original, 0, InstanceReceived.newBuilder(
                original.getInstances().get(0)).setSha256("f".repeat(64)).build());
        StudyAssembled next = PhantomStudies.study(blobs, 4_000_000_003L, Lesion.NONE, 1);
        String unreadableKey = "1.2.826.0.1.3680043.8.498." + (System.nanoTime() % 1_000_000);

        String group = newGroupAtEnd();
        try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
            producer.send(new ProducerRecord<>(Topics.STUDIES.name(), bytes(unreadableKey),
                    "definitely not Avro".getBytes(StandardCharsets.UTF_8))).get();
        }
        produce(List.of(corrupt, mismatch, next));

        InferenceWorker worker = new InferenceWorker(config(group, "dlq"));
        Thread thread = start(worker);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> dead;
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(countScores(List.of(next))).hasSize(1));
            dead = await().atMost(WAIT).until(
                    () -> readAll(Topics.SCORES_DLQ.name()).stream().collect(Collectors.groupingBy(r -> text(r.key()))),
                    m -> m.containsKey(corrupt.getStudyInstanceUid()) && m.containsKey(mismatch.getStudyInstanceUid())
                            && m.containsKey(unreadableKey));
        } finally {
            worker.close();
            thread.join(WAIT.toMillis());
        }
        assertDeadLetter(dead.get(corrupt.getStudyInstanceUid()), UnscorableReason.PIXELS_UNDECODABLE,
                corrupt.getStudyInstanceUid());
        assertDeadLetter(dead.get(mismatch.getStudyInstanceUid()), UnscorableReason.BLOB_DIGEST_MISMATCH,
                mismatch.getStudyInstanceUid());
        assertDeadLetter(dead.get(unreadableKey), UnscorableReason.DESERIALIZATION, unreadableKey);
        assertThat(dead.get(unreadableKey).get(0).value()).asString(StandardCharsets.UTF_8)
                .isEqualTo("definitely not Avro");
        assertThat(countScores(List.of(corrupt, mismatch))).isEmpty();
    }

    private static void assertDeadLetter(List<ConsumerRecord<byte[], byte[]>> records, UnscorableReason reason,
                                         String studyUid) {
        assertThat(records).as("dead letters of " + studyUid).hasSize(1);
        ConsumerRecord<byte[], byte[]> record = records.get(0);
        assertThat(header(record, DeadLetterHeaders.REASON)).isEqualTo(reason.name());
        assertThat(header(record, DeadLetterHeaders.MESSAGE)).contains(studyUid);
        assertThat(header(record, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(Topics.STUDIES.name());
        assertThat(header(record, DeadLetterHeaders.SOURCE_PARTITION)).isNotBlank();
        assertThat(header(record, DeadLetterHeaders.SOURCE_OFFSET)).isNotBlank();
        assertThat(header(record, DeadLetterHeaders.STAGE)).isEqualTo("inference-worker");
    }

    private InferenceWorkerConfig config(String group, String instance) {
        Map<String, Object> props = new HashMap<>(serde);
        props.put("bootstrap.servers", cluster.bootstrapServers());
        props.put("group.id", group);
        props.put("worker.instance.id", instance);
        // One four-view study per round, so a run has many transactions to crash in between.
        props.put("batch.max.size", "4");
        props.put("batch.max.wait.ms", "10");
        props.put("decode.threads", "2");
        props.put("poll.timeout.ms", "100");
        props.put("blob.root", blobs.toString());
        props.put("tf.device", "cpu");
        return new InferenceWorkerConfig(props);
    }

    /**
     * A fresh group whose committed offsets are the current end of rtr.studies, so that its worker
     * sees only what this test produces next and not the other test's studies.
     */
    private static String newGroupAtEnd() throws Exception {
        String group = "it-" + UUID.randomUUID();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        try (Admin admin = Admin.create(props);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.STUDIES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> end = new HashMap<>();
            consumer.endOffsets(partitions).forEach((p, offset) -> end.put(p, new OffsetAndMetadata(offset)));
            admin.alterConsumerGroupOffsets(group, end).all().get();
        }
        return group;
    }

    private static Thread start(InferenceWorker worker) {
        Thread thread = new Thread(worker, "it-worker");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void produce(List<StudyAssembled> studies) throws Exception {
        Serializer<StudyAssembled> serializer = Topics.STUDIES.valueSerde(serde).serializer();
        try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
            for (StudyAssembled study : studies) {
                producer.send(new ProducerRecord<>(Topics.STUDIES.name(), bytes(study.getStudyInstanceUid()),
                        serializer.serialize(Topics.STUDIES.name(), study))).get();
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Committed scores of these studies, counted per study UID and revision. */
    private static Map<String, Integer> countScores(List<StudyAssembled> studies) {
        List<String> wanted = studies.stream().map(InferenceWorkerIT::key).toList();
        Map<String, Integer> counts = new HashMap<>();
        for (StudyScored score : scores()) {
            String key = score.getStudyInstanceUid() + "#" + score.getStudyRevision();
            if (wanted.contains(key)) {
                counts.merge(key, 1, Integer::sum);
            }
        }
        return counts;
    }

    private static Map<String, StudyScored> latestScores(List<StudyAssembled> studies) {
        List<String> wanted = studies.stream().map(InferenceWorkerIT::key).toList();
        Map<String, StudyScored> byKey = new HashMap<>();
        for (StudyScored score : scores()) {
            String key = score.getStudyInstanceUid() + "#" + score.getStudyRevision();
            if (wanted.contains(key)) {
                byKey.put(key, score);
            }
        }
        return byKey;
    }

    private static List<StudyScored> scores() {
        Deserializer<StudyScored> deserializer = Topics.SCORES.valueSerde(serde).deserializer();
        return readAll(Topics.SCORES.name()).stream()
                .map(r -> deserializer.deserialize(r.topic(), r.headers(), r.value())).toList();
    }

    /** Every committed record of a topic, read from the beginning to the current end. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed the end offsets are the last stable offsets: nothing beyond is visible.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(WAIT).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
        }
        return records;
    }

    private static String key(StudyAssembled study) {
        return study.getStudyInstanceUid() + "#" + study.getRevision();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : text(header.value());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
