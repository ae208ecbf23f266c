package io.rtr.triage;

import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import org.apache.avro.Schema;

/** The shared in-memory registry, plus a switch that makes id lookups fail as an unreachable registry does. */
public final class SwitchableRegistry implements SchemaRegistryClient {

    private final InMemorySchemaRegistryClient delegate = new InMemorySchemaRegistryClient();
    private volatile boolean down;

    /** From now on lookups by id fail as an unreachable registry does (retriable). */
    public void goDown() {
        down = true;
    }

    @Override
    public int register(String subject, Schema schema) {
        return delegate.register(subject, schema);
    }

    @Override
    public int getId(String subject, Schema schema) {
        return delegate.getId(subject, schema);
    }

    @Override
    public Schema getSchemaById(int id) {
        if (down) {
            throw new SchemaRegistryException("connection refused", SchemaRegistryException.NO_HTTP_STATUS,
                    SchemaRegistryException.NO_ERROR_CODE, true, null);
        }
        return delegate.getSchemaById(id);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        return delegate.testCompatibility(subject, schema);
    }
}
