package io.rtr.standalone.registry;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

/** An Avro schema as the registry keeps it: parsed, and in the canonical text that identifies it. */
record ParsedSchema(Schema schema, String canonical) {

    /**
     * Parses {@code text}. The canonical text is Avro's own rendering of the parsed schema: it keeps
     * defaults, docs and properties (which matter for compatibility) but not whitespace or key order,
     * so the same schema sent twice with different formatting gets the same id.
     */
    static ParsedSchema parse(String text) {
        if (text == null || text.isBlank()) {
            throw RegistryException.invalidSchema("empty schema");
        }
        try {
            Schema schema = new Schema.Parser().parse(text);
            return new ParsedSchema(schema, schema.toString());
        } catch (AvroRuntimeException | IllegalArgumentException e) {
            throw RegistryException.invalidSchema(e.getMessage());
        }
    }
}
