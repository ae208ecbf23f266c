package io.rtr.standalone.registry;

import io.rtr.standalone.registry.CompatibilityLevel.Versioned;
import io.rtr.standalone.registry.LogRecords.ConfigEntry;
import io.rtr.standalone.registry.LogRecords.Entry;
import io.rtr.standalone.registry.LogRecords.SchemaEntry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the registry knows and the rules for changing it: subjects, versions, global schema ids and
 * compatibility levels, rebuilt from a {@link SchemaLog} and written through to it.
 *
 * <p>Every method is synchronized: writes are rare, and holding the lock across the log append is
 * what keeps two concurrent registrations from taking the same id or version.
 */
final class RegistryService {

    /** The default level of a fresh registry, as in the Confluent Schema Registry. */
    static final CompatibilityLevel DEFAULT_LEVEL = CompatibilityLevel.BACKWARD;

    /** One version of a subject. */
    record SubjectVersion(String subject, int version, int id, String schema) {
    }

    private final SchemaLog schemaLog;
    private final Map<String, TreeMap<Integer, SubjectVersion>> subjects = new TreeMap<>();
    private final Map<Integer, ParsedSchema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsByCanonical = new HashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = DEFAULT_LEVEL;
    private int maxId;

    RegistryService(SchemaLog schemaLog) {
        this.schemaLog = schemaLog;
        schemaLog.replay((key, value) -> LogRecords.decode(key, value).ifPresent(this::apply));
    }

    synchronized List<String> subjects() {
        return new ArrayList<>(subjects.keySet());
    }

    synchronized List<Integer> versions(String subject) {
        return new ArrayList<>(existingSubject(subject).keySet());
    }

    /** The version named {@code spec}: a positive number, {@code latest} or {@code -1}. */
    synchronized SubjectVersion version(String subject, String spec) {
        TreeMap<Integer, SubjectVersion> versions = existingSubject(subject);
        SubjectVersion found = isLatest(spec) ? versions.lastEntry().getValue() : versions.get(parseVersion(spec));
        if (found == null) {
            throw RegistryException.versionNotFound(subject, spec);
        }
        return found;
    }

