package io.rtr.triage;

import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** A schema registry in a map, so topology tests need no server; compatibility is not checked. */
final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> subjects = new ConcurrentHashMap<>();
    private volatile boolean down;

    /** From now on lookups by id fail as an unreachable registry does (retriable). */
    void goDown() {
        down = true;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = ids.computeIfAbsent(schema, s -> ids.size() + 1);
        schemas.put(id, schema);
        subjects.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
        Integer id = subjects.getOrDefault(subject, Map.of()).get(schema);
        if (id == null) {
            throw SchemaRegistryException.fromResponse("not registered under " + subject, 404,
                    SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        if (down) {
            throw new SchemaRegistryException("connection refused", SchemaRegistryException.NO_HTTP_STATUS,
                    SchemaRegistryException.NO_ERROR_CODE, true, null);
        }
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw SchemaRegistryException.fromResponse("no schema " + id, 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return schema;
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return true;
    }
}
