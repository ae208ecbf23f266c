package io.rtr.ingest;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed Content-Type value (RFC 9110 8.3.1): lower-cased type and subtype, parameters with
 * lower-cased names and unquoted values. Quoting matters for STOW-RS because the mandatory
 * {@code type="application/dicom"} parameter contains a slash and so is always quoted.
 */
record MediaType(String type, String subtype, Map<String, String> parameters) {

    /** Parses {@code value}; throws IllegalArgumentException naming what is wrong. */
    static MediaType parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("no Content-Type");
        }
        int semicolon = value.indexOf(';');
        String essence = (semicolon < 0 ? value : value.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        int slash = essence.indexOf('/');
        if (slash <= 0 || slash == essence.length() - 1) {
            throw new IllegalArgumentException("'" + essence + "' is not a type/subtype media type");
        }
        Map<String, String> params = new LinkedHashMap<>();
        int pos = semicolon < 0 ? value.length() : semicolon + 1;
        while (pos < value.length()) {
            int eq = value.indexOf('=', pos);
            if (eq < 0) {
                if (!value.substring(pos).isBlank()) {
                    throw new IllegalArgumentException("media type parameter without '='");
                }
                break;
            }
            String name = value.substring(pos, eq).strip().toLowerCase(Locale.ROOT);
            pos = eq + 1;
            while (pos < value.length() && value.charAt(pos) == ' ') {
                pos++;
            }
            StringBuilder v = new StringBuilder();
            if (pos < value.length() && value.charAt(pos) == '"') {
                pos++;
                boolean closedQuote = false;
                while (pos < value.length()) {
                    char c = value.charAt(pos++);
                    if (c == '\\' && pos < value.length()) {
                        v.append(value.charAt(pos++));
                    } else if (c == '"') {
                        closedQuote = true;
                        break;
                    } else {
                        v.append(c);
                    }
                }
                if (!closedQuote) {
                    throw new IllegalArgumentException("unterminated quoted parameter " + name);
                }
                int next = value.indexOf(';', pos);
                pos = next < 0 ? value.length() : next + 1;
            } else {
                int next = value.indexOf(';', pos);
                v.append(value, pos, next < 0 ? value.length() : next);
                pos = next < 0 ? value.length() : next + 1;
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException("media type parameter without a name");
            }
            params.put(name, v.toString().strip());
        }
        return new MediaType(essence.substring(0, slash).strip(), essence.substring(slash + 1).strip(),
                Map.copyOf(params));
    }

    /** Whether this is {@code type/subtype}, ignoring case and parameters. */
    boolean is(String typeAndSubtype) {
        return (type + "/" + subtype).equalsIgnoreCase(typeAndSubtype);
    }

    /** A parameter's value, or null. */
    String parameter(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }
}
