package io.rtr.worklist.cdc;

import static io.rtr.worklist.cdc.DebeziumEvents.ACTION_ID;
import static io.rtr.worklist.cdc.DebeziumEvents.AT_MILLIS;
import static io.rtr.worklist.cdc.DebeziumEvents.RADIOLOGIST;
import static io.rtr.worklist.cdc.DebeziumEvents.STUDY_UID;
import static io.rtr.worklist.cdc.DebeziumEvents.envelope;
import static io.rtr.worklist.cdc.DebeziumEvents.record;
import static io.rtr.worklist.cdc.DebeziumEvents.row;
import static io.rtr.worklist.cdc.DebeziumEvents.unwrapped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The mapping of Debezium change events of reading_action to framed ReadingAction records. */
class ReadingActionTransformTest {

    private static final String TOPIC = Topics.WORKLIST_ACTIONS.name();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroDeserializer<ReadingAction> deserializer = new AvroDeserializer<>(ReadingAction.class, registry);
    private final ReadingActionTransform<SourceRecord> transform = new ReadingActionTransform<>();

    private void configure(Map<String, Object> extra) {
        Map<String, Object> props = AvroSerdeConfig.forRegistryClient(registry);
        props.putAll(extra);
        transform.configure(props);
    }

    private ReadingAction decode(SourceRecord record) {
        return deserializer.deserialize(record.topic(), (byte[]) record.value());
    }

    @AfterEach
    void close() {
        transform.close();
    }

    @Test
    void mapsAnInsertToAStudyKeyedFramedActionOnTheActionsTopic() {
        configure(Map.of());
        SourceRecord in = record(envelope("c", null, row("CLAIM")));

        SourceRecord out = transform.apply(in);

        assertThat(out.topic()).isEqualTo(TOPIC);
        assertThat(out.kafkaPartition()).isNull();
        assertThat(out.keySchema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(out.key()).isEqualTo(STUDY_UID);
        assertThat(out.valueSchema()).isEqualTo(Schema.BYTES_SCHEMA);
        byte[] bytes = (byte[]) out.value();
        assertThat(bytes[0]).as("Confluent magic byte").isZero();
        // The source offset travels on, so Connect commits the slot position of this event.
        assertThat(out.sourcePartition()).isEqualTo(in.sourcePartition());
        assertThat(out.sourceOffset()).isEqualTo(in.sourceOffset());
        assertThat(out.timestamp()).isEqualTo(in.timestamp());

        ReadingAction action = decode(out);
        assertThat(action.getActionId()).isEqualTo(ACTION_ID);
        assertThat(action.getStudyInstanceUid()).isEqualTo(STUDY_UID);
        assertThat(action.getRadiologistId()).isEqualTo(RADIOLOGIST);
        assertThat(action.getAction()).isEqualTo(ReadingActionType.CLAIM);
        // Microseconds of the ZonedTimestamp are truncated to the event's milliseconds.
        assertThat(action.getAt()).isEqualTo(Instant.ofEpochMilli(AT_MILLIS));
        assertThat(action.getComment()).isEqualTo("second look at left CC");
    }

    @Test
    void registersTheActionSchemaUnderTheTopicsValueSubject() {
        configure(Map.of());

        byte[] bytes = (byte[]) transform.apply(record(envelope("c", null, row("COMPLETE")))).value();

        int id = java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.getId(TOPIC + "-value", ReadingAction.getClassSchema())).isEqualTo(id);
    }

    @Test
    void mapsEveryActionType() {
        configure(Map.of());
        for (ReadingActionType type : ReadingActionType.values()) {
            SourceRecord out = transform.apply(record(envelope("c", null, row(type.name()))));
            assertThat(decode(out).getAction()).isEqualTo(type);
        }
    }

    @Test
    void mapsANullCommentToNull() {
        configure(Map.of());
        Struct row = row("RELEASE").put(ReadingActionRow.COMMENT, null);

        assertThat(decode(transform.apply(record(envelope("c", null, row)))).getComment()).isNull();
    }

    @Test
    void mapsAnUnwrappedRowWithOrWithoutTheAddedOpField() {
        configure(Map.of());

        ReadingAction plain = decode(transform.apply(record(row("CLAIM"))));
        ReadingAction withOp = decode(transform.apply(record(unwrapped(row("COMPLETE"), "c", "false"))));

        assertThat(plain.getAction()).isEqualTo(ReadingActionType.CLAIM);
        assertThat(plain.getAt()).isEqualTo(Instant.ofEpochMilli(AT_MILLIS));
        assertThat(withOp.getAction()).isEqualTo(ReadingActionType.COMPLETE);
        assertThat(withOp.getStudyInstanceUid()).isEqualTo(STUDY_UID);
    }