    synchronized String schema(int id) {
        ParsedSchema schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryException.schemaNotFound("id " + id);
        }
        return schema.canonical();
    }

    /** Every live subject version that uses schema {@code id}. */
    synchronized List<SubjectVersion> usages(int id) {
        if (!schemasById.containsKey(id)) {
            throw RegistryException.schemaNotFound("id " + id);
        }
        List<SubjectVersion> usages = new ArrayList<>();
        subjects.values().forEach(versions -> versions.values().stream()
                .filter(v -> v.id() == id)
                .forEach(usages::add));
        return usages;
    }

    /**
     * Registers {@code schemaText} under {@code subject} and returns its id. The same schema always
     * gets the same id, in every subject; registering a schema the subject already has changes nothing.
     */
    synchronized int register(String subject, String schemaText) {
        ParsedSchema candidate = ParsedSchema.parse(schemaText);
        TreeMap<Integer, SubjectVersion> versions = subjects.getOrDefault(subject, new TreeMap<>());
        for (SubjectVersion existing : versions.values()) {
            if (existing.schema().equals(candidate.canonical())) {
                return existing.id();
            }
        }
        CompatibilityLevel level = level(subject);
        List<String> problems = level.check(candidate.schema(), versioned(versions));
        if (!problems.isEmpty()) {
            throw new RegistryException(409, RegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\", details: " + problems);
        }
        int id = idsByCanonical.getOrDefault(candidate.canonical(), maxId + 1);
        int version = versions.isEmpty() ? 1 : versions.lastKey() + 1;
        write(new SchemaEntry(subject, version, id, candidate.canonical(), false));
        return id;
    }

    /** The version of {@code subject} whose schema is {@code schemaText}. */
    synchronized SubjectVersion lookup(String subject, String schemaText) {
        TreeMap<Integer, SubjectVersion> versions = existingSubject(subject);
        ParsedSchema candidate = ParsedSchema.parse(schemaText);
        return versions.values().stream()
                .filter(v -> v.schema().equals(candidate.canonical()))
                .findFirst()
                .orElseThrow(() -> RegistryException.schemaNotFound("not found under subject '" + subject + "'"));
    }

    /**
     * Checks {@code schemaText} against {@code subject}: against version {@code spec} when given,
     * otherwise against the versions its level names. Returns the incompatibilities, empty if none.
     */
    synchronized List<String> checkCompatibility(String subject, String spec, String schemaText) {
        ParsedSchema candidate = ParsedSchema.parse(schemaText);
        CompatibilityLevel level = level(subject);
        if (spec == null) {
            TreeMap<Integer, SubjectVersion> versions = subjects.getOrDefault(subject, new TreeMap<>());
            return level.check(candidate.schema(), versioned(versions));
        }
        SubjectVersion against = version(subject, spec);
        List<Versioned> one = List.of(new Versioned(against.version(), schemasById.get(against.id()).schema()));
        return level.check(candidate.schema(), one);
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** Sets the level of {@code subject}, or the global one when {@code subject} is null. */
    synchronized void setLevel(String subject, CompatibilityLevel level) {
        write(new ConfigEntry(subject, level));
    }

    /** Removes the subject's own level, so the global one applies again; returns the removed one. */
    synchronized CompatibilityLevel removeLevel(String subject) {
        CompatibilityLevel previous = subjectLevels.get(subject);
        if (previous == null) {
            throw new RegistryException(404, RegistryException.SUBJECT_LEVEL_CONFIG_NOT_FOUND,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        }
        write(new ConfigEntry(subject, null));
        return previous;
    }

    private CompatibilityLevel level(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private List<Versioned> versioned(TreeMap<Integer, SubjectVersion> versions) {
        List<Versioned> result = new ArrayList<>(versions.size());
        versions.values().forEach(v -> result.add(new Versioned(v.version(), schemasById.get(v.id()).schema())));
        return result;
    }

    private TreeMap<Integer, SubjectVersion> existingSubject(String subject) {
        TreeMap<Integer, SubjectVersion> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        return versions;
    }

    /** The log first, then memory: nothing is answered that a restart would forget. */
    private void write(Entry entry) {
        try {
            schemaLog.append(LogRecords.key(entry), LogRecords.value(entry));
        } catch (RuntimeException e) {
            throw new RegistryException(500, RegistryException.STORE_ERROR,
                    "Error while writing to the schema log: " + e.getMessage(), e);
        }
        apply(entry);
    }

    private void apply(Entry entry) {
        if (entry instanceof SchemaEntry schema) {
            applySchema(schema);
        } else if (entry instanceof ConfigEntry config) {
            if (config.subject() == null) {
                globalLevel = config.level() == null ? DEFAULT_LEVEL : config.level();
            } else if (config.level() == null) {
                subjectLevels.remove(config.subject());
            } else {
                subjectLevels.put(config.subject(), config.level());
            }
        }
    }

    private void applySchema(SchemaEntry entry) {
        if (entry.deleted()) {
            TreeMap<Integer, SubjectVersion> versions = subjects.get(entry.subject());
            if (versions != null) {
                versions.remove(entry.version());
                if (versions.isEmpty()) {
                    subjects.remove(entry.subject());
                }
            }
            return;
        }
        ParsedSchema parsed = schemasById.get(entry.id());
        if (parsed == null) {
            parsed = ParsedSchema.parse(entry.schema());
            schemasById.put(entry.id(), parsed);
            idsByCanonical.putIfAbsent(parsed.canonical(), entry.id());
        }
        maxId = Math.max(maxId, entry.id());
        subjects.computeIfAbsent(entry.subject(), s -> new TreeMap<>())
                .put(entry.version(), new SubjectVersion(entry.subject(), entry.version(), entry.id(),
                        parsed.canonical()));
    }

    private static boolean isLatest(String spec) {
        return "latest".equalsIgnoreCase(spec) || "-1".equals(spec);
    }

    private static int parseVersion(String spec) {
        try {
            int version = Integer.parseInt(spec);
            if (version < 1) {
                throw RegistryException.invalidVersion(spec);
            }
            return version;
        } catch (NumberFormatException e) {
            throw RegistryException.invalidVersion(spec);
        }
    }
}
