package io.rtr.worklist.cdc;

import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The Debezium Postgres connector configuration that captures the radiologists'
 * {@code public.reading_action} rows into {@code rtr.worklist.actions} through
 * {@link ReadingActionTransform}; submit it to a Connect worker that has Debezium's Postgres
 * connector and this module on its plugin path.
 */
public final class ReadingActionCapture {

    /** The connector's name in the Connect worker. */
    public static final String CONNECTOR_NAME = "worklist-actions-cdc";
    /** The captured table. */
    public static final String TABLE = "public.reading_action";
    /** Replication slot and publication, apart from every other capture of the same database. */
    public static final String SLOT_NAME = "rtr_reading_actions";
    /** Publication of {@link #TABLE} only; Debezium creates it (filtered) when it is missing. */
    public static final String PUBLICATION_NAME = "rtr_reading_actions";
    /** Debezium's topic prefix; the transform renames every topic, so it only names metrics and heartbeats. */
    public static final String TOPIC_PREFIX = "rtr-worklist";
    /** Name of the transform in the connector's {@code transforms} list. */
    public static final String TRANSFORM_NAME = "actions";
    /** Milliseconds between Debezium heartbeats (see {@link #debeziumConfig}). */
    public static final long HEARTBEAT_INTERVAL_MS = 10_000L;

    private ReadingActionCapture() {
    }

    /**
     * The connector configuration: pgoutput, an initial snapshot then streaming, key a String
     * (Study Instance UID) and value Confluent-framed Avro bytes, the schema registry at
     * {@code schemaRegistryUrl}. The map is mutable, so a caller can add or override keys (a
     * {@code name}, {@code errors.tolerance}, {@code snapshot.mode}).
     */
    public static Map<String, String> debeziumConfig(String host, int port, String database, String user,
                                                     String password, String schemaRegistryUrl) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        // One slot can be read by one task only.
        config.put("tasks.max", "1");
        config.put("plugin.name", "pgoutput");
        config.put("database.hostname", host);
        config.put("database.port", Integer.toString(port));
        config.put("database.user", user);
        config.put("database.password", password);
        config.put("database.dbname", database);
        config.put("topic.prefix", TOPIC_PREFIX);
        config.put("table.include.list", TABLE);
        config.put("slot.name", SLOT_NAME);
        config.put("publication.name", PUBLICATION_NAME);
        config.put("publication.autocreate.mode", "filtered");
        // Actions taken before the capture first ran still close the loop; consumers drop the
        // ones they have seen by actionId, so a re-snapshot is harmless.
        config.put("snapshot.mode", "initial");
        // The API only inserts; the sink's archive purge deletes the actions of studies archived past
        // the retention (ArchivePurger). The transform drops those deletes (an action that happened
        // cannot un-happen; the topic keeps it), and rtr.worklist.actions is not compacted, so a
        // delete needs no tombstone either.
        config.put("tombstones.on.delete", "false");
        // worklist_entry, in the same database, changes far more often than reading_action. Without
        // heartbeats the slot's confirmed position would only move with an action, and Postgres would
        // keep the WAL of every sink write in between. The transform drops the heartbeat record; Connect
        // still commits its offset.
        config.put("heartbeat.interval.ms", Long.toString(HEARTBEAT_INTERVAL_MS));

        // The transform leaves a String key and byte[] value: the converters only pass them through.
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");

        String prefix = "transforms." + TRANSFORM_NAME + ".";
        config.put("transforms", TRANSFORM_NAME);
        config.put(prefix + "type", ReadingActionTransform.class.getName());
        config.put(prefix + ReadingActionTransform.TOPIC_CONFIG, Topics.WORKLIST_ACTIONS.name());
        config.put(prefix + AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, schemaRegistryUrl);

        // A registry outage is a RetriableException from the transform: wait it out for as long
        // as it lasts rather than lose an action.
        config.put("errors.retry.timeout", "-1");
        config.put("errors.retry.delay.max.ms", "30000");
        // A malformed row (it would have to pass the table's CHECKs) stops the task, visibly, rather
        // than a radiologist's action vanishing; an operator who decides to skip it sets
        // errors.tolerance=all. Messages stay out of the log either way: comment is free text.
        config.put("errors.tolerance", "none");
        config.put("errors.log.enable", "true");
        config.put("errors.log.include.messages", "false");
        return config;
    }
}
