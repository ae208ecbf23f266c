package io.rtr.standalone.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * Parses the times users give on the command line. A time must say its zone ({@code Z} or an
 * offset): a bare local time would silently mean different instants on the auditor's laptop and on
 * the server, which is exactly the confusion an audit must not add.
 */
final class Times {

    private Times() {
    }

    static Instant parse(String flag, String value) {
        String text = value.trim();
        if (text.chars().allMatch(Character::isDigit) && !text.isEmpty()) {
            return Instant.ofEpochMilli(Long.parseLong(text));
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notInstant) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException notOffset) {
                try {
                    return ZonedDateTime.parse(text).toInstant();
                } catch (DateTimeParseException notZoned) {
                    throw LogFailure.usage(flag + " '" + value + "' is not a time: give ISO-8601 with a zone,"
                            + " e.g. 2026-01-01T10:32:00Z or 2026-01-01T11:32:00+01:00, or epoch milliseconds");
                }
            }
        }
    }
}
