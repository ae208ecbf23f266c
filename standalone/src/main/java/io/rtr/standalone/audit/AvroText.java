package io.rtr.standalone.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Writes Avro values as JSON or CSV cells by walking their schema, for specific and generic records
 * alike. A record's {@code toString} is not enough: it is not guaranteed JSON, and CSV needs the
 * same columns for every row, which only the schema gives. Timestamps become ISO-8601 text and
 * bytes Base64, so the output reads the same in a spreadsheet and in {@code jq}.
 */
final class AvroText {

    private AvroText() {
    }

    /** Writes {@code value} of {@code schema} as one JSON value. */
    static void writeJson(JsonGenerator json, Schema schema, Object value) throws IOException {
        if (value == null) {
            json.writeNull();
            return;
        }
        switch (schema.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) value;
                json.writeStartObject();
                for (Schema.Field field : schema.getFields()) {
                    json.writeFieldName(field.name());
                    writeJson(json, field.schema(), record.get(field.pos()));
                }
                json.writeEndObject();
            }
            case UNION -> writeJson(json, branch(schema, value), value);
            case ARRAY -> {
                json.writeStartArray();
                for (Object item : (Collection<?>) value) {
                    writeJson(json, schema.getElementType(), item);
                }
                json.writeEndArray();
            }
            case MAP -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    json.writeFieldName(entry.getKey().toString());
                    writeJson(json, schema.getValueType(), entry.getValue());
                }
                json.writeEndObject();
            }
            case INT, LONG -> {
                if (isTimestamp(schema)) {
                    json.writeString(timestamp(schema, value));
                } else {
                    json.writeNumber(((Number) value).longValue());
                }
            }
            case FLOAT, DOUBLE -> json.writeNumber(((Number) value).doubleValue());
            case BOOLEAN -> json.writeBoolean((Boolean) value);
            case BYTES, FIXED -> json.writeString(base64(value));
            case NULL -> json.writeNull();
            default -> json.writeString(value.toString());
        }
    }

    /** The CSV column names of {@code schema}: nested records flattened with dotted names, the rest one column each. */
    static List<String> columns(Schema schema) {
        List<String> columns = new ArrayList<>();
        addColumns(schema, "", columns);
        return columns;
    }

    private static void addColumns(Schema schema, String prefix, List<String> columns) {
        Schema record = recordOf(schema);
        if (record == null) {
            columns.add(prefix.isEmpty() ? "value" : prefix);
            return;
        }
        for (Schema.Field field : record.getFields()) {
            String name = prefix.isEmpty() ? field.name() : prefix + "." + field.name();
            if (recordOf(field.schema()) != null) {
                addColumns(field.schema(), name, columns);
            } else {
                columns.add(name);
            }
        }
    }

    /** Appends the cells of {@code value}, in the order of {@link #columns(Schema)}; nulls are empty cells. */
    static void cells(Schema schema, Object value, List<String> cells, JsonText nestedJson) throws IOException {
        Schema record = recordOf(schema);
        if (record == null) {
            cells.add(cell(schema, value, nestedJson));
            return;
        }
        IndexedRecord data = (IndexedRecord) value;
        for (Schema.Field field : record.getFields()) {
            Object fieldValue = data == null ? null : data.get(field.pos());
            if (recordOf(field.schema()) != null) {
                cells(field.schema(), fieldValue, cells, nestedJson);
            } else {
                cells.add(cell(field.schema(), fieldValue, nestedJson));
            }
        }
    }

    private static String cell(Schema schema, Object value, JsonText nestedJson) throws IOException {
        if (value == null) {
            return "";
        }
        Schema actual = schema.getType() == Schema.Type.UNION ? branch(schema, value) : schema;
        return switch (actual.getType()) {
            case ARRAY, MAP, RECORD -> nestedJson.of(actual, value);
            case INT, LONG -> isTimestamp(actual) ? timestamp(actual, value) : value.toString();
            case BYTES, FIXED -> base64(value);
            default -> value.toString();
        };
    }

    /** Turns a nested value (array, map) into JSON text for one CSV cell. */
    interface JsonText {
        String of(Schema schema, Object value) throws IOException;
    }

    /** The record schema behind {@code schema}, also inside a {@code [null, record]} union; null otherwise. */
    private static Schema recordOf(Schema schema) {
        if (schema.getType() == Schema.Type.RECORD) {
            return schema;
        }
        if (schema.getType() == Schema.Type.UNION) {
            List<Schema> nonNull = schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
            if (nonNull.size() == 1 && nonNull.get(0).getType() == Schema.Type.RECORD) {
                return nonNull.get(0);
            }
        }
        return null;
    }

    private static Schema branch(Schema union, Object value) {
        // RTR's unions are all [null, X]: no lookup needed, and the lookup would not know Instant.
        List<Schema> nonNull = union.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
        if (nonNull.size() == 1) {
            return nonNull.get(0);
        }
        return union.getTypes().get(SpecificData.get().resolveUnion(union, value));
    }

    private static boolean isTimestamp(Schema schema) {
        LogicalType type = schema.getLogicalType();
        return type instanceof LogicalTypes.TimestampMillis || type instanceof LogicalTypes.TimestampMicros;
    }

    private static String timestamp(Schema schema, Object value) {
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        long number = ((Number) value).longValue();
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMicros
                ? Instant.EPOCH.plusNanos(number * 1000).toString()
                : Instant.ofEpochMilli(number).toString();
    }

    private static String base64(Object value) {
        byte[] bytes;
        if (value instanceof ByteBuffer buffer) {
            bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
        } else if (value instanceof GenericFixed fixed) {
            bytes = fixed.bytes();
        } else {
            bytes = (byte[]) value;
        }
        return Base64.getEncoder().encodeToString(bytes);
    }
}
