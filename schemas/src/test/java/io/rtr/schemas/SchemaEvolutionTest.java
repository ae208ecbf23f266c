package io.rtr.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private static final Path CURRENT = Paths.get("src", "main", "avro");
    private static final Path HISTORY = Paths.get("src", "main", "avro-history");

    private final Map<String, Schema> current = SchemaEvolutionGuard.parseCurrent(CURRENT);

    @Test
    void everyCurrentSchemaReadsDataWrittenWithEveryReleasedVersion() {
        List<String> problems = new ArrayList<>();
        current.forEach((name, schema) -> problems.addAll(SchemaEvolutionGuard.backwardIncompatibilities(
                name, schema, SchemaEvolutionGuard.parseHistory(HISTORY.resolve(name)))));

        assertThat(problems)
                .as("current schemas must read every released version; add a default or keep the field,"
                        + " never edit src/main/avro-history")
                .isEmpty();
    }

    @Test
    void everyCurrentSchemaHasAtLeastItsFirstReleaseInHistory() {
        assertThat(current).isNotEmpty();
        for (String name : current.keySet()) {
            assertThat(HISTORY.resolve(name).resolve("v1.avsc"))
                    .as("released schema %s needs src/main/avro-history/%s/v1.avsc", name, name)
                    .isRegularFile();
        }
    }

    @Test
    void historyBelongsToCurrentSchemasAndVersionsHaveNoGaps() throws Exception {
        List<String> directories;
        try (var entries = Files.list(HISTORY)) {
            directories = entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .collect(Collectors.toList());
        }
        assertThat(directories)
                .as("a released event schema cannot be deleted: consumers replaying the log still need it")
                .containsExactlyInAnyOrderElementsOf(current.keySet());
        for (String name : directories) {
            SortedMap<Integer, Schema> versions = SchemaEvolutionGuard.parseHistory(HISTORY.resolve(name));
            assertThat(versions.keySet())
                    .as("versions of %s", name)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, versions.size()).boxed().toList());
            assertThat(versions.get(versions.lastKey()).getFullName()).isEqualTo("io.rtr.schemas." + name);
        }
    }

    @Test
    void everyFieldAndNamedTypeIsDocumented() {
        List<String> problems = new ArrayList<>();
        current.values().forEach(schema -> problems.addAll(SchemaEvolutionGuard.undocumented(schema)));

        assertThat(problems).isEmpty();
    }

    @Test
    void everySchemaFileIsNamedAfterItsRecordInTheSchemasNamespace() {
        current.forEach((name, schema) -> {
            assertThat(schema.getType()).as(name).isEqualTo(Schema.Type.RECORD);
            assertThat(schema.getFullName()).isEqualTo("io.rtr.schemas." + name);
        });
    }

    @Test
    void generatedClassesMatchTheSchemaFiles() throws Exception {
        for (Map.Entry<String, Schema> entry : current.entrySet()) {
            Class<?> generated = Class.forName("io.rtr.schemas." + entry.getKey());
            // The generator adds avro.java.string=String to every string; nothing else may differ.
            String generatedJson = SpecificData.get().getSchema(generated).toString()
                    .replace("{\"type\":\"string\",\"avro.java.string\":\"String\"}", "\"string\"");
            assertThat(generatedJson).isEqualTo(entry.getValue().toString());
        }
    }

    @Test
    void guardReportsNewRequiredFieldWithoutDefaultNamingSchemaVersionAndField() {
        Schema released = current.get("ReadingAction");
        Schema evolved = withExtraField(released,
                "{\"name\": \"site\", \"type\": \"string\", \"doc\": \"Site of the reader.\"}");

        List<String> problems = SchemaEvolutionGuard.backwardIncompatibilities(
                "ReadingAction", evolved, history(released));

        assertThat(problems).singleElement().asString()
                .contains("ReadingAction", "v1", "READER_FIELD_MISSING_DEFAULT", "site");
    }

    @Test
    void guardReportsChangedFieldTypeAgainstEveryReleasedVersion() {
        Schema v1 = current.get("ReadingAction");
        Schema v2 = withExtraField(v1,
                "{\"name\": \"site\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"Site.\"}");
        Schema evolved = new Schema.Parser().parse(v1.toString().replace(
                "{\"name\":\"comment\",\"type\":[\"null\",\"string\"]",
                "{\"name\":\"comment\",\"type\":[\"null\",\"int\"]"));
        SortedMap<Integer, Schema> history = new TreeMap<>(Map.of(1, v1, 2, v2));

        List<String> problems = SchemaEvolutionGuard.backwardIncompatibilities("ReadingAction", evolved, history);

        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).contains("v1", "MISSING_UNION_BRANCH", "ReadingAction.comment");
        assertThat(problems.get(1)).contains("v2", "MISSING_UNION_BRANCH", "ReadingAction.comment");
    }

    @Test
    void guardAcceptsNewOptionalFieldWithDefault() {
        Schema released = current.get("InstanceReceived");
        Schema evolved = withExtraField(released,
                "{\"name\": \"site\", \"type\": [\"null\", \"string\"], \"default\": null, \"doc\": \"Site.\"}");

        assertThat(SchemaEvolutionGuard.backwardIncompatibilities("InstanceReceived", evolved, history(released)))
                .isEmpty();
    }

    @Test
    void guardReportsUndocumentedField() {
        Schema evolved = withExtraField(current.get("ReadingAction"),
                "{\"name\": \"site\", \"type\": [\"null\", \"string\"], \"default\": null}");

        assertThat(SchemaEvolutionGuard.undocumented(evolved)).singleElement().asString()
                .contains("io.rtr.schemas.ReadingAction.site");
    }

    private static Schema withExtraField(Schema schema, String fieldJson) {
        String json = schema.toString();
        // The record's field list is the last JSON array in its text; insert before it closes.
        int end = json.lastIndexOf(']');
        return new Schema.Parser().parse(json.substring(0, end) + "," + fieldJson + json.substring(end));
    }

    private static SortedMap<Integer, Schema> history(Schema v1) {
        return new TreeMap<>(Map.of(1, v1));
    }
}
