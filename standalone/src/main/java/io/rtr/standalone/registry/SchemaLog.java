package io.rtr.standalone.registry;

import java.util.function.BiConsumer;

/** Where the registry's state is persisted: an append-only log of (key, value) records. */
interface SchemaLog extends AutoCloseable {

    /** Feeds every record from the start of the log, in order, to {@code sink}. */
    void replay(BiConsumer<String, String> sink);

    /** Appends one record and returns once it is durable; throws when it is not. */
    void append(String key, String value);

    @Override
    void close();
}
