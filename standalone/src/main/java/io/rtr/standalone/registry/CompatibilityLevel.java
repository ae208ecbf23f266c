package io.rtr.standalone.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The schema evolution rules a subject enforces, named as in the Confluent Schema Registry. */
enum CompatibilityLevel {
    /** Anything goes. */
    NONE(false, false, false),
    /** Consumers on the new schema can read data written with the latest previous one. */
    BACKWARD(true, false, false),
    /** As {@link #BACKWARD}, against every previous version. */
    BACKWARD_TRANSITIVE(true, false, true),
    /** Consumers on the latest previous schema can read data written with the new one. */
    FORWARD(false, true, false),
    /** As {@link #FORWARD}, against every previous version. */
    FORWARD_TRANSITIVE(false, true, true),
    /** Both {@link #BACKWARD} and {@link #FORWARD}. */
    FULL(true, true, false),
    /** Both, against every previous version. */
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /** The level named {@code name} (case-insensitive), if there is one. */
    static Optional<CompatibilityLevel> parse(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** True when registration is checked against every earlier version, not only the latest. */
    boolean transitive() {
        return transitive;
    }

    /**
     * Checks {@code candidate} against earlier schemas of a subject.
     *
     * @param candidate the schema about to be registered
     * @param previous  the versions to check against, oldest first, each with its version number
     * @return one message per incompatibility; empty when compatible
     */
    List<String> check(Schema candidate, List<Versioned> previous) {
        List<String> messages = new ArrayList<>();
        if (this == NONE || previous.isEmpty()) {
            return messages;
        }
        List<Versioned> against = transitive ? previous : previous.subList(previous.size() - 1, previous.size());
        for (Versioned old : against) {
            if (backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old.schema()),
                        "new schema cannot read data written with version " + old.version(), messages);
            }
            if (forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), candidate),
                        "version " + old.version() + " cannot read data written with the new schema", messages);
            }
        }
        if (!messages.isEmpty()) {
            messages.add("{compatibility: '" + name() + "'}");
        }
        return messages;
    }

    private static void describe(SchemaPairCompatibility result, String direction, List<String> messages) {
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            messages.add(String.format(Locale.ROOT, "{errorType:'%s', description:'%s at %s', additionalInfo:'%s'}",
                    incompatibility.getType(), direction, incompatibility.getLocation(),
                    incompatibility.getMessage()));
        }
    }

    /** A parsed schema and the version it has in its subject. */
    record Versioned(int version, Schema schema) {
    }
}
