package io.rtr.worklist.cdc;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.stream.Collectors;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Maps one {@code reading_action} row, as Debezium's Postgres connector emits it, to a
 * {@link ReadingAction}. Every failure is a {@link DataException} naming the column, so that
 * Connect's error handling reports which value was wrong; no value is echoed into the message,
 * because {@code comment} is free text typed by a person.
 */
final class ReadingActionRow {

    static final String ID = "id";
    static final String STUDY_INSTANCE_UID = "study_instance_uid";
    static final String RADIOLOGIST_ID = "radiologist_id";
    static final String ACTION = "action";
    static final String AT = "at";
    static final String COMMENT = "comment";

    // Semantic type names Debezium gives temporal columns (debezium-core's io.debezium.time.*);
    // spelled out so this module needs no Debezium jar at run time.
    static final String ZONED_TIMESTAMP = "io.debezium.time.ZonedTimestamp";
    static final String ISO_TIMESTAMP = "io.debezium.time.IsoTimestamp";
    static final String TIMESTAMP_MILLIS = "io.debezium.time.Timestamp";
    static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
    static final String NANO_TIMESTAMP = "io.debezium.time.NanoTimestamp";

    private ReadingActionRow() {
    }

    /** The action recorded by {@code row}; {@code row} holds the table's columns. */
    static ReadingAction toAction(Struct row) {
        return ReadingAction.newBuilder()
                .setActionId(actionId(row))
                .setStudyInstanceUid(requiredText(row, STUDY_INSTANCE_UID))
                .setRadiologistId(requiredText(row, RADIOLOGIST_ID))
                .setAction(actionType(row))
                .setAt(at(row))
                .setComment(optionalText(row, COMMENT))
                .build();
    }

    private static String actionId(Struct row) {
        Object value = required(row, ID);
        // uuid (the migration's type) arrives as io.debezium.data.Uuid text; an integer id is
        // accepted too, so a table keyed by bigint/serial maps without a code change.
        if (value instanceof String text) {
            if (text.isBlank()) {
                throw malformed(ID, "is blank");
            }
            return text.trim();
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short) {
            return value.toString();
        }
        throw wrongType(ID, value, "a uuid string or an integer");
    }

    private static ReadingActionType actionType(Struct row) {
        String text = requiredText(row, ACTION);
        for (ReadingActionType type : ReadingActionType.values()) {
            if (type.name().equals(text)) {
                return type;
            }
        }
        // The table's CHECK allows exactly the Avro symbols; another value means the two have
        // diverged, and writing it as RELEASE (the reader default) would hide that.
        throw malformed(ACTION, "is not one of CLAIM, RELEASE, COMPLETE");
    }

    private static Instant at(Struct row) {
        Object value = required(row, AT);
        String type = row.schema().field(AT).schema().name();
        Instant instant;
        if (value instanceof String text) {
            instant = parseTimestamp(text);
        } else if (value instanceof Date date) {
            // time.precision.mode=connect: Connect's Timestamp logical type.
            instant = date.toInstant();
        } else if (value instanceof Long number) {
            instant = fromEpochNumber(number, type);
        } else {
            throw wrongType(AT, value, "a " + ZONED_TIMESTAMP + " string or a Debezium timestamp");
        }
        // ReadingAction.at is timestamp-millis; truncating here keeps the Avro conversion exact.
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    private static Instant parseTimestamp(String text) {
        try {
            // timestamptz: ZonedTimestamp, ISO-8601 with an offset (Debezium writes Z).
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException withOffset) {
            try {
                // timestamp without time zone in isostring mode; Debezium treats it as UTC.
                return LocalDateTime.parse(text, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
            } catch (DateTimeException withoutOffset) {
                // 'infinity' and '-infinity' land here too: no instant a consumer could use.
                throw malformed(AT, "is not an ISO-8601 timestamp");
            }
        }
    }

    private static Instant fromEpochNumber(long number, String type) {
        if (type == null) {
            // A bare int64 could be seconds, millis or micros; guessing would shift actions in time.
            throw malformed(AT, "is an int64 without a Debezium time type, so its unit is unknown");
        }
        return switch (type) {
            case TIMESTAMP_MILLIS -> Instant.ofEpochMilli(number);
            case MICRO_TIMESTAMP -> Instant.EPOCH.plus(number, ChronoUnit.MICROS);
            case NANO_TIMESTAMP -> Instant.EPOCH.plusNanos(number);
            default -> throw malformed(AT, "has the unsupported time type " + type);
        };
    }

    private static String requiredText(Struct row, String column) {
        Object value = required(row, column);
        if (!(value instanceof String text)) {
            throw wrongType(column, value, "text");
        }
        if (text.isBlank()) {
            throw malformed(column, "is blank");
        }
        return text;
    }

    private static String optionalText(Struct row, String column) {
        Field field = row.schema().field(column);
        if (field == null) {
            // comment is optional in the event too; a projection that drops it loses nothing required.
            return null;
        }
        Object value = row.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String text)) {
            throw wrongType(column, value, "text");
        }
        return text;
    }

    private static Object required(Struct row, String column) {
        Field field = row.schema().field(column);
        if (field == null) {
            throw new DataException("reading_action row has no column '" + column + "' (columns: "
                    + row.schema().fields().stream().map(Field::name).collect(Collectors.joining(", "))
                    + ")");
        }
        Object value = row.get(field);
        if (value == null) {
            throw malformed(column, "is null");
        }
        return value;
    }

    private static DataException wrongType(String column, Object value, String expected) {
        return malformed(column, "is a " + value.getClass().getSimpleName() + ", expected " + expected);
    }

    private static DataException malformed(String column, String problem) {
        return new DataException("reading_action column '" + column + "' " + problem);
    }
}
