package io.rtr.worklist;

import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A schema registry in memory, so the sink task's decoding is tested without the standalone
 * module's embedded registry (that module depends on this one). Ids are global per schema, as in
 * Confluent's registry; compatibility is not checked.
 */
public final class InMemoryRegistry implements SchemaRegistryClient {

    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<Schema, Integer> ids = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        return ids.computeIfAbsent(schema, s -> {
            int id = ids.size() + 1;
            byId.put(id, s);
            return id;
        });
    }

    @Override
    public synchronized int getId(String subject, Schema schema) {
        Integer id = ids.get(schema);
        if (id == null) {
            throw SchemaRegistryException.fromResponse("Schema not found", 404, SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return id;
    }

    @Override
    public synchronized Schema getSchemaById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw SchemaRegistryException.fromResponse("Schema " + id + " not found", 404,
                    SchemaRegistryException.SCHEMA_NOT_FOUND);
        }
        return schema;
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return true;
    }
}