    @Test
    void emitsSnapshotReadsByDefault() {
        configure(Map.of());

        SourceRecord out = transform.apply(record(envelope("r", null, row("CLAIM"))));

        assertThat(decode(out).getActionId()).isEqualTo(ACTION_ID);
    }

    @Test
    void skipsSnapshotReadsWhenOperationsLeaveThemOut() {
        configure(Map.of(ReadingActionTransform.OPERATIONS_CONFIG, "c"));

        assertThat(transform.apply(record(envelope("r", null, row("CLAIM"))))).isNull();
        assertThat(transform.apply(record(unwrapped(row("CLAIM"), "r", "false")))).isNull();
        assertThat(transform.apply(record(envelope("c", null, row("CLAIM"))))).isNotNull();
    }

    @Test
    void dropsDeletesTombstonesTruncatesAndMessages() {
        configure(Map.of(ReadingActionTransform.OPERATIONS_CONFIG, "c,r,u"));

        assertThat(transform.apply(record(envelope("d", row("CLAIM"), null)))).isNull();
        assertThat(transform.apply(record(null))).isNull();
        assertThat(transform.apply(record(DebeziumEvents.truncate()))).isNull();
        assertThat(transform.apply(record(envelope("m", null, null)))).isNull();
        assertThat(transform.apply(record(unwrapped(row("CLAIM"), "d", "true")))).isNull();
        // Delete handling "rewrite" without add.fields=op still marks the row as deleted.
        assertThat(transform.apply(record(unwrapped(row("CLAIM"), null, "true")))).isNull();
    }

    @Test
    void skipsUpdatesByDefaultAndEmitsThemUnderTheOriginalIdWhenAsked() {
        configure(Map.of());
        SourceRecord update = record(envelope("u", row("CLAIM"), row("CLAIM").put(ReadingActionRow.COMMENT, "fixed")));

        assertThat(transform.apply(update)).isNull();

        transform.configure(withRegistry(Map.of(ReadingActionTransform.OPERATIONS_CONFIG, "c,u")));
        ReadingAction action = decode(transform.apply(update));
        assertThat(action.getActionId()).isEqualTo(ACTION_ID);
        assertThat(action.getComment()).isEqualTo("fixed");
    }

    @Test
    void dropsDebeziumHeartbeats() {
        configure(Map.of());
        Schema heartbeatSchema = SchemaBuilder.struct()
                .name(ReadingActionTransform.HEARTBEAT_SCHEMA)
                .field("ts_ms", Schema.INT64_SCHEMA).build();
        SourceRecord heartbeat = new SourceRecord(Map.of("server", "rtr-worklist"), Map.of("lsn", 1L),
                "__debezium-heartbeat.rtr-worklist", null, null, null, heartbeatSchema,
                new Struct(heartbeatSchema).put("ts_ms", 1L));

        assertThat(transform.apply(heartbeat)).isNull();
    }

    @Test
    void writesToAConfiguredTopicAndRegistersUnderItsSubject() {
        configure(Map.of(ReadingActionTransform.TOPIC_CONFIG, "site-b.worklist.actions"));

        SourceRecord out = transform.apply(record(envelope("c", null, row("CLAIM"))));

        assertThat(out.topic()).isEqualTo("site-b.worklist.actions");
        assertThat(registry.getId("site-b.worklist.actions-value", ReadingAction.getClassSchema())).isPositive();
    }

    static Stream<Arguments> debeziumTimestamps() {
        long micros = AT_MILLIS * 1000 + 456;
        return Stream.of(
                Arguments.of(SchemaBuilder.int64().name(ReadingActionRow.MICRO_TIMESTAMP).version(1).build(), micros),
                Arguments.of(SchemaBuilder.int64().name(ReadingActionRow.NANO_TIMESTAMP).version(1).build(),
                        micros * 1000 + 789),
                Arguments.of(SchemaBuilder.int64().name(ReadingActionRow.TIMESTAMP_MILLIS).version(1).build(),
                        AT_MILLIS),
                Arguments.of(Timestamp.SCHEMA, new Date(AT_MILLIS)),
                Arguments.of(SchemaBuilder.string().name(ReadingActionRow.ZONED_TIMESTAMP).build(),
                        "2026-11-22T17:15:52.123456+01:00"),
                Arguments.of(SchemaBuilder.string().name(ReadingActionRow.ISO_TIMESTAMP).build(),
                        "2026-11-22T16:15:52.123456"));
    }

