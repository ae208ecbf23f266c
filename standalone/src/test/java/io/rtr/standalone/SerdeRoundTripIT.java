package io.rtr.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.RestSchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The events' wire format end to end: serialized by our serde, schema registered in the
 * embedded registry over HTTP, carried by the real broker, read back by our deserializer.
 */
class SerdeRoundTripIT {

    @TempDir
    static Path dataDir;

    private static Platform platform;
    private static Map<String, Object> serdeConfig;

    @BeforeAll
    static void start() {
        platform = Platform.start(PlatformConfig.forTests(dataDir));
        serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, platform.schemaRegistryUrl());
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void specificRecordSurvivesRegistryAndBrokerUnchanged() {
        InstanceReceived sent = SampleEvents.instanceReceived("1.2.3.4." + UUID.randomUUID().getMostSignificantBits());
        RecordMetadata where = produce(Topics.INSTANCES.name(), sent.getStudyInstanceUid(),
                Topics.INSTANCES.valueSerde(serdeConfig).serializer().serialize(Topics.INSTANCES.name(), sent));

        ConsumerRecord<byte[], byte[]> received = readAt(where);
        InstanceReceived read = deserializer().deserialize(received);

        assertThat(read).isEqualTo(sent);
        // The id on the wire is the one the registry holds for this schema under the topic's subject.
        int registered = new RestSchemaRegistryClient(platform.schemaRegistryUrl())
                .getId("rtr.instances-value", InstanceReceived.getClassSchema());
        assertThat(WireFormat.schemaId(received.value())).isEqualTo(registered);
    }

    @Test
    void currentReaderReadsAnEventWrittenWithAnOlderSchema() throws Exception {
        // An older producer that did not know the two newest optional fields.
        Schema old = withoutFields(InstanceReceived.getClassSchema(), "replacement", "clinicId");
        String subject = AvroSerializer.subject(Topics.INSTANCES.name(), false);
        int oldId = new RestSchemaRegistryClient(platform.schemaRegistryUrl()).register(subject, old);
        GenericRecord event = new GenericData.Record(old);
        InstanceReceived template = SampleEvents.instanceReceived("1.2.3.5.1");
        for (Schema.Field field : old.getFields()) {
            event.put(field.name(), toGeneric(template.get(field.name()), field.schema()));
        }

        RecordMetadata where = produce(Topics.INSTANCES.name(), template.getStudyInstanceUid(), frame(oldId, old, event));
        InstanceReceived read = deserializer().deserialize(readAt(where));

        assertThat(read.getSopInstanceUid()).isEqualTo("1.2.3.5.1");
        assertThat(read.getSha256()).isEqualTo(template.getSha256());
        assertThat(read.getReplacement()).as("default of a field the writer did not have").isFalse();
        assertThat(read.getClinicId()).isNull();
    }

    @Test
    void badPayloadsNameTopicPartitionOffsetAndCause() {
        String topic = Topics.INSTANCES.name();
        RecordMetadata wrongMagic = produce(topic, "k", new byte[] {7, 0, 0, 0, 1, 2});
        RecordMetadata unknownId = produce(topic, "k", ByteBuffer.allocate(6).put((byte) 0).putInt(999_999).put((byte) 2).array());
        byte[] valid = Topics.INSTANCES.valueSerde(serdeConfig).serializer()
                .serialize(topic, SampleEvents.instanceReceived("1.2.3.6"));
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
        RecordMetadata cut = produce(topic, "k", truncated);

        for (RecordMetadata where : List.of(wrongMagic, unknownId, cut)) {
            ConsumerRecord<byte[], byte[]> record = readAt(where);
            assertThatThrownBy(() -> deserializer().deserialize(record))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining(topic)
                    .hasMessageContaining("partition " + where.partition())
                    .hasMessageContaining("offset " + where.offset());
        }
        assertThatThrownBy(() -> deserializer().deserialize(readAt(wrongMagic))).hasMessageContaining("magic");
        assertThatThrownBy(() -> deserializer().deserialize(readAt(unknownId))).hasMessageContaining("999999");
    }

    @Test
    void restartedPlatformStillHasTheRegisteredSchemasUnderTheSameIds(@TempDir Path otherDir) {
        Map<String, Integer> first;
        try (Platform once = Platform.start(PlatformConfig.forTests(otherDir))) {
            first = EventSchemas.register(new RestSchemaRegistryClient(once.schemaRegistryUrl()), Topics.ALL);
        }
        try (Platform again = Platform.start(PlatformConfig.forTests(otherDir))) {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(again.schemaRegistryUrl());
            EventSchemas.bySubject(Topics.ALL).forEach((subject, schema) ->
                    assertThat(client.getId(subject, schema)).as(subject).isEqualTo(first.get(subject)));
        }
        assertThat(first).containsKeys("rtr.instances-value", "rtr.studies-value", "rtr.scores-value",
                "rtr.worklist-value", "rtr.worklist.actions-value", "rtr.instances.rejected-value");
    }

    private static AvroDeserializer<InstanceReceived> deserializer() {
        AvroDeserializer<InstanceReceived> deserializer = new AvroDeserializer<>(InstanceReceived.class);
        deserializer.configure(serdeConfig, false);
        return deserializer;
    }

    private static RecordMetadata produce(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot produce to " + topic, e);
        }
    }

    /** Reads the one record at {@code where}, with a plain consumer assigned to that partition. */
    private static ConsumerRecord<byte[], byte[]> readAt(RecordMetadata where) {
        TopicPartition partition = new TopicPartition(where.topic(), where.partition());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, where.offset());
            List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).records(partition).stream()
                        .filter(r -> r.offset() == where.offset()).forEach(found::add);
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }

    private static Schema withoutFields(Schema schema, String... dropped) {
        List<String> names = List.of(dropped);
        List<Schema.Field> kept = schema.getFields().stream()
                .filter(f -> !names.contains(f.name()))
                .map(f -> new Schema.Field(f, f.schema()))
                .toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, kept);
    }

    /** Generic form of a specific value (enums and logical types differ between the two models). */
    private static Object toGeneric(Object value, Schema schema) {
        if (value instanceof Enum<?> symbol) {
            Schema enumSchema = schema.getType() == Schema.Type.UNION
                    ? schema.getTypes().stream().filter(s -> s.getType() == Schema.Type.ENUM).findFirst().orElseThrow()
                    : schema;
            return new GenericData.EnumSymbol(enumSchema, symbol.name());
        }
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        return value;
    }

    private static byte[] frame(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.MAGIC_BYTE);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
