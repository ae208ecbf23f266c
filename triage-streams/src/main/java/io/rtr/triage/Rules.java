package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.RejectReason;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The rule implementations, built by {@link RuleSetLoader} once the file is validated. */
final class Rules {

    private Rules() {
    }

    /** Accepts when a single-valued attribute is one of {@code allowed} (case-insensitive). */
    static Rule allowedValue(String id, String attributeName, Function<InstanceReceived, String> attribute,
                             List<String> allowed, boolean rejectWhenMissing, RejectReason reason,
                             RejectReason missingReason) {
        Set<String> normalized = allowed.stream().map(Rules::normalize).collect(Collectors.toUnmodifiableSet());
        return rule(id, instance -> {
            String value = attribute.apply(instance);
            if (value == null || value.isBlank()) {
                return missing(id, rejectWhenMissing, missingReason, attributeName + " is missing");
            }
            if (normalized.contains(normalize(value))) {
                return Optional.empty();
            }
            return Optional.of(new Rejection(id, reason,
                    attributeName + " '" + value + "' is not one of " + allowed));
        });
    }

    /** Accepts when Image Type starts with {@code required} values, e.g. ORIGINAL\PRIMARY. */
    static Rule imageType(String id, List<String> required) {
        List<String> wanted = required.stream().map(Rules::normalize).toList();
        return rule(id, instance -> {
            List<String> values = instance.getImageType();
            boolean ok = values != null && values.size() >= wanted.size();
            for (int i = 0; ok && i < wanted.size(); i++) {
                ok = wanted.get(i).equals(normalize(values.get(i)));
            }
            return ok ? Optional.empty() : Optional.of(new Rejection(id,
                    RejectReason.IMAGE_TYPE_NOT_ORIGINAL_PRIMARY, "imageType "
                    + (values == null || values.isEmpty() ? "is missing" : String.join("\\", values))
                    + " does not start with " + String.join("\\", required)));
        });
    }

    /** Rejects instances whose Breast Implant Present is YES. */
    static Rule breastImplant(String id, boolean rejectWhenUnknown) {
        return rule(id, instance -> {
            Boolean present = instance.getBreastImplantPresent();
            if (present == null) {
                return missing(id, rejectWhenUnknown, RejectReason.MISSING_ATTRIBUTE,
                        "breastImplantPresent is missing");
            }
            return present ? Optional.of(new Rejection(id, RejectReason.BREAST_IMPLANT_PRESENT,
                    "breastImplantPresent is YES: implant views are read without AI triage")) : Optional.empty();
        });
    }

    /** Accepts patients whose age in years lies in [min, max]; either bound may be absent. */
    static Rule patientAge(String id, Integer min, Integer max, boolean rejectWhenUnknown) {
        return rule(id, instance -> {
            Integer age = instance.getPatientAgeYears();
            if (age == null) {
                return missing(id, rejectWhenUnknown, RejectReason.MISSING_ATTRIBUTE, "patientAgeYears is missing");
            }
            if ((min != null && age < min) || (max != null && age > max)) {
                // The age itself is left out: it is patient data and the range says enough.
                return Optional.of(new Rejection(id, RejectReason.PATIENT_AGE_OUT_OF_RANGE,
                        "patientAgeYears is outside [" + (min == null ? "" : min) + ", "
                                + (max == null ? "" : max) + "]"));
            }
            return Optional.empty();
        });
    }

    /** One manufacturer (full-match regex) and optionally its allowed models (regexes). */
    record Device(Pattern manufacturer, List<Pattern> models) {

        boolean allows(String manufacturerValue, String modelValue) {
            if (!manufacturer.matcher(manufacturerValue.trim()).matches()) {
                return false;
            }
            return models.isEmpty() || (modelValue != null
                    && models.stream().anyMatch(m -> m.matcher(modelValue.trim()).matches()));
        }
    }

    /** Accepts instances from an allowed manufacturer and model. */
    static Rule device(String id, List<Device> devices, boolean rejectWhenUnknown) {
        return rule(id, instance -> {
            String manufacturer = instance.getManufacturer();
            String model = instance.getManufacturerModelName();
            if (manufacturer == null || manufacturer.isBlank()) {
                return missing(id, rejectWhenUnknown, RejectReason.DEVICE_NOT_ALLOWED, "manufacturer is missing");
            }
            if (devices.stream().anyMatch(d -> d.allows(manufacturer, model))) {
                return Optional.empty();
            }
            return Optional.of(new Rejection(id, RejectReason.DEVICE_NOT_ALLOWED, "device '" + manufacturer
                    + "' / '" + model + "' is not on the allow-list"));
        });
    }

    /** How an attribute rule compares. */
    enum Match { EQUALS, IN, MATCHES }

    /**
     * Compares any InstanceReceived field, read as text (multi-valued fields joined with a
     * backslash, as DICOM writes them), with a value, a set of values or a full-match regex.
     */
    static Rule attribute(String id, String field, Match match, List<String> values, Pattern pattern,
                          boolean rejectWhenMissing) {
        return rule(id, instance -> {
            String value = attributeText(instance, field);
            if (value == null) {
                return missing(id, rejectWhenMissing, RejectReason.MISSING_ATTRIBUTE, field + " is missing");
            }
            boolean ok = switch (match) {
                case EQUALS, IN -> values.contains(value);
                case MATCHES -> pattern.matcher(value).matches();
            };
            if (ok) {
                return Optional.empty();
            }
            String expected = switch (match) {
                case EQUALS -> "equal '" + values.get(0) + "'";
                case IN -> "be one of " + values;
                case MATCHES -> "match /" + pattern.pattern() + "/";
            };
            return Optional.of(new Rejection(id, RejectReason.ATTRIBUTE_MISMATCH,
                    field + " '" + value + "' does not " + expected));
        });
    }

    /** The field as text, or null when it is null or an empty list. */
    static String attributeText(InstanceReceived instance, String field) {
        Object value = instance.get(field);
        if (value instanceof List<?> list) {
            return list.isEmpty() ? null : list.stream().map(String::valueOf).collect(Collectors.joining("\\"));
        }
        return value == null ? null : value.toString();
    }

    private static Rule rule(String id, Function<InstanceReceived, Optional<Rejection>> check) {
        return new Rule() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Optional<Rejection> check(InstanceReceived instance) {
                return check.apply(instance);
            }
        };
    }

    /** The answer for an instance without the rule's attribute: reject with {@code message}, or pass. */
    private static Optional<Rejection> missing(String id, boolean reject, RejectReason reason, String message) {
        return reject ? Optional.of(new Rejection(id, reason, message)) : Optional.empty();
    }

    private static String normalize(String value) {
        return value.trim().toUpperCase(Locale.ROOT);
    }
}
