package io.rtr.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {

    private static final String TOPIC = "rtr.instances";
    /** Four distinct non-zero bytes, so a wrong byte order or width shows. */
    private static final int FIRST_ID = 0x01020304;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient(FIRST_ID);
    private final AvroSerializer<InstanceReceived> serializer = new AvroSerializer<>(registry);
    private final AvroDeserializer<InstanceReceived> deserializer =
            new AvroDeserializer<>(InstanceReceived.class, registry);

    @Test
    void framesRecordAsMagicByteThenBigEndianSchemaIdThenPlainAvroBinary() throws Exception {
        InstanceReceived record = SampleEvents.instanceReceived("1.2.3.4");

        byte[] bytes = serializer.serialize(TOPIC, record);

        assertThat(bytes[0]).isEqualTo((byte) 0);
        assertThat(Arrays.copyOfRange(bytes, 1, 5)).containsExactly(0x01, 0x02, 0x03, 0x04);
        byte[] body = Arrays.copyOfRange(bytes, 5, bytes.length);
        assertThat(body).containsExactly(plainAvroBinary(record));
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body, null);
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(InstanceReceived.getClassSchema())
                .read(null, decoder);
        assertThat(decoder.isEnd()).isTrue();
        assertThat(decoded.get("sopInstanceUid")).hasToString("1.2.3.4");
        assertThat(decoded.get("receivedAt")).isEqualTo(SampleEvents.AT.toEpochMilli());
        assertThat(WireFormat.schemaId(bytes)).isEqualTo(FIRST_ID);
    }

    @Test
    void registersValueSchemaUnderTopicValueSubjectAndKeySchemaUnderTopicKeySubject() {
        AvroSerializer<InstanceReceived> keySerializer = new AvroSerializer<>(registry);
        keySerializer.configure(Map.of(), true);

        serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        keySerializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));

        assertThat(registry.subjects()).containsExactlyInAnyOrder("rtr.instances-value", "rtr.instances-key");
    }

    @ParameterizedTest
    @MethodSource("everyEvent")
    void roundTripsEveryEventUnchanged(SpecificRecord record) {
        roundTrip(record);
    }

    static Stream<SpecificRecord> everyEvent() {
        return Stream.of(SampleEvents.instanceReceived("1.2.3.4"), SampleEvents.instanceRejected(),
                SampleEvents.studyAssembled(), SampleEvents.studyScored(), SampleEvents.worklistEntry(),
                SampleEvents.readingAction());
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> void roundTrip(T record) {
        Class<T> type = (Class<T>) record.getClass();
        AvroSerde<T> serde = new AvroSerde<>(type, registry);
        byte[] bytes = serde.serializer().serialize("rtr.test", record);

        assertThat(serde.deserializer().deserialize("rtr.test", bytes)).isEqualTo(record);
    }

    @Test
    void nullRecordSerializesToNullAndNullBytesReadAsNull() {
        assertThat(serializer.serialize(TOPIC, null)).isNull();
        assertThat(deserializer.deserialize(TOPIC, (byte[]) null)).isNull();
        assertThat(deserializer.deserialize(TOPIC, new RecordHeaders(), (ByteBuffer) null)).isNull();
        assertThat(registry.registerCalls()).isZero();
    }

    @Test
    void readsRecordWrittenWithOlderSchemaFillingTheNewFieldWithItsDefault() throws Exception {
        Schema v1 = withoutField(InstanceReceived.getClassSchema(), "replacement");
        int v1Id = registry.preRegister("rtr.instances-value", v1);
        GenericRecord old = new GenericData.Record(v1);
        InstanceReceived sample = SampleEvents.instanceReceived("1.2.3.4");
        for (Schema.Field field : v1.getFields()) {
            old.put(field.name(), genericValue(sample, field.name()));
        }

        InstanceReceived read = deserializer.deserialize(TOPIC, 3, 42L, frame(v1Id, v1, old));

        assertThat(read.getReplacement()).isFalse();
        assertThat(read.getSopInstanceUid()).isEqualTo("1.2.3.4");
        assertThat(read.getReceivedAt()).isEqualTo(SampleEvents.AT);
    }

    @Test
    void readsRecordWrittenWithNewerSchemaIgnoringTheFieldItDoesNotKnow() throws Exception {
        Schema newer = new Schema.Parser().parse(InstanceReceived.getClassSchema().toString().replace(
                "\"fields\":[", "\"fields\":[{\"name\":\"site\",\"type\":\"string\",\"default\":\"x\"},"));
        int newerId = registry.preRegister("rtr.instances-value", newer);
        GenericRecord record = new GenericData.Record(newer);
        InstanceReceived sample = SampleEvents.instanceReceived("1.2.3.4");
        for (Schema.Field field : InstanceReceived.getClassSchema().getFields()) {
            record.put(field.name(), genericValue(sample, field.name()));
        }
        record.put("site", "north");

        assertThat(deserializer.deserialize(TOPIC, frame(newerId, newer, record))).isEqualTo(sample);
    }

    @Test
    void rejectsWrongMagicByteNamingTopicPartitionAndOffset() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        bytes[0] = 1;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, 3, 42L, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances partition 3 offset 42")
                .hasMessageContaining("magic byte 0x01");
    }

    @Test
    void plainDeserializePathSaysPartitionAndOffsetAreUnknown() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        bytes[0] = 7;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances (partition/offset unknown)");
    }

    @Test
    void rejectsUnknownSchemaIdWithTheRegistryErrorAsCause() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        bytes[4] = 99;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, 0, 7L, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances partition 0 offset 7")
                .hasMessageContaining("unknown schema id " + (FIRST_ID - 4 + 99))
                .hasMessageContaining("40403")
                .cause().isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND));
    }

    @Test
    void rejectsTruncatedBodyNamingTopicAndCause() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 20);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, 2, 5L, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances partition 2 offset 5")
                .hasMessageContaining("truncated")
                .hasMessageContaining("EOFException")
                .hasCauseInstanceOf(EOFException.class);
    }

    @Test
    void rejectsRecordShorterThanTheHeader() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, 1, 1L, new byte[] {0, 0, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes is shorter than the 5-byte Confluent header");
    }

    @Test
    void rejectsBodyThatIsNotValidAvroForTheWriterSchema() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        // The first field is a string: zig-zag 0x01 is length -1, which no valid body contains.
        bytes[5] = 0x01;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, 4, 9L, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances partition 4 offset 9")
                .hasMessageContaining("not valid for writer schema id " + FIRST_ID)
                .hasMessageContaining("cause:")
                .hasCauseInstanceOf(AvroRuntimeException.class);
    }

    @Test
    void rejectsBodyWithBytesLeftOverAfterTheRecord() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, longer))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("left over");
    }

    @Test
    void rejectsRecordOfAnIncompatibleSchemaOnceWithoutAskingTheRegistryAgain() {
        AvroSerializer<StudyScored> scoreSerializer = new AvroSerializer<>(registry);
        byte[] bytes = scoreSerializer.serialize(TOPIC, SampleEvents.studyScored());

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("io.rtr.schemas.StudyScored")
                    .hasMessageContaining("cannot be read as io.rtr.schemas.InstanceReceived");
        }
        assertThat(registry.schemaByIdCalls()).isEqualTo(1);
    }

    @Test
    void bodiesOfASchemaWithTheReadersParsingFormEncodeAsTheReadersAndOthersDoNot() {
        int same = registry.preRegister("rtr.instances-value", InstanceReceived.getClassSchema());
        Schema undocumented = new Schema.Parser().parse(InstanceReceived.getClassSchema().toString()
                .replaceAll("\"doc\":\"[^\"]*\",?", "").replace(",}", "}"));
        int withoutDocs = registry.preRegister("rtr.other-value", undocumented);
        Schema newer = new Schema.Parser().parse(InstanceReceived.getClassSchema().toString().replace(
                "\"fields\":[", "\"fields\":[{\"name\":\"site\",\"type\":\"string\",\"default\":\"x\"},"));
        int newerId = registry.preRegister("rtr.instances-value", newer);

        assertThat(deserializer.encodesAsReader(TOPIC, same)).isTrue();
        assertThat(deserializer.encodesAsReader(TOPIC, withoutDocs)).isTrue();
        assertThat(deserializer.encodesAsReader(TOPIC, newerId)).isFalse();
        int calls = registry.schemaByIdCalls();
        assertThat(deserializer.encodesAsReader(TOPIC, same)).isTrue();
        assertThat(registry.schemaByIdCalls()).isEqualTo(calls);
    }

    @Test
    void serializerGivesTheSchemaIdItFramesRecordsWith() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));

        assertThat(serializer.schemaId(TOPIC, InstanceReceived.getClassSchema())).isEqualTo(WireFormat.schemaId(bytes));
        assertThat(registry.registerCalls()).isEqualTo(1);
    }

    @Test
    void serializerAsksTheRegistryOncePerSubjectAndSchema() {
        serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));
        serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.5"));
        serializer.serialize("rtr.other", SampleEvents.instanceReceived("1.2.3.6"));

        assertThat(registry.registerCalls()).isEqualTo(2);
    }

    @Test
    void deserializerFetchesEachWriterSchemaOnce() {
        byte[] bytes = serializer.serialize(TOPIC, SampleEvents.instanceReceived("1.2.3.4"));

        deserializer.deserialize(TOPIC, bytes);
        deserializer.deserialize(TOPIC, bytes);
        deserializer.deserialize(TOPIC, new RecordHeaders(), ByteBuffer.wrap(bytes));

        assertThat(registry.schemaByIdCalls()).isEqualTo(1);
    }

    @Test
    void readsFromAByteBufferViewIntoALargerArrayWithoutTouchingItsPosition() {
        InstanceReceived record = SampleEvents.instanceReceived("1.2.3.4");
        byte[] bytes = serializer.serialize(TOPIC, record);
        byte[] larger = new byte[bytes.length + 20];
        System.arraycopy(bytes, 0, larger, 7, bytes.length);
        ByteBuffer view = ByteBuffer.wrap(larger, 7, bytes.length).slice();

        assertThat(deserializer.deserialize(TOPIC, new RecordHeaders(), view)).isEqualTo(record);
        assertThat(view.position()).isZero();
        assertThat(view.remaining()).isEqualTo(bytes.length);
    }

    @Test
    void consumerRecordConvenienceNamesItsPartitionAndOffset() {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(TOPIC, 5, 1234L, null, new byte[] {9, 9, 9, 9, 9});

        assertThatThrownBy(() -> deserializer.deserialize(record))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("value of topic rtr.instances partition 5 offset 1234");
    }

    @Test
    void deserializerBuiltWithoutClassReadsIntoTheConfiguredClass() {
        AvroDeserializer<InstanceReceived> byName = new AvroDeserializer<>();
        byName.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG, InstanceReceived.class.getName(),
                AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry), false);
        InstanceReceived record = SampleEvents.instanceReceived("1.2.3.4");

        assertThat(byName.deserialize(TOPIC, serializer.serialize(TOPIC, record))).isEqualTo(record);
        assertThat(byName.type()).isEqualTo(InstanceReceived.class);
    }

    @Test
    void deserializerBuiltWithoutClassFailsFastNamingTheTypeKey() {
        AvroDeserializer<InstanceReceived> byName = new AvroDeserializer<>();

        assertThatThrownBy(() -> byName.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG);
        assertThatThrownBy(() -> byName.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry,
                AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG, String.class.getName()), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a SpecificRecord class");
    }

    @Test
    void serializerWithoutAutoRegisterLooksUpAndExplainsAnUnregisteredSchema() {
        AvroSerializer<InstanceReceived> lookupOnly = new AvroSerializer<>();
        lookupOnly.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS_CONFIG, false), false);
        InstanceReceived record = SampleEvents.instanceReceived("1.2.3.4");

        assertThatThrownBy(() -> lookupOnly.serialize(TOPIC, record))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("for topic rtr.instances")
                .hasMessageContaining("subject rtr.instances-value")
                .hasMessageContaining("auto.register.schemas is false");

        int id = registry.preRegister("rtr.instances-value", InstanceReceived.getClassSchema());
        assertThat(WireFormat.schemaId(lookupOnly.serialize(TOPIC, record))).isEqualTo(id);
        assertThat(registry.registerCalls()).isZero();
    }

    @Test
    void serializerReportsRecordThatViolatesItsSchemaNamingTheTopic() {
        InstanceReceived broken = SampleEvents.instanceReceived("1.2.3.4");
        broken.setBlobUri(null);

        assertThatThrownBy(() -> serializer.serialize(TOPIC, broken))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Cannot serialize value for topic rtr.instances")
                .hasMessageContaining("io.rtr.schemas.InstanceReceived");
    }

    @Test
    void everyEventTypeHasItsOwnSubjectPerTopic() {
        List<Class<? extends SpecificRecord>> types = List.of(InstanceReceived.class, InstanceRejected.class,
                StudyAssembled.class, StudyScored.class, WorklistEntry.class, ReadingAction.class);

        assertThat(types).allSatisfy(type -> assertThat(new AvroDeserializer<>(type, registry).readerSchema())
                .isEqualTo(SpecificData.get().getSchema(type)));
        assertThat(AvroSerializer.subject("rtr.scores", false)).isEqualTo("rtr.scores-value");
        assertThat(AvroSerializer.subject("rtr.scores", true)).isEqualTo("rtr.scores-key");
    }

    private static byte[] plainAvroBinary(InstanceReceived record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<InstanceReceived>(InstanceReceived.class).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] frame(int id, Schema writer, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The field's value as plain Avro data (enums as symbols, timestamps as epoch millis). */
    private static Object genericValue(InstanceReceived record, String field) {
        Object value = record.get(field);
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof Enum<?> symbol) {
            Schema enumSchema = InstanceReceived.getClassSchema().getField(field).schema();
            return new GenericData.EnumSymbol(enumSchema, symbol.name());
        }
        return value;
    }

    private static Schema withoutField(Schema schema, String name) {
        List<Schema.Field> fields = schema.getFields().stream()
                .filter(f -> !f.name().equals(name))
                .map(f -> new Schema.Field(f, f.schema()))
                .toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
