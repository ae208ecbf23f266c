package io.rtr.standalone.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * The records of the registry topic, in the JSON layout the Confluent Schema Registry writes to its
 * {@code _schemas} topic, so that the topic reads the same to tools that know that layout. The key
 * identifies what a record is about (compaction keeps the last record per key); the value is the
 * state, or null for a tombstone.
 */
final class LogRecords {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LogRecords() {
    }

    /** One decoded record of the registry topic. */
    sealed interface Entry permits SchemaEntry, ConfigEntry {
    }

    /** A version of a subject; {@code deleted} also stands for a tombstone. */
    record SchemaEntry(String subject, int version, int id, String schema, boolean deleted) implements Entry {
    }

    /** The compatibility level of a subject, or the global one when {@code subject} is null; null level = removed. */
    record ConfigEntry(String subject, CompatibilityLevel level) implements Entry {
    }

    static String key(Entry entry) {
        ObjectNode key = JSON.createObjectNode();
        if (entry instanceof SchemaEntry schema) {
            key.put("keytype", "SCHEMA");
            key.put("subject", schema.subject());
            key.put("version", schema.version());
            key.put("magic", 1);
        } else if (entry instanceof ConfigEntry config) {
            key.put("keytype", "CONFIG");
            key.put("subject", config.subject());
            key.put("magic", 0);
        }
        return key.toString();
    }

    /** The record value, or null for a tombstone (a removed subject-level config). */
    static String value(Entry entry) {
        ObjectNode value = JSON.createObjectNode();
        if (entry instanceof SchemaEntry schema) {
            value.put("subject", schema.subject());
            value.put("version", schema.version());
            value.put("id", schema.id());
            value.put("schema", schema.schema());
            value.put("deleted", schema.deleted());
        } else if (entry instanceof ConfigEntry config) {
            if (config.level() == null) {
                return null;
            }
            value.put("compatibilityLevel", config.level().name());
        }
        return value.toString();
    }

    /**
     * Decodes one record. Key types this registry does not use (the Confluent one also writes NOOP,
     * MODE, DELETE_SUBJECT...) decode to empty and are skipped.
     */
    static Optional<Entry> decode(String key, String value) {
        try {
            JsonNode k = JSON.readTree(key);
            JsonNode v = value == null ? null : JSON.readTree(value);
            String keyType = k.path("keytype").asText("");
            String subject = k.path("subject").isTextual() ? k.path("subject").asText() : null;
            switch (keyType) {
                case "SCHEMA":
                    if (v == null || v.isNull()) {
                        return Optional.of(new SchemaEntry(subject, k.path("version").asInt(), -1, null, true));
                    }
                    return Optional.of(new SchemaEntry(v.path("subject").asText(subject), v.path("version").asInt(),
                            v.path("id").asInt(), v.path("schema").asText(), v.path("deleted").asBoolean(false)));
                case "CONFIG":
                    CompatibilityLevel level = v == null || v.isNull() ? null
                            : CompatibilityLevel.parse(v.path("compatibilityLevel").asText()).orElse(null);
                    return Optional.of(new ConfigEntry(subject, level));
                default:
                    return Optional.empty();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable record in the registry topic, key " + key, e);
        }
    }
}