    @ParameterizedTest
    @MethodSource("debeziumTimestamps")
    void readsEveryTimestampTypeDebeziumEmits(Schema atSchema, Object at) {
        configure(Map.of());
        Struct row = rowWith(DebeziumEvents.UUID_SCHEMA, atSchema, ACTION_ID, at);

        ReadingAction action = decode(transform.apply(record(envelope("c", null, row))));

        assertThat(action.getAt()).isEqualTo(Instant.ofEpochMilli(AT_MILLIS));
    }

    @Test
    void acceptsAnIntegerActionId() {
        configure(Map.of());
        Struct row = rowWith(Schema.INT64_SCHEMA, DebeziumEvents.ZONED_TIMESTAMP_SCHEMA,
                9_000_000_001L, DebeziumEvents.AT);

        assertThat(decode(transform.apply(record(envelope("c", null, row)))).getActionId()).isEqualTo("9000000001");
    }

    private static Struct rowWith(Schema idSchema,
                                  Schema atSchema, Object id, Object at) {
        Struct template = row("CLAIM");
        Struct row = new Struct(DebeziumEvents.rowSchema(idSchema, atSchema, null));
        template.schema().fields().stream()
                .filter(field -> !field.name().equals(ReadingActionRow.ID) && !field.name().equals(ReadingActionRow.AT))
                .forEach(field -> row.put(field.name(), template.get(field)));
        return row.put(ReadingActionRow.ID, id).put(ReadingActionRow.AT, at);
    }

