package io.rtr.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry that RTR's serde needs.
 *
 * <p>Every method throws {@link SchemaRegistryException} when the registry answers with an error
 * or cannot be reached; {@link SchemaRegistryException#isRetriable()} says whether trying again
 * later can help. Implementations are thread-safe and cache what never changes (ids and schemas).
 */
public interface SchemaRegistryClient {

    /**
     * Registers {@code schema} under {@code subject} and returns its global id; registering a
     * schema that is already there returns the existing id.
     */
    int register(String subject, Schema schema);

    /**
     * Returns the global id of {@code schema} already registered under {@code subject}; error code
     * {@link SchemaRegistryException#SUBJECT_NOT_FOUND} or
     * {@link SchemaRegistryException#SCHEMA_NOT_FOUND} when it is not.
     */
    int getId(String subject, Schema schema);

    /**
     * Returns the schema with global id {@code id}; error code
     * {@link SchemaRegistryException#SCHEMA_NOT_FOUND} when no schema has it.
     */
    Schema getSchemaById(int id);

    /**
     * Whether {@code schema} may be registered under {@code subject} given the subject's
     * compatibility level and latest version; true when the subject has no version yet.
     */
    boolean testCompatibility(String subject, Schema schema);
}
