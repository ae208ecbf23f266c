package io.rtr.worklist.cdc;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Change events of {@code reading_action} shaped as Debezium's Postgres connector emits them
 * (pgoutput, default time.precision.mode): uuid as io.debezium.data.Uuid text, timestamptz as
 * io.debezium.time.ZonedTimestamp text, the envelope with before/after/source/op/ts_ms.
 */
final class DebeziumEvents {

    static final String SOURCE_TOPIC = "rtr-worklist.public.reading_action";
    static final String ACTION_ID = "6f1c2c1e-4a59-4d4e-9a43-2f5b0d7c9e11";
    static final String STUDY_UID = "1.2.826.0.1.3680043.8.498.1001";
    static final String RADIOLOGIST = "rad-0042";
    static final String AT = "2026-11-22T16:15:52.123456Z";
    static final long AT_MILLIS = 1_795_364_152_123L;

    static final Schema UUID_SCHEMA = SchemaBuilder.string().name("io.debezium.data.Uuid").version(1).build();
    static final Schema ZONED_TIMESTAMP_SCHEMA = SchemaBuilder.string().name(ReadingActionRow.ZONED_TIMESTAMP)
            .version(1).build();

    static final Schema KEY_SCHEMA = SchemaBuilder.struct().name(SOURCE_TOPIC + ".Key")
            .field("id", UUID_SCHEMA).build();

    static final Schema SOURCE_SCHEMA = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("connector", Schema.STRING_SCHEMA)
            .field("db", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().defaultValue("false").build())
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    private DebeziumEvents() {
    }

    /** The row schema with {@code at} of type {@code atSchema} (and optionally no column {@code without}). */
    static Schema rowSchema(Schema idSchema, Schema atSchema, String without) {
        SchemaBuilder builder = SchemaBuilder.struct().name(SOURCE_TOPIC + ".Value").optional();
        addUnless(builder, without, ReadingActionRow.ID, idSchema);
        addUnless(builder, without, ReadingActionRow.STUDY_INSTANCE_UID, Schema.STRING_SCHEMA);
        addUnless(builder, without, ReadingActionRow.RADIOLOGIST_ID, Schema.STRING_SCHEMA);
        addUnless(builder, without, ReadingActionRow.ACTION, Schema.STRING_SCHEMA);
        addUnless(builder, without, ReadingActionRow.AT, atSchema);
        addUnless(builder, without, ReadingActionRow.COMMENT, Schema.OPTIONAL_STRING_SCHEMA);
        return builder.build();
    }

    private static void addUnless(SchemaBuilder builder, String without, String name, Schema schema) {
        if (!name.equals(without)) {
            builder.field(name, schema);
        }
    }

    static final Schema ROW_SCHEMA = rowSchema(UUID_SCHEMA, ZONED_TIMESTAMP_SCHEMA, null);

    /** A row as the API writes it: CLAIM with a comment. */
    static Struct row(String action) {
        return new Struct(ROW_SCHEMA)
                .put(ReadingActionRow.ID, ACTION_ID)
                .put(ReadingActionRow.STUDY_INSTANCE_UID, STUDY_UID)
                .put(ReadingActionRow.RADIOLOGIST_ID, RADIOLOGIST)
                .put(ReadingActionRow.ACTION, action)
                .put(ReadingActionRow.AT, AT)
                .put(ReadingActionRow.COMMENT, "second look at left CC");
    }

    static Schema envelopeSchema(Schema rowSchema) {
        return SchemaBuilder.struct().name(SOURCE_TOPIC + ".Envelope").version(2)
                .field("before", rowSchema)
                .field("after", rowSchema)
                .field("source", SOURCE_SCHEMA)
                .field("transaction", SchemaBuilder.struct().name("event.block").optional()
                        .field("id", Schema.STRING_SCHEMA).build())
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
    }

    /** Debezium's envelope around {@code before} and {@code after} for operation {@code op}. */
    static Struct envelope(String op, Struct before, Struct after) {
        Schema rowSchema = after != null ? after.schema() : before != null ? before.schema() : ROW_SCHEMA;
        Struct source = new Struct(SOURCE_SCHEMA)
                .put("connector", "postgresql")
                .put("db", "rtr")
                .put("schema", "public")
                .put("table", "reading_action")
                .put("snapshot", "r".equals(op) ? "true" : "false")
                .put("lsn", 24_023_128L);
        return new Struct(envelopeSchema(rowSchema))
                .put("before", before)
                .put("after", after)
                .put("source", source)
                .put("op", op)
                .put("ts_ms", 1_795_364_152_200L);
    }

    /** A truncate event: Debezium's envelope without before and after. */
    static Struct truncate() {
        Schema schema = SchemaBuilder.struct().name(SOURCE_TOPIC + ".Envelope").version(2)
                .field("source", SOURCE_SCHEMA)
                .field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                .build();
        Struct source = new Struct(SOURCE_SCHEMA).put("connector", "postgresql").put("db", "rtr")
                .put("schema", "public").put("table", "reading_action");
        return new Struct(schema).put("source", source).put("op", "t").put("ts_ms", 1L);
    }

    /** A source record as the Postgres connector hands it to the transformation chain. */
    static SourceRecord record(Struct value) {
        Struct key = new Struct(KEY_SCHEMA).put("id", ACTION_ID);
        Map<String, Object> partition = Map.of("server", "rtr-worklist");
        Map<String, Object> offset = new HashMap<>();
        offset.put("lsn", 24_023_128L);
        offset.put("txId", 771L);
        return new SourceRecord(partition, offset, SOURCE_TOPIC, null, KEY_SCHEMA, key,
                value == null ? null : value.schema(), value, 1_795_364_152_300L);
    }

    /** The row as ExtractNewRecordState leaves it with add.fields=op and delete handling rewrite. */
    static Struct unwrapped(Struct row, String op, String deleted) {
        SchemaBuilder builder = SchemaBuilder.struct().name(SOURCE_TOPIC + ".Value");
        row.schema().fields().forEach(field -> builder.field(field.name(), field.schema()));
        builder.field("__op", Schema.OPTIONAL_STRING_SCHEMA);
        builder.field("__deleted", Schema.OPTIONAL_STRING_SCHEMA);
        Schema schema = builder.build();
        Struct value = new Struct(schema);
        row.schema().fields().forEach(field -> value.put(field.name(), row.get(field)));
        return value.put("__op", op).put("__deleted", deleted);
    }
}