    @ParameterizedTest
    @ValueSource(strings = {"id", "study_instance_uid", "radiologist_id", "action", "at"})
    void rejectsARowWithoutARequiredColumnNamingIt(String column) {
        configure(Map.of());
        Schema schema = DebeziumEvents.rowSchema(DebeziumEvents.UUID_SCHEMA,
                DebeziumEvents.ZONED_TIMESTAMP_SCHEMA, column);
        Struct template = row("CLAIM");
        Struct row = new Struct(schema);
        schema.fields().forEach(field -> row.put(field.name(), template.get(field.name())));

        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, row))))
                .isInstanceOf(DataException.class)
                .hasMessageContaining("no column '" + column + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"id", "study_instance_uid", "radiologist_id", "action", "at"})
    void rejectsANullInARequiredColumnNamingIt(String column) {
        configure(Map.of());
        Schema optional = DebeziumEvents.rowSchema(
                SchemaBuilder.string().optional().build(), SchemaBuilder.string().optional().build(), null);
        SchemaBuilder relaxed = SchemaBuilder.struct().name(optional.name()).optional();
        optional.fields().forEach(field -> relaxed.field(field.name(), SchemaBuilder.string().optional().build()));
        Struct template = row("CLAIM");
        Struct row = new Struct(relaxed.build());
        template.schema().fields().forEach(field -> row.put(field.name(), template.get(field)));
        row.put(column, null);

        assertThatThrownBy(() -> transform.apply(record(row)))
                .isInstanceOf(DataException.class)
                .hasMessage("reading_action column '" + column + "' is null");
    }

    @Test
    void rejectsMalformedValuesNamingTheColumn() {
        configure(Map.of());

        assertMalformed(row("REOPEN"), "'action' is not one of CLAIM, RELEASE, COMPLETE");
        assertMalformed(row("claim"), "'action' is not one of CLAIM, RELEASE, COMPLETE");
        assertMalformed(row("CLAIM").put(ReadingActionRow.STUDY_INSTANCE_UID, " "), "'study_instance_uid' is blank");
        assertMalformed(row("CLAIM").put(ReadingActionRow.RADIOLOGIST_ID, ""), "'radiologist_id' is blank");
        assertMalformed(row("CLAIM").put(ReadingActionRow.AT, "infinity"), "'at' is not an ISO-8601 timestamp");
        assertMalformed(rowWith(Schema.INT64_SCHEMA,
                Schema.INT64_SCHEMA, 1L, AT_MILLIS), "'at' is an int64 without");
        assertMalformed(rowWith(Schema.BOOLEAN_SCHEMA,
                DebeziumEvents.ZONED_TIMESTAMP_SCHEMA, true, DebeziumEvents.AT), "'id' is a Boolean");
        assertMalformed(rowWith(Schema.FLOAT64_SCHEMA,
                DebeziumEvents.ZONED_TIMESTAMP_SCHEMA, 1.5, DebeziumEvents.AT), "'id' is a Double");
    }

    private void assertMalformed(Struct row, String message) {
        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, row))))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("reading_action column ")
                .hasMessageContaining(message);
    }

    @Test
    void neverEchoesTheFreeTextCommentIntoAnError() {
        configure(Map.of());
        Struct row = row("REOPEN").put(ReadingActionRow.COMMENT, "Jane Doe called");

        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, row))))
                .isInstanceOf(DataException.class)
                .hasMessageNotContaining("Jane Doe");
    }

    @Test
    void rejectsAnEnvelopeWithoutOpOrWithoutTheRowOfAnInsert() {
        configure(Map.of());

        assertThatThrownBy(() -> transform.apply(record(envelope("x", null, row("CLAIM")))))
                .isInstanceOf(DataException.class).hasMessageContaining("'op' is 'x'");
        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, null))))
                .isInstanceOf(DataException.class).hasMessageContaining("'after' is null for op 'c'");
        assertThatThrownBy(() -> transform.apply(record(unwrapped(row("CLAIM"), "z", "false"))))
                .isInstanceOf(DataException.class).hasMessageContaining("'__op' is 'z'");
    }

    @Test
    void rejectsAValueThatIsNotAStruct() {
        configure(Map.of());
        SourceRecord text = new SourceRecord(Map.of(), Map.of(), DebeziumEvents.SOURCE_TOPIC, null,
                Schema.STRING_SCHEMA, "{\"op\":\"c\"}");

        assertThatThrownBy(() -> transform.apply(text))
                .isInstanceOf(DataException.class).hasMessageContaining("expected a Debezium Struct");
    }

    @Test
    void anUnreachableRegistryIsRetriableAndARejectedSchemaIsNot() {
        SchemaRegistryClient down = failingRegistry(true);
        transform.configure(AvroSerdeConfig.forRegistryClient(down));
        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, row("CLAIM")))))
                .isInstanceOf(RetriableException.class).hasMessageContaining(ACTION_ID);

        transform.configure(AvroSerdeConfig.forRegistryClient(failingRegistry(false)));
        assertThatThrownBy(() -> transform.apply(record(envelope("c", null, row("CLAIM")))))
                .isInstanceOf(DataException.class).isNotInstanceOf(RetriableException.class);
    }

    private static SchemaRegistryClient failingRegistry(boolean retriable) {
        return new SchemaRegistryClient() {
            @Override
            public int register(String subject, org.apache.avro.Schema schema) {
                throw new SchemaRegistryException(retriable ? "connection refused" : "incompatible",
                        retriable ? SchemaRegistryException.NO_HTTP_STATUS : 409,
                        retriable ? SchemaRegistryException.NO_ERROR_CODE : SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                        retriable, null);
            }

            @Override
            public int getId(String subject, org.apache.avro.Schema schema) {
                return register(subject, schema);
            }

            @Override
            public org.apache.avro.Schema getSchemaById(int id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean testCompatibility(String subject, org.apache.avro.Schema schema) {
                return true;
            }
        };
    }

    @Test
    void requiresASchemaRegistry() {
        assertThatThrownBy(() -> transform.configure(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }

    @Test
    void acceptsOnlyOperationsThatCanBeActions() {
        assertThatThrownBy(() -> configure(Map.of(ReadingActionTransform.OPERATIONS_CONFIG, "c,d")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(ReadingActionTransform.OPERATIONS_CONFIG);
        assertThatThrownBy(() -> configure(Map.of(ReadingActionTransform.OPERATIONS_CONFIG, "")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void documentsEveryKey() {
        ConfigDef def = transform.config();

        assertThat(def.names()).contains(ReadingActionTransform.TOPIC_CONFIG,
                ReadingActionTransform.OPERATIONS_CONFIG, AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG);
        def.configKeys().values().forEach(key -> assertThat(key.documentation).as(key.name).isNotBlank());
        assertThat(def.defaultValues()).containsEntry(ReadingActionTransform.TOPIC_CONFIG, TOPIC);
    }

    @Test
    void isListedForConnectsServiceLoaderDiscovery() throws Exception {
        // Read the manifests rather than ServiceLoader.load: Debezium's test-scope jar lists
        // transforms whose dependencies are not on this module's classpath.
        String manifest = "META-INF/services/" + Transformation.class.getName();
        List<String> listed = new ArrayList<>();
        for (URL url : Collections.list(getClass().getClassLoader().getResources(manifest))) {
            try (InputStream in = url.openStream()) {
                new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim).forEach(listed::add);
            }
        }

        assertThat(listed).contains(ReadingActionTransform.class.getName());
        // What ServiceLoader needs of a provider: public, with a public no-arg constructor.
        assertThat(ReadingActionTransform.class.getConstructor().newInstance()).isInstanceOf(Transformation.class);
    }

    private Map<String, Object> withRegistry(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(AvroSerdeConfig.forRegistryClient(registry));
        props.putAll(extra);
        return props;
    }
}
