package io.rtr.worklist.cdc;

import java.util.Locale;

/** Debezium's change-event operations, by the wire value of the envelope's {@code op} field. */
enum Operation {
    CREATE("c"),
    READ("r"),
    UPDATE("u"),
    DELETE("d"),
    TRUNCATE("t"),
    MESSAGE("m");

    private final String code;

    Operation(String code) {
        this.code = code;
    }

    /** The value Debezium writes in {@code op} (and ExtractNewRecordState in {@code __op}). */
    String code() {
        return code;
    }

    /** The operation whose code is {@code code}, ignoring case and surrounding blanks, or null. */
    static Operation fromCode(String code) {
        if (code == null) {
            return null;
        }
        String normalized = code.trim().toLowerCase(Locale.ROOT);
        for (Operation operation : values()) {
            if (operation.code.equals(normalized)) {
                return operation;
            }
        }
        return null;
    }
}
