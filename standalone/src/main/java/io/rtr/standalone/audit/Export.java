package io.rtr.standalone.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.rtr.schemas.Topic;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.RestSchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.WireFormat;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;

/**
 * Events of one topic in a time window as JSON lines or CSV. Each row carries where the record is
 * (topic, partition, offset, timestamp, key) and its value: the pipeline's own topics are read into
 * their current schema, so CSV columns stay the same across schema versions; any other topic in
 * the Confluent wire format is read with its writer schema from the registry; anything else is
 * written as text.
 */
final class Export {

    /** Output formats. */
    enum Format { JSONL, CSV }

    private static final List<String> META_COLUMNS = List.of("topic", "partition", "offset", "timestamp", "key");

    private final LogScanner scanner;
    private final String registryUrl;

    Export(LogScanner scanner, String registryUrl) {
        this.scanner = scanner;
        this.registryUrl = registryUrl;
    }

    /** Writes the window's records to {@code out}; returns what was scanned and how many rows were written. */
    Result export(String topic, Instant from, Instant to, Format format, OutputStream out) throws IOException {
        List<TopicPartition> partitions = scanner.partitions(topic);
        List<LogScanner.Range> ranges = scanner.window(partitions, from, to);
        long fromMillis = from.toEpochMilli();
        long toMillis = to.toEpochMilli();
        ValueReader reader = valueReader(topic);
        JsonFactory factory = new JsonFactory();
        RowWriter rows = format == Format.JSONL ? new JsonLines(factory, out) : new Csv(factory, out);
        long[] written = {0};
        LogScanner.Stats stats;
        try {
            stats = scanner.scan("export " + topic, ranges, record -> {
                if (record.timestamp() < fromMillis || record.timestamp() >= toMillis) {
                    return;
                }
                try {
                    rows.write(record, reader);
                    written[0]++;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } finally {
            rows.flush();
        }
        return new Result(stats, written[0], partitions);
    }

    /** Appends one RFC 4180 line (quoted where a cell needs it, newline-terminated); shared with the replay's CSV. */
    static void appendCsvLine(StringBuilder line, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            String cell = values.get(i);
            if (cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0 || cell.indexOf('\n') >= 0
                    || cell.indexOf('\r') >= 0) {
                line.append('"').append(cell.replace("\"", "\"\"")).append('"');
            } else {
                line.append(cell);
            }
        }
        line.append('\n');
    }

    /** What an export did. */
    record Result(LogScanner.Stats stats, long rows, List<TopicPartition> partitions) {
    }

    /** The value of a record with the schema to write it by (null schema: plain text). */
    record Value(Schema schema, Object data) {
    }

    /** Decodes record values of one topic. */
    interface ValueReader {
        Value read(ConsumerRecord<byte[], byte[]> record);

        /** The schema every row is written with, when it is known before the first record. */
        Optional<Schema> fixedSchema();
    }

    private ValueReader valueReader(String topic) {
        Optional<Topic<?, ?>> known = Topics.ALL.stream().filter(t -> t.name().equals(topic)).findFirst();
        if (known.isPresent()) {
            try (Serde<?> serde = known.get().valueSerdeFactory().get();
                 Deserializer<?> deserializer = serde.deserializer()) {
                if (deserializer instanceof AvroDeserializer<?> avro) {
                    AvroDeserializer<?> configured = new AvroDeserializer<>(avro.type());
                    configured.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl), false);
                    Schema schema = configured.readerSchema();
                    return new ValueReader() {
                        @Override
                        public Value read(ConsumerRecord<byte[], byte[]> record) {
                            return new Value(schema, configured.deserialize(record));
                        }

                        @Override
                        public Optional<Schema> fixedSchema() {
                            return Optional.of(schema);
                        }
                    };
                }
            }
        }
        return new WriterSchemaReader(new RestSchemaRegistryClient(registryUrl));
    }

    /** Reads Confluent-framed values with their writer schema, and anything else as UTF-8 text. */
    private static final class WriterSchemaReader implements ValueReader {
        private final SchemaRegistryClient client;
        private final Map<Integer, GenericDatumReader<Object>> readers = new HashMap<>();
        private final Map<Integer, Schema> schemas = new HashMap<>();
        private BinaryDecoder decoder;

        WriterSchemaReader(SchemaRegistryClient client) {
            this.client = client;
        }

