package io.rtr.standalone.registry;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** A {@link SchemaLog} in a list, to test the registry's rules without Kafka. */
final class InMemorySchemaLog implements SchemaLog {
    final List<Map.Entry<String, String>> records = new ArrayList<>();
    boolean failWrites;

    @Override
    public void replay(BiConsumer<String, String> sink) {
        records.forEach(record -> sink.accept(record.getKey(), record.getValue()));
    }

    @Override
    public void append(String key, String value) {
        if (failWrites) {
            throw new IllegalStateException("broker unreachable");
        }
        records.add(new SimpleImmutableEntry<>(key, value));
    }

    @Override
    public void close() {
    }
}
