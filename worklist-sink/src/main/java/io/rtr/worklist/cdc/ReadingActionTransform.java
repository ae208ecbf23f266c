package io.rtr.worklist.cdc;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.SchemaRegistryException;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.AvroSerializer;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.transforms.Transformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Connect transformation turning Debezium change events of the {@code reading_action}
 * table into {@code rtr.worklist.actions} records: key the Study Instance UID (string), value a
 * {@link ReadingAction} in the Confluent wire format (bytes), so the worker's StringConverter and
 * ByteArrayConverter write exactly what {@link Topics#WORKLIST_ACTIONS} reads.
 *
 * <p>Accepts Debezium's envelope ({@code op}, {@code before}, {@code after}, {@code source}) or a
 * row already unwrapped by ExtractNewRecordState (whose {@code __op} and {@code __deleted} fields
 * are honoured when present; a row without {@code __op} counts as an insert). Which operations
 * become actions is {@value #OPERATIONS_CONFIG}; deletes, truncates, logical-decoding messages,
 * tombstones and Debezium heartbeats are always dropped, because an action that happened cannot
 * un-happen. A malformed row is a {@link DataException} naming the column; a schema registry that
 * cannot be reached is a {@link RetriableException}, so Connect's {@code errors.retry.timeout}
 * waits it out instead of dropping the action.
 */
public final class ReadingActionTransform<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    /** Version reported to the Connect worker. */
    public static final String VERSION = "0.1.0";

    public static final String TOPIC_CONFIG = "topic";
    public static final String TOPIC_DEFAULT = Topics.WORKLIST_ACTIONS.name();
    public static final String TOPIC_DOC = "Topic the actions are written to; also names the schema"
            + " registry subject (<topic>-value, TopicNameStrategy).";

    public static final String OPERATIONS_CONFIG = "operations";
    public static final List<String> OPERATIONS_DEFAULT = List.of(Operation.CREATE.code(), Operation.READ.code());
    public static final String OPERATIONS_DOC = "Debezium operations that become actions: c (insert),"
            + " r (snapshot read) and u (update). Default c,r: the API only inserts, and a snapshot (first"
            + " start, or a new replication slot) reads the actions taken before, which consumers"
            + " deduplicate by actionId; drop r to start from new actions only. u re-emits a corrected row"
            + " under its original actionId. Deletes, truncates, messages, tombstones and heartbeats are"
            + " always dropped.";

    /** Every key: this transform's own and the schema registry serde's ({@link AvroSerdeConfig}). */
    public static final ConfigDef CONFIG_DEF = AvroSerdeConfig.configDef()
            .define(TOPIC_CONFIG, ConfigDef.Type.STRING, TOPIC_DEFAULT,
                    new ConfigDef.NonEmptyStringWithoutControlChars(), ConfigDef.Importance.MEDIUM, TOPIC_DOC)
            .define(OPERATIONS_CONFIG, ConfigDef.Type.LIST, OPERATIONS_DEFAULT,
                    ConfigDef.ValidList.in(false, Operation.CREATE.code(), Operation.READ.code(),
                            Operation.UPDATE.code()),
                    ConfigDef.Importance.MEDIUM, OPERATIONS_DOC);

    /** Schema name of Debezium's heartbeat records, which carry only an offset to commit. */
    static final String HEARTBEAT_SCHEMA = "io.debezium.connector.common.Heartbeat";

    // Fields of Debezium's envelope and of ExtractNewRecordState's added fields (default prefix).
    static final String ENVELOPE_OP = "op";
    static final String ENVELOPE_AFTER = "after";
    static final String UNWRAPPED_OP = "__op";
    static final String UNWRAPPED_DELETED = "__deleted";

    private static final Logger log = LoggerFactory.getLogger(ReadingActionTransform.class);

    private String topic = TOPIC_DEFAULT;
    private Set<Operation> emitted = EnumSet.of(Operation.CREATE, Operation.READ);
    private AvroSerializer<ReadingAction> serializer;

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, configs, false);
        topic = config.getString(TOPIC_CONFIG);
        EnumSet<Operation> operations = EnumSet.noneOf(Operation.class);
        for (String code : config.getList(OPERATIONS_CONFIG)) {
            operations.add(Operation.fromCode(code));
        }
        emitted = operations;
        AvroSerializer<ReadingAction> configured = new AvroSerializer<>();
        // The whole map, so schema.registry.* keys and an rtr.schema.registry.client instance pass through;
        // a missing registry fails here, when the connector starts, not on the first action.
        configured.configure(configs, false);
        serializer = configured;
        log.info("Reading actions go to {} for operations {}", topic, config.getList(OPERATIONS_CONFIG));
    }

    @Override
    public R apply(R record) {
        Object value = record.value();
        if (value == null) {
            // A tombstone after a delete: nothing happened that a worklist needs to know.
            return null;
        }
        if (!(value instanceof Struct struct)) {
            throw new DataException("reading_action change event is a " + value.getClass().getSimpleName()
                    + ", expected a Debezium Struct (is the transform applied to the Debezium connector's records?)");
        }
        if (HEARTBEAT_SCHEMA.equals(struct.schema().name())) {
            // Dropped rather than passed on: the worker's ByteArrayConverter cannot write a Struct,
            // and Connect still commits a dropped record's source offset, which is all a heartbeat is for.
            return null;
        }
        Change change = Change.of(struct);
        if (!emitted.contains(change.operation())) {
            if (log.isTraceEnabled()) {
                log.trace("Skipping {} event from {} (operations {})", change.operation(), record.topic(), emitted);
            }
            return null;
        }
        ReadingAction action = ReadingActionRow.toAction(change.row());
        byte[] bytes = serialize(action);
        if (log.isTraceEnabled()) {
            log.trace("Action {} {} on study {}", action.getActionId(), action.getAction(),
                    action.getStudyInstanceUid());
        }
        // Partition null: the producer partitions by the new key, as every other writer of a
        // study-keyed topic does, so the action lands in its study's partition.
        return record.newRecord(topic, null, Schema.STRING_SCHEMA, action.getStudyInstanceUid(),
                Schema.BYTES_SCHEMA, bytes, record.timestamp(), record.headers());
    }

    private byte[] serialize(ReadingAction action) {
        try {
            return serializer.serialize(topic, action);
        } catch (SerializationException e) {
            if (e.getCause() instanceof SchemaRegistryException failure && failure.isRetriable()) {
                throw new RetriableException("Schema registry unavailable for " + topic + "; the action "
                        + action.getActionId() + " will be retried: " + e.getMessage(), e);
            }
            throw new DataException("Cannot encode action " + action.getActionId() + " for " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public void close() {
        if (serializer != null) {
            serializer.close();
        }
    }

    /** One change event reduced to what the mapping needs: its operation and the row it carries. */
    record Change(Operation operation, Struct row) {

        /** The operation and row of a Debezium envelope or of an unwrapped row. */
        static Change of(Struct value) {
            // op alone marks the envelope: truncate and message events have no before/after, and
            // reading_action has no column named op.
            if (value.schema().field(ENVELOPE_OP) != null) {
                return ofEnvelope(value);
            }
            return ofUnwrapped(value);
        }

        private static Change ofEnvelope(Struct envelope) {
            Object code = envelope.get(ENVELOPE_OP);
            Operation operation = code instanceof String text ? Operation.fromCode(text) : null;
            if (operation == null) {
                throw new DataException("reading_action change event field 'op' is "
                        + (code == null ? "null" : "'" + code + "'") + ", expected one of c, r, u, d, t, m");
            }
            Struct after = envelope.schema().field(ENVELOPE_AFTER) == null ? null : envelope.getStruct(ENVELOPE_AFTER);
            if (after == null && (operation == Operation.CREATE || operation == Operation.READ
                    || operation == Operation.UPDATE)) {
                throw new DataException("reading_action change event field 'after' is null for op '"
                        + operation.code() + "'");
            }
            return new Change(operation, after);
        }

        private static Change ofUnwrapped(Struct row) {
            Field deleted = row.schema().field(UNWRAPPED_DELETED);
            if (deleted != null && "true".equals(String.valueOf(row.get(deleted)))) {
                return new Change(Operation.DELETE, row);
            }
            Field op = row.schema().field(UNWRAPPED_OP);
            if (op == null || row.get(op) == null) {
                return new Change(Operation.CREATE, row);
            }
            Operation operation = Operation.fromCode(String.valueOf(row.get(op)));
            if (operation == null) {
                throw new DataException("reading_action row field '" + UNWRAPPED_OP + "' is '" + row.get(op)
                        + "', expected one of c, r, u, d");
            }
            return new Change(operation, row);
        }
    }
}