        @Override
        public Value read(ConsumerRecord<byte[], byte[]> record) {
            byte[] bytes = record.value();
            if (bytes == null) {
                return new Value(null, null);
            }
            if (bytes.length < WireFormat.HEADER_LENGTH || bytes[0] != WireFormat.MAGIC_BYTE) {
                return new Value(null, new String(bytes, StandardCharsets.UTF_8));
            }
            int id = WireFormat.schemaId(bytes);
            Schema schema = schemas.computeIfAbsent(id, client::getSchemaById);
            GenericDatumReader<Object> reader = readers.computeIfAbsent(id, i -> new GenericDatumReader<>(schema));
            decoder = DecoderFactory.get().binaryDecoder(bytes, WireFormat.HEADER_LENGTH,
                    bytes.length - WireFormat.HEADER_LENGTH, decoder);
            try {
                return new Value(schema, reader.read(null, decoder));
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("cannot decode " + record.topic() + " partition "
                        + record.partition() + " offset " + record.offset() + " with schema id " + id, e);
            }
        }

        @Override
        public Optional<Schema> fixedSchema() {
            return Optional.empty();
        }
    }

    /** Writes one row per record. */
    private interface RowWriter {
        void write(ConsumerRecord<byte[], byte[]> record, ValueReader reader) throws IOException;

        void flush() throws IOException;
    }

    /** {@code {"topic":..,"partition":..,"offset":..,"timestamp":..,"key":..,"value":{..}}} per line. */
    private static final class JsonLines implements RowWriter {
        private final JsonGenerator json;
        private boolean any;

        JsonLines(JsonFactory factory, OutputStream out) throws IOException {
            json = factory.createGenerator(out, JsonEncoding.UTF8);
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            // One object per line with nothing between them: JSON Lines.
            json.setRootValueSeparator(new SerializedString("\n"));
        }

        @Override
        public void write(ConsumerRecord<byte[], byte[]> record, ValueReader reader) throws IOException {
            Value value = reader.read(record);
            any = true;
            json.writeStartObject();
            json.writeStringField("topic", record.topic());
            json.writeNumberField("partition", record.partition());
            json.writeNumberField("offset", record.offset());
            json.writeStringField("timestamp", Instant.ofEpochMilli(record.timestamp()).toString());
            json.writeFieldName("key");
            if (record.key() == null) {
                json.writeNull();
            } else {
                json.writeString(new String(record.key(), StandardCharsets.UTF_8));
            }
            json.writeFieldName("value");
            if (value.schema() == null) {
                if (value.data() == null) {
                    json.writeNull();
                } else {
                    json.writeString(value.data().toString());
                }
            } else {
                AvroText.writeJson(json, value.schema(), value.data());
            }
            json.writeEndObject();
        }

        @Override
        public void flush() throws IOException {
            if (any) {
                json.writeRaw('\n');
            }
            json.flush();
        }
    }

    /** RFC 4180 CSV: a header from the schema, then one row per record; nested lists as JSON text. */
    private static final class Csv implements RowWriter {
        private final JsonFactory factory;
        private final Writer out;
        private Schema header;
        private final List<String> cells = new ArrayList<>();
        private final StringBuilder line = new StringBuilder(512);

        Csv(JsonFactory factory, OutputStream out) {
            this.factory = factory;
            this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        }

        @Override
        public void write(ConsumerRecord<byte[], byte[]> record, ValueReader reader) throws IOException {
            Value value = reader.read(record);
            if (header == null) {
                header = reader.fixedSchema().orElse(value.schema() == null
                        ? Schema.create(Schema.Type.STRING) : value.schema());
                List<String> names = new ArrayList<>(META_COLUMNS);
                names.addAll(AvroText.columns(header));
                writeLine(names);
            }
            cells.clear();
            cells.add(record.topic());
            cells.add(Integer.toString(record.partition()));
            cells.add(Long.toString(record.offset()));
            cells.add(Instant.ofEpochMilli(record.timestamp()).toString());
            cells.add(record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8));
            if (value.schema() == null || value.schema().equals(header)) {
                AvroText.cells(header, value.data(), cells, this::json);
            } else {
                // A record written with another schema than the header's: its columns would not line up.
                throw new SerializationException(record.topic() + " partition " + record.partition() + " offset "
                        + record.offset() + " has schema " + value.schema().getFullName()
                        + " unlike the first row's; export it as --format jsonl instead");
            }
            writeLine(cells);
        }

        private String json(Schema schema, Object value) throws IOException {
            StringWriter text = new StringWriter();
            try (JsonGenerator json = factory.createGenerator(text)) {
                AvroText.writeJson(json, schema, value);
            }
            return text.toString();
        }

        private void writeLine(List<String> values) throws IOException {
            line.setLength(0);
            appendCsvLine(line, values);
            out.append(line);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
