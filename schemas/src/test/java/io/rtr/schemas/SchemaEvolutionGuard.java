package io.rtr.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaParser;

/**
 * Test helper: parses the current schemas and their released versions and reports every way the
 * current schemas fail to read data written with a released version (BACKWARD, transitive).
 */
final class SchemaEvolutionGuard {

    private static final Pattern VERSION_FILE = Pattern.compile("v([1-9][0-9]*)\\.avsc");

    private SchemaEvolutionGuard() {
    }

    /**
     * Parses every {@code .avsc} in {@code dir}, keyed by file name without extension. One
     * SchemaParser parses all files before resolving any, so a file may use a named type defined
     * in another whatever the order.
     */
    static Map<String, Schema> parseCurrent(Path dir) {
        SchemaParser parser = new SchemaParser();
        Map<String, SchemaParser.ParseResult> parsed = new LinkedHashMap<>();
        for (Path file : list(dir, "*.avsc")) {
            try {
                parsed.put(baseName(file), parser.parse(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<String, Schema> schemas = new LinkedHashMap<>();
        // mainSchema() resolves references to types parsed from the other files.
        parsed.forEach((name, result) -> schemas.put(name, result.mainSchema()));
        return schemas;
    }

    /** Parses {@code dir/vN.avsc} files (each self-contained), keyed by N. */
    static SortedMap<Integer, Schema> parseHistory(Path dir) {
        SortedMap<Integer, Schema> versions = new TreeMap<>();
        for (Path file : list(dir, "*.avsc")) {
            Matcher matcher = VERSION_FILE.matcher(file.getFileName().toString());
            if (!matcher.matches()) {
                throw new IllegalStateException("history file is not named vN.avsc: " + file);
            }
            try {
                versions.put(Integer.parseInt(matcher.group(1)), SchemaParser.parseSingle(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return versions;
    }

    /** One line per way {@code current} cannot read data written with a version in {@code history}. */
    static List<String> backwardIncompatibilities(String name, Schema current, SortedMap<Integer, Schema> history) {
        List<String> problems = new ArrayList<>();
        history.forEach((version, writer) -> {
            SchemaCompatibility.SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
            if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                for (SchemaCompatibility.Incompatibility incompatibility
                        : result.getResult().getIncompatibilities()) {
                    problems.add(name + " cannot read data written with v" + version + ": "
                            + incompatibility.getType() + " at " + incompatibility.getLocation()
                            + " (" + fieldPath(current, incompatibility.getLocation()) + "): "
                            + incompatibility.getMessage());
                }
            }
        });
        return problems;
    }

    /**
     * Turns a compatibility location such as {@code /fields/5/type/1} into the reader's field
     * path ({@code ReadingAction.comment}), which is what a person fixing the schema looks for.
     */
    static String fieldPath(Schema reader, String location) {
        StringBuilder path = new StringBuilder(reader.getName());
        Schema at = reader;
        String[] steps = location.split("/");
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            if (step.equals("fields") && i + 1 < steps.length && at.getType() == Schema.Type.RECORD) {
                int index = Integer.parseInt(steps[++i]);
                if (index >= at.getFields().size()) {
                    break;
                }
                Schema.Field field = at.getFields().get(index);
                path.append('.').append(field.name());
                at = field.schema();
            } else if (step.matches("[0-9]+") && at.getType() == Schema.Type.UNION) {
                at = at.getTypes().get(Integer.parseInt(step));
            } else if (step.equals("items") && at.getType() == Schema.Type.ARRAY) {
                at = at.getElementType();
                path.append("[]");
            } else if (step.equals("values") && at.getType() == Schema.Type.MAP) {
                at = at.getValueType();
                path.append("{}");
            }
        }
        return path.toString();
    }

    /** One line per record field, record or enum without a non-blank doc, reached from {@code schema}. */
    static List<String> undocumented(Schema schema) {
        List<String> problems = new ArrayList<>();
        collectUndocumented(schema, new HashSet<>(), problems);
        return problems;
    }

    private static void collectUndocumented(Schema schema, Set<String> seen, List<String> problems) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                if (blank(schema.getDoc())) {
                    problems.add("record " + schema.getFullName() + " has no doc");
                }
                for (Schema.Field field : schema.getFields()) {
                    if (blank(field.doc())) {
                        problems.add("field " + schema.getFullName() + "." + field.name() + " has no doc");
                    }
                    collectUndocumented(field.schema(), seen, problems);
                }
            }
            case ENUM, FIXED -> {
                if (seen.add(schema.getFullName()) && blank(schema.getDoc())) {
                    problems.add(schema.getType().getName() + " " + schema.getFullName() + " has no doc");
                }
            }
            case UNION -> schema.getTypes().forEach(branch -> collectUndocumented(branch, seen, problems));
            case ARRAY -> collectUndocumented(schema.getElementType(), seen, problems);
            case MAP -> collectUndocumented(schema.getValueType(), seen, problems);
            default -> {
                // primitives carry no doc
            }
        }
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    static List<Path> list(Path dir, String glob) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(p -> p.getFileSystem().getPathMatcher("glob:" + glob).matches(p.getFileName()))
                    .sorted()
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }
}
