package io.rtr.schemas.serde;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.AvroGenerated;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Lets Avro's class-loading guard load the generated classes a deserializer reads into.
 *
 * <p>Since Avro 1.11.4 / 1.12 (CVE-2024-47561), SpecificData refuses to load a class by schema
 * name unless it is trusted; a SpecificDatumReader looks up every nested record and enum that
 * way, so without this every read fails with a SecurityException. Only classes that Avro
 * generated ({@link AvroGenerated}) in the package of a class a deserializer was explicitly
 * built for are trusted, which keeps the guard's protection against arbitrary class names.
 */
final class GeneratedClassTrust {

    private static final Set<String> PACKAGES = ConcurrentHashMap.newKeySet();
    private static final ClassSecurityValidator.ClassSecurityPredicate GENERATED =
            GeneratedClassTrust::isTrustedGenerated;

    private GeneratedClassTrust() {
    }

    /** Trusts the Avro-generated classes in {@code type}'s package, installing the predicate once. */
    static synchronized void trustGeneratedClassesOf(Class<?> type) {
        PACKAGES.add(type.getPackageName());
        ClassSecurityValidator.ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();
        // Checked rather than remembered: an application may have replaced the global predicate
        // since, and then ours must be added again on top of theirs.
        if (!global.isTrusted(type)) {
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(global, GENERATED));
        }
    }

    private static boolean isTrustedGenerated(Class<?> type) {
        return type.isAnnotationPresent(AvroGenerated.class) && PACKAGES.contains(type.getPackageName());
    }
}
