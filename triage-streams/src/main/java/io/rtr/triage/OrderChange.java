package io.rtr.triage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * One Debezium change event of the clinic's {@code orders} table, turned into an
 * {@link OrderContext} (create, update, snapshot read) or a deletion of one accession.
 *
 * <p>Accepts the JSON converter's envelope with or without {@code schemas.enable}
 * ({@code {"schema":..,"payload":{"before","after","op"}}} or {@code {"before","after","op"}})
 * and a row already flattened by {@code ExtractNewRecordState}. Timestamps may be ISO-8601 text
 * (Debezium's ZonedTimestamp), epoch micros (MicroTimestamp) or epoch millis; the arrived and
 * departed columns may also be booleans, in which case the change event's time stands in.
 *
 * @param accessionNumber the order's accession number
 * @param order the order after the change; null when the row was deleted
 */
record OrderChange(String accessionNumber, OrderContext order) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Above this an epoch number is taken as microseconds (year 5138 in millis). */
    private static final long MICROS_THRESHOLD = 100_000_000_000_000L;

    /**
     * Parses one change event; null for a tombstone, which carries nothing a delete event did not.
     *
     * @throws IllegalArgumentException when the event is not JSON or lacks the accession number
     */
    static OrderChange parse(String json) {
        if (json == null) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode event = root.has("payload") && root.get("payload").isObject() ? root.get("payload") : root;
        long eventMs = event.path("ts_ms").asLong(event.path("source").path("ts_ms").asLong(0));
        boolean envelope = event.has("op") || event.has("after") || event.has("before");
        JsonNode after = envelope ? event.get("after") : event;
        if (after == null || after.isNull()) {
            JsonNode before = event.get("before");
            String accession = before == null ? null : text(before, "accession_number");
            if (accession == null) {
                throw new IllegalArgumentException("delete event without before.accession_number "
                        + "(set REPLICA IDENTITY FULL on the orders table)");
            }
            return new OrderChange(accession, null);
        }
        String accession = text(after, "accession_number");
        if (accession == null) {
            throw new IllegalArgumentException("order row has no accession_number");
        }
        OrderContext order = OrderContext.newBuilder()
                .setAccessionNumber(accession)
                .setPatientPseudonym(text(after, "patient_pseudonym"))
                .setOrderingSite(text(after, "ordering_site"))
                .setScheduledAt(time(after, "scheduled_at", eventMs))
                .setPatientArrived(time(after, "patient_arrived", eventMs))
                .setPatientDeparted(time(after, "patient_departed", eventMs))
                .setOrderPriority(priority(text(after, "order_priority")))
                .setAssignedReader(text(after, "assigned_reader"))
                .setSubspecialty(text(after, "subspecialty"))
                .build();
        return new OrderChange(accession, order);
    }

    private static String text(JsonNode row, String column) {
        JsonNode value = row.get(column);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            return null;
        }
        return value.asText().trim();
    }

    private static Instant time(JsonNode row, String column, long eventMs) {
        JsonNode value = row.get(column);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isBoolean()) {
            // A flag column says only that the patient arrived / left; when is the change's time.
            return value.asBoolean() ? Instant.ofEpochMilli(eventMs) : null;
        }
        if (value.isIntegralNumber()) {
            long number = value.asLong();
            return number >= MICROS_THRESHOLD ? Instant.ofEpochMilli(number / 1000) : Instant.ofEpochMilli(number);
        }
        String text = value.asText().trim();
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                // A Postgres "timestamp without time zone": the RIS writes UTC.
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("column " + column + ": '" + text + "' is not a timestamp", e2);
            }
        }
    }

    private static OrderPriority priority(String text) {
        if (text == null) {
            return OrderPriority.ROUTINE;
        }
        try {
            return OrderPriority.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("column order_priority: '" + text + "' is not one of STAT, URGENT, ROUTINE", e);
        }
    }
}
