package io.rtr.triage;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The kinds of filtering rule a rules file may name, each with the value written in the file. */
enum RuleType {
    MODALITY("modality"),
    SOP_CLASS("sop-class"),
    IMAGE_TYPE("image-type"),
    PRESENTATION_INTENT("presentation-intent"),
    VIEW_POSITION("view-position"),
    LATERALITY("laterality"),
    BREAST_IMPLANT("breast-implant"),
    PATIENT_AGE("patient-age"),
    DEVICE("device"),
    ATTRIBUTE("attribute");

    private final String value;

    RuleType(String value) {
        this.value = value;
    }

    /** The name used in the rules file. */
    String value() {
        return value;
    }

    static Optional<RuleType> parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.value.equals(wanted)).findFirst();
    }

    /** Every file value, for error messages. */
    static String allValues() {
        return Arrays.stream(values()).map(RuleType::value).collect(Collectors.joining(", "));
    }
}
