package io.rtr.worklist.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.regex.Pattern;

/**
 * Validation of what a request carries: path parameters and the optional action body. Rejects with
 * a 400 {@link ApiException} before anything reaches the database, so bad input never becomes a
 * SQL error (or a role-name injection on the radiologist id).
 */
final class Requests {

    /** Same rule as the {@code radiologist} table's CHECK; 63 is Postgres' identifier limit (role names). */
    static final Pattern RADIOLOGIST_ID = Pattern.compile("[A-Za-z0-9._-]{1,63}");
    /** A DICOM UID: numeric components without leading zeros, dot-separated, at most 64 characters. */
    static final Pattern UID = Pattern.compile("(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*");
    static final int MAX_UID_LENGTH = 64;
    /** reading_action.comment's CHECK bound. */
    static final int MAX_COMMENT_LENGTH = 2000;

    private Requests() {
    }

    static String radiologistId(String value) {
        if (value == null || !RADIOLOGIST_ID.matcher(value).matches()) {
            throw ApiException.badRequest("invalid_radiologist_id",
                    "A radiologist id is 1 to 63 letters, digits, '.', '_' or '-'.");
        }
        return value;
    }

    static String studyInstanceUid(String value) {
        if (value == null || value.length() > MAX_UID_LENGTH || !UID.matcher(value).matches()) {
            throw ApiException.badRequest("invalid_study_uid",
                    "A Study Instance UID is at most 64 characters of dot-separated numbers without leading zeros.");
        }
        return value;
    }

    /** The action's comment from a body that is empty or {@code {"comment": "..."}}; null when absent. */
    static String actionComment(String body, ObjectMapper mapper) {
        if (body == null || body.isBlank()) {
            return null;
        }
        JsonNode parsed;
        try {
            parsed = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed_body",
                    "The body must be empty or a JSON object {\"comment\": \"...\"}: " + e.getOriginalMessage());
        }
        // Checked by hand rather than bound to a type: Jackson would quietly turn a number into text.
        if (parsed == null || !parsed.isObject()) {
            throw ApiException.badRequest("malformed_body", "The body must be empty or a JSON object.");
        }
        Iterator<String> fields = parsed.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!"comment".equals(field)) {
                throw ApiException.badRequest("malformed_body", "Unknown field \"" + field + "\"; only \"comment\".");
            }
        }
        JsonNode comment = parsed.get("comment");
        if (comment == null || comment.isNull()) {
            return null;
        }
        if (!comment.isTextual()) {
            throw ApiException.badRequest("malformed_body", "\"comment\" must be a string.");
        }
        if (comment.textValue().length() > MAX_COMMENT_LENGTH) {
            throw ApiException.badRequest("comment_too_long",
                    "A comment is at most " + MAX_COMMENT_LENGTH + " characters.");
        }
        return comment.textValue();
    }
}
