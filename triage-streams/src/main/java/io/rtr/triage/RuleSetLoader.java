package io.rtr.triage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.RejectReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.avro.Schema;

/**
 * Reads and validates a YAML rules file into a {@link RuleSet}. Every problem is collected, so one
 * start-up shows them all, and each names the rule (id and position) and the field.
 *
 * <p>The format, with the default file {@value #DEFAULT_RESOURCE} as the worked example:
 * <pre>
 * rules:
 *   - id: mg-only            # required, unique
 *     type: modality         # see RuleType for all types
 *     allow: [MG]
 *     enabled: true          # optional, default true
 *     description: ...       # optional, for people
 * </pre>
 */
public final class RuleSetLoader {

    /** Classpath resource holding the default screening-mammography rules. */
    public static final String DEFAULT_RESOURCE = "rules/screening-mammography.yaml";

    private static final Set<String> COMMON_FIELDS = Set.of("id", "type", "enabled", "description");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private RuleSetLoader() {
    }

    /** The rules shipped with RTR for screening mammography. */
    public static RuleSet loadDefault() {
        try (InputStream in = RuleSetLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + DEFAULT_RESOURCE + " is missing from the build");
            }
            return parse("classpath:" + DEFAULT_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read classpath resource " + DEFAULT_RESOURCE, e);
        }
    }

    /** Reads the rules file at {@code path}. */
    public static RuleSet load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RulesFileException(path.toString(), List.of("cannot be read: " + e));
        }
        return parse(path.toString(), text);
    }

    /** Parses rules from YAML text; {@code source} names the text in error messages. */
    public static RuleSet parse(String source, String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new RulesFileException(source, List.of("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
        }
        List<String> problems = new ArrayList<>();
        JsonNode list = root == null ? null : root.get("rules");
        if (list == null || !list.isArray()) {
            throw new RulesFileException(source, List.of("field 'rules': must be a list of rules"));
        }
        List<Rule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int position = 0;
        for (JsonNode node : list) {
            position++;
            RuleReader reader = new RuleReader(node, position, problems);
            Rule rule = reader.read(ids);
            if (rule != null && reader.enabled()) {
                rules.add(rule);
            }
        }
        if (!problems.isEmpty()) {
            throw new RulesFileException(source, problems);
        }
        return new RuleSet(rules);
    }

    /** Reads one rule, adding each problem to the shared list instead of stopping at the first. */
    private static final class RuleReader {
        private final JsonNode node;
        private final int position;
        private final List<String> problems;
        private String label;
        private final Set<String> allowedFields = new HashSet<>(COMMON_FIELDS);
        private int problemsBefore;

        RuleReader(JsonNode node, int position, List<String> problems) {
            this.node = node;
            this.position = position;
            this.problems = problems;
            this.label = "rule #" + position;
        }

        boolean enabled() {
            JsonNode enabled = node.get("enabled");
            return enabled == null || enabled.asBoolean(true);
        }

        Rule read(Set<String> ids) {
            problemsBefore = problems.size();
            if (!node.isObject()) {
                problems.add(label + ": must be a mapping with at least 'id' and 'type'");
                return null;
            }
            String id = text("id", true);
            if (id != null) {
                label = "rule '" + id + "' (#" + position + ")";
                if (!ids.add(id)) {
                    problems.add(label + ": field 'id': duplicate id, ids must be unique");
                }
            }
            JsonNode enabled = node.get("enabled");
            if (enabled != null && !enabled.isBoolean()) {
                fieldProblem("enabled", "must be true or false");
            }
            String typeText = text("type", true);
            if (typeText == null) {
                return null;
            }
            RuleType type = RuleType.parse(typeText).orElse(null);
            if (type == null) {
                fieldProblem("type", "unknown type '" + typeText + "', expected one of " + RuleType.allValues());
                return null;
            }
            Rule rule = build(id, type);
            checkUnknownFields();
            return problems.size() == problemsBefore ? rule : null;
        }

        private Rule build(String id, RuleType type) {
            return switch (type) {
                case MODALITY -> Rules.allowedValue(id, "modality", InstanceReceived::getModality,
                        stringList("allow", true, null), flag("rejectWhenMissing", true),
                        RejectReason.MODALITY_NOT_ALLOWED, RejectReason.MODALITY_NOT_ALLOWED);
                case SOP_CLASS -> Rules.allowedValue(id, "sopClassUid", InstanceReceived::getSopClassUid,
                        stringList("allow", true, null), true,
                        RejectReason.SOP_CLASS_NOT_ALLOWED, RejectReason.SOP_CLASS_NOT_ALLOWED);
                case IMAGE_TYPE -> Rules.imageType(id, stringList("require", false, List.of("ORIGINAL", "PRIMARY")));
                case PRESENTATION_INTENT -> Rules.allowedValue(id, "presentationIntentType",
                        InstanceReceived::getPresentationIntentType,
                        stringList("allow", false, List.of("FOR PRESENTATION")), flag("rejectWhenMissing", true),
                        RejectReason.NOT_FOR_PRESENTATION, RejectReason.NOT_FOR_PRESENTATION);
                case VIEW_POSITION -> Rules.allowedValue(id, "viewPosition", InstanceReceived::getViewPosition,
                        stringList("allow", true, null), flag("rejectWhenMissing", true),
                        RejectReason.VIEW_POSITION_NOT_ALLOWED, RejectReason.VIEW_POSITION_NOT_ALLOWED);
                case LATERALITY -> Rules.allowedValue(id, "imageLaterality", InstanceReceived::getImageLaterality,
                        stringList("allow", false, List.of("L", "R")), true,
                        RejectReason.ATTRIBUTE_MISMATCH, RejectReason.LATERALITY_MISSING);
                case BREAST_IMPLANT -> Rules.breastImplant(id, flag("rejectWhenUnknown", false));
                case PATIENT_AGE -> patientAge(id);
                case DEVICE -> device(id);
                case ATTRIBUTE -> attribute(id);
            };
        }

        private Rule patientAge(String id) {
            Integer min = integer("min");
            Integer max = integer("max");
            if (min == null && max == null && !node.has("min") && !node.has("max")) {
                fieldProblem("min", "at least one of 'min' and 'max' is required");
            }
            if (min != null && max != null && min > max) {
                fieldProblem("max", "must be >= min (" + min + "), was " + max);
            }
            return Rules.patientAge(id, min, max, flag("rejectWhenUnknown", false));
        }

        private Rule device(String id) {
            allowedFields.add("allow");
            JsonNode allow = node.get("allow");
            List<Rules.Device> devices = new ArrayList<>();
            if (allow == null || !allow.isArray() || allow.isEmpty()) {
                fieldProblem("allow", "must be a non-empty list of {manufacturer, models}");
            } else {
                int i = 0;
                for (JsonNode entry : allow) {
                    String field = "allow[" + i++ + "]";
                    JsonNode manufacturer = entry.get("manufacturer");
                    if (manufacturer == null || !manufacturer.isTextual() || manufacturer.asText().isBlank()) {
                        fieldProblem(field + ".manufacturer", "a manufacturer pattern is required");
                        continue;
                    }
                    Pattern m = pattern(field + ".manufacturer", manufacturer.asText());
                    List<Pattern> models = new ArrayList<>();
                    JsonNode modelNode = entry.get("models");
                    if (modelNode != null) {
                        if (!modelNode.isArray()) {
                            fieldProblem(field + ".models", "must be a list of model patterns");
                        } else {
                            int j = 0;
                            for (JsonNode model : modelNode) {
                                Pattern p = pattern(field + ".models[" + j++ + "]", model.asText());
                                if (p != null) {
                                    models.add(p);
                                }
                            }
                        }
                    }
                    Iterator<String> names = entry.fieldNames();
                    while (names.hasNext()) {
                        String name = names.next();
                        if (!name.equals("manufacturer") && !name.equals("models")) {
                            fieldProblem(field + "." + name, "unknown field, expected manufacturer or models");
                        }
                    }
                    if (m != null) {
                        devices.add(new Rules.Device(m, List.copyOf(models)));
                    }
                }
            }
            return Rules.device(id, List.copyOf(devices), flag("rejectWhenUnknown", true));
        }

        private Rule attribute(String id) {
            String field = text("attribute", true);
            if (field != null && InstanceReceived.getClassSchema().getField(field) == null) {
                fieldProblem("attribute", "'" + field + "' is not a field of InstanceReceived; expected one of "
                        + InstanceReceived.getClassSchema().getFields().stream().map(Schema.Field::name).toList());
            }
            allowedFields.add("equals");
            allowedFields.add("in");
            allowedFields.add("matches");
            int given = (node.has("equals") ? 1 : 0) + (node.has("in") ? 1 : 0) + (node.has("matches") ? 1 : 0);
            boolean rejectWhenMissing = flag("rejectWhenMissing", true);
            if (given != 1) {
                fieldProblem("equals", "exactly one of 'equals', 'in' and 'matches' is required, found " + given);
                return null;
            }
            if (node.has("equals")) {
                String value = text("equals", true);
                return Rules.attribute(id, field, Rules.Match.EQUALS, value == null ? List.of() : List.of(value),
                        null, rejectWhenMissing);
            }
            if (node.has("in")) {
                return Rules.attribute(id, field, Rules.Match.IN, stringList("in", true, null), null,
                        rejectWhenMissing);
            }
            String regex = text("matches", true);
            return Rules.attribute(id, field, Rules.Match.MATCHES, List.of(),
                    regex == null ? null : pattern("matches", regex), rejectWhenMissing);
        }

        private String text(String field, boolean required) {
            allowedFields.add(field);
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    fieldProblem(field, "is required");
                }
                return null;
            }
            if (!value.isValueNode() || value.asText().isBlank()) {
                fieldProblem(field, "must be a non-blank text value");
                return null;
            }
            return value.asText().trim();
        }

        private List<String> stringList(String field, boolean required, List<String> defaultValue) {
            allowedFields.add(field);
            JsonNode value = node.get(field);
            if (value == null) {
                if (required) {
                    fieldProblem(field, "is required: a non-empty list of values");
                }
                return defaultValue == null ? List.of() : defaultValue;
            }
            if (!value.isArray() || value.isEmpty()) {
                fieldProblem(field, "must be a non-empty list of values");
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isValueNode() || item.isNull() || item.asText().isBlank()) {
                    fieldProblem(field, "contains an empty or non-text entry");
                } else {
                    out.add(item.asText().trim());
                }
            }
            return List.copyOf(out);
        }

        private Integer integer(String field) {
            allowedFields.add(field);
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.canConvertToInt() || !value.isIntegralNumber() || value.asInt() < 0) {
                fieldProblem(field, "must be a whole number >= 0, was '" + value.asText() + "'");
                return null;
            }
            return value.asInt();
        }

        private boolean flag(String field, boolean defaultValue) {
            allowedFields.add(field);
            JsonNode value = node.get(field);
            if (value == null) {
                return defaultValue;
            }
            if (!value.isBoolean()) {
                fieldProblem(field, "must be true or false, was '" + value.asText() + "'");
                return defaultValue;
            }
            return value.asBoolean();
        }

        private Pattern pattern(String field, String regex) {
            try {
                // Case-insensitive: DICOM writers disagree on case (HOLOGIC vs Hologic).
                return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                fieldProblem(field, "invalid regular expression: " + e.getDescription());
                return null;
            }
        }

        private void checkUnknownFields() {
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!allowedFields.contains(name)) {
                    // A misspelt key would otherwise be ignored and the rule silently weaker.
                    fieldProblem(name, "unknown field for type '" + node.get("type").asText() + "'");
                }
            }
        }

        private void fieldProblem(String field, String problem) {
            problems.add(label + ": field '" + field + "': " + problem);
        }
    }
}
