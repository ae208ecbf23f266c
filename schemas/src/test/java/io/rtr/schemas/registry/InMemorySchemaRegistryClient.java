package io.rtr.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Test helper: an in-memory schema registry with Confluent's semantics (global ids by schema
 * content, versions per subject, BACKWARD compatibility on register) that counts its calls, so
 * serde tests run without HTTP and can prove what is cached. Shipped in the test-jar for other
 * modules' unit tests; never used in production code.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<Schema>> versionsBySubject = new HashMap<>();
    private final AtomicInteger registerCalls = new AtomicInteger();
    private final AtomicInteger lookupCalls = new AtomicInteger();
    private final AtomicInteger schemaByIdCalls = new AtomicInteger();
    private int nextId;

    /** A registry whose first id is 1. */
    public InMemorySchemaRegistryClient() {
        this(1);
    }

    /** A registry whose first id is {@code firstId}, e.g. a large one to test id byte order. */
    public InMemorySchemaRegistryClient(int firstId) {
        this.nextId = firstId;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        registerCalls.incrementAndGet();
        List<Schema> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(schema)) {
            if (!versions.isEmpty()) {
                Schema latest = versions.get(versions.size() - 1);
                if (!compatible(schema, latest)) {
                    throw SchemaRegistryException.fromResponse("Schema being registered is incompatible with"
                            + " the latest version of " + subject, 409, SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                }
            }
            versions.add(schema);
        }
        return idsBySchema.computeIfAbsent(schema, s -> {
            int id = nextId++;
            schemasById.put(id, s);
            return id;
        });
    }

    /** Registers {@code schema} under {@code subject} without counting the call (test setup). */
    public synchronized int preRegister(String subject, Schema schema) {
        int id = register(subject, schema);
        registerCalls.decrementAndGet();
        return id;
    }

    @Override
    public synchronized int getId(String subject, Schema schema) {
        lookupCalls.incrementAndGet();
        List<Schema> versions = versionsBySubject.get(subject);
        if (versions == null) {
            throw SchemaRegistryException.fromResponse("Subject '" + subject + "' not found.", 404,
                    SchemaRegistryException.SUBJECT_NOT_FOUND);
        }
        if (!versions.contains(schema)) {
            throw SchemaRegistryException.fromResponse("Schema not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return idsBySchema.get(schema);
    }

    @Override
    public synchronized Schema getSchemaById(int id) {
        schemaByIdCalls.incrementAndGet();
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw SchemaRegistryException.fromResponse("Schema " + id + " not found", 404,
                    SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return schema;
    }

    @Override
    public synchronized boolean testCompatibility(String subject, Schema schema) {
        List<Schema> versions = versionsBySubject.get(subject);
        return versions == null || versions.isEmpty() || compatible(schema, versions.get(versions.size() - 1));
    }

    private static boolean compatible(Schema reader, Schema writer) {
        return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    }

    /** Number of {@link #register} calls so far. */
    public int registerCalls() {
        return registerCalls.get();
    }

    /** Number of {@link #getId} calls so far. */
    public int lookupCalls() {
        return lookupCalls.get();
    }

    /** Number of {@link #getSchemaById} calls so far. */
    public int schemaByIdCalls() {
        return schemaByIdCalls.get();
    }

    /** Subjects that have at least one version. */
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }
}
