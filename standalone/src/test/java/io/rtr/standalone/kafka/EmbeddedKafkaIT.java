package io.rtr.standalone.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class EmbeddedKafkaIT {

    @TempDir
    static Path sharedDir;

    /** Shared by the tests; the restart test replaces it with the restarted broker. */
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.builder(sharedDir.resolve("kafka")).port(0).controllerPort(0).start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void producedRecordsCanBeConsumed() throws Exception {
        String topic = "it-" + UUID.randomUUID();
        createTopic(kafka, topic, 3);

        produce(kafka, topic, List.of("one", "two", "three"));

        assertThat(consumeAll(kafka, topic, 3)).containsExactlyInAnyOrder("one", "two", "three");
    }

    @Test
    void formatsTheDirectoryOnceAndReportsItsEndpoints() {
        assertThat(kafka.dataDir().resolve("meta.properties")).exists();
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        assertThat(kafka.port()).isPositive().isNotEqualTo(kafka.controllerPort());
        assertThat(kafka.clusterId()).isNotBlank();
    }

    @Test
    void aRestartOnTheSameDirectoryKeepsTopicsAndRecords() throws Exception {
        String topic = "kept-" + UUID.randomUUID();
        createTopic(kafka, topic, 1);
        produce(kafka, topic, List.of("before restart"));
        String clusterId = kafka.clusterId();
        Path dir = kafka.dataDir();
        String meta = Files.readString(dir.resolve("meta.properties"));
        kafka.close();

        kafka = EmbeddedKafka.builder(dir).port(0).controllerPort(0).start();

        assertThat(kafka.clusterId()).isEqualTo(clusterId);
        assertThat(Files.readString(dir.resolve("meta.properties"))).isEqualTo(meta);
        try (Admin admin = admin(kafka)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
        }
        produce(kafka, topic, List.of("after restart"));
        assertThat(consumeAll(kafka, topic, 2)).containsExactly("before restart", "after restart");
    }

    @Test
    void aProduceToATopicNobodyCreatedIsRefusedAndCreatesNothing() throws Exception {
        String typo = "typo-" + UUID.randomUUID();
        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                // How long send waits for the topic's metadata; with auto-creation it would come at once.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(typo, "key", "value")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class)
                    .hasMessageContaining(typo).hasMessageContaining("not present in metadata");
        }

        assertStaysAbsent(typo);
    }

    @Test
    void aConsumerLookingUpATopicNobodyCreatedFindsNothingAndCreatesNothing() {
        String typo = "typo-" + UUID.randomUUID();
        // The consumer's default allow.auto.create.topics=true leaves the decision to the broker.
        Map<String, Object> consumerConfig = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            assertThat(consumer.partitionsFor(typo, Duration.ofSeconds(30))).isEmpty();
        }

        assertStaysAbsent(typo);
    }

    /** A broker that auto-creates answers the lookup at once and creates the topic just after: watch a while. */
    private static void assertStaysAbsent(String topic) {
        try (Admin admin = admin(kafka)) {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
        }
    }

    static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    static void createTopic(EmbeddedKafka kafka, String topic, int partitions) throws Exception {
        try (Admin admin = admin(kafka)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    static void produce(EmbeddedKafka kafka, String topic, List<String> values) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    static List<String> consumeAll(EmbeddedKafka kafka, String topic, int expected) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                assertThat(values).hasSize(expected);
            });
        }
        return values;
    }
}
