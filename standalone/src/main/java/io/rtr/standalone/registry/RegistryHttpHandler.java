package io.rtr.standalone.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.rtr.standalone.registry.RegistryService.SubjectVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Confluent Schema Registry REST subset over {@link RegistryService}: routing, JSON in and out,
 * and Confluent-style error bodies ({@code {"error_code": n, "message": "..."}}) for every refusal.
 */
final class RegistryHttpHandler implements HttpHandler {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;
    private static final Set<String> ACCEPTED_BODY_TYPES = Set.of(
            "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
            "application/json", "application/octet-stream");

    private final RegistryService service;
    private final List<Route> routes = new ArrayList<>();

    RegistryHttpHandler(RegistryService service) {
        this.service = service;
        route("GET", "", r -> Map.of());
        route("GET", "subjects", r -> service.subjects());
        route("POST", "subjects/*", this::lookup);
        route("GET", "subjects/*/versions", r -> service.versions(r.param(0)));
        route("POST", "subjects/*/versions", this::register);
        route("GET", "subjects/*/versions/*", r -> versionBody(service.version(r.param(0), r.param(1))));
        route("GET", "subjects/*/versions/*/schema",
                r -> new RawJson(service.version(r.param(0), r.param(1)).schema()));
        route("GET", "schemas/types", r -> List.of("AVRO"));
        route("GET", "schemas/ids/*", r -> Map.of("schema", service.schema(schemaId(r.param(0)))));
        route("GET", "schemas/ids/*/subjects", r -> new ArrayList<>(new TreeSet<>(
                service.usages(schemaId(r.param(0))).stream().map(SubjectVersion::subject).toList())));
        route("GET", "schemas/ids/*/versions", r -> service.usages(schemaId(r.param(0))).stream()
                .map(RegistryHttpHandler::subjectAndVersion).toList());
        route("POST", "compatibility/subjects/*/versions", r -> compatibility(r, null));
        route("POST", "compatibility/subjects/*/versions/*", r -> compatibility(r, r.param(1)));
        route("GET", "config", r -> levelBody(service.globalLevel()));
        route("PUT", "config", r -> setLevel(r, null));
        route("GET", "config/*", this::subjectLevel);
        route("PUT", "config/*", r -> setLevel(r, r.param(0)));
        route("DELETE", "config/*", r -> Map.of("compatibilityLevel", service.removeLevel(r.param(0)).name()));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = dispatch(exchange);
            } catch (RegistryException e) {
                status = e.httpStatus();
                body = error(e.errorCode(), e.getMessage());
                if (status >= 500) {
                    log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                            e.getMessage());
                }
            } catch (RuntimeException e) {
                log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(RegistryException.STORE_ERROR, "Internal error: " + e.getMessage());
            }
            byte[] bytes = body instanceof RawJson raw
                    ? raw.text().getBytes(StandardCharsets.UTF_8)
                    : JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object dispatch(HttpExchange exchange) {
        List<String> segments = segments(exchange.getRequestURI().getRawPath());
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        Set<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            List<String> params = route.match(segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return route.action().apply(new Request(exchange, params));
            }
            allowed.add(route.method());
        }
        if (allowed.isEmpty()) {
            throw new RegistryException(404, 404, "HTTP 404 Not Found: " + exchange.getRequestURI().getPath());
        }
        exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed: " + method + " "
                + exchange.getRequestURI().getPath() + " (allowed: " + String.join(", ", allowed) + ")");
    }

    private Object register(Request request) {
        String schema = schemaField(request);
        return Map.of("id", service.register(request.param(0), schema));
    }

    private Object lookup(Request request) {
        String schema = schemaField(request);
        return versionBody(service.lookup(request.param(0), schema));
    }

    private Object compatibility(Request request, String version) {
        List<String> messages = service.checkCompatibility(request.param(0), version, schemaField(request));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("is_compatible", messages.isEmpty());
        body.put("messages", messages);
        return body;
    }

    private Object subjectLevel(Request request) {
        String subject = request.param(0);
        CompatibilityLevel level = service.subjectLevel(subject).orElseGet(() -> {
            if (Boolean.parseBoolean(request.query("defaultToGlobal"))) {
                return service.globalLevel();
            }
            throw new RegistryException(404, RegistryException.SUBJECT_LEVEL_CONFIG_NOT_FOUND,
                    "Subject '" + subject + "' does not have subject-level compatibility configured");
        });
        return levelBody(level);
    }

    private Object setLevel(Request request, String subject) {
        JsonNode body;
        try {
            body = request.json();
        } catch (RegistryException e) {
            throw RegistryException.invalidCompatibilityLevel("(unreadable request body)");
        }
        String name = body.path("compatibility").asText(body.path("compatibilityLevel").asText(null));
        CompatibilityLevel level = CompatibilityLevel.parse(name)
                .orElseThrow(() -> RegistryException.invalidCompatibilityLevel(name));
        service.setLevel(subject, level);
        return Map.of("compatibility", level.name());
    }

    /**
     * GET answers carry both spellings: Confluent answers {@code compatibilityLevel},
     * PUT takes {@code compatibility}.
     */
    private static Map<String, Object> levelBody(CompatibilityLevel level) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("compatibilityLevel", level.name());
        body.put("compatibility", level.name());
        return body;
    }

    private static Map<String, Object> subjectAndVersion(SubjectVersion version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", version.subject());
        body.put("version", version.version());
        return body;
    }

    private static Map<String, Object> versionBody(SubjectVersion version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", version.subject());
        body.put("version", version.version());
        body.put("id", version.id());
        body.put("schema", version.schema());
        return body;
    }

    private static String schemaField(Request request) {
        JsonNode body = request.json();
        String schemaType = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(schemaType)) {
            throw RegistryException.invalidSchema("schemaType " + schemaType + " is not supported, only AVRO");
        }
        JsonNode references = body.path("references");
        if (references.isArray() && !references.isEmpty()) {
            throw RegistryException.invalidSchema("schema references are not supported");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryException.invalidSchema("the request body needs a \"schema\" string");
        }
        return schema.asText();
    }

    private static int schemaId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound("id " + text);
        }
    }

    private static Map<String, Object> error(int code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", code);
        body.put("message", message);
        return body;
    }

    private void route(String method, String pattern, Action action) {
        routes.add(new Route(method, pattern.isEmpty() ? List.of() : List.of(pattern.split("/")), action));
    }

    /** Path segments, each percent-decoded on its own so that an encoded '/' stays inside its subject. */
    static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    @FunctionalInterface
    private interface Action {
        Object apply(Request request);
    }

    /** A method and a path pattern whose {@code *} segments become parameters. */
    private record Route(String method, List<String> pattern, Action action) {
        List<String> match(List<String> segments) {
            if (segments.size() != pattern.size()) {
                return null;
            }
            List<String> params = new ArrayList<>();
            for (int i = 0; i < pattern.size(); i++) {
                if (pattern.get(i).equals("*")) {
                    params.add(segments.get(i));
                } else if (!pattern.get(i).equals(segments.get(i))) {
                    return null;
                }
            }
            return params;
        }
    }

    /** Text that is already JSON, sent as is. */
    private record RawJson(String text) {
    }

    /** One exchange as the routes see it. */
    private static final class Request {
        private final HttpExchange exchange;
        private final List<String> params;

        Request(HttpExchange exchange, List<String> params) {
            this.exchange = exchange;
            this.params = params;
        }

        String param(int index) {
            return params.get(index);
        }

        String query(String name) {
            String query = exchange.getRequestURI().getRawQuery();
            if (query == null) {
                return null;
            }
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (key.equals(name)) {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        JsonNode json() {
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null) {
                String base = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
                if (!base.isEmpty() && !ACCEPTED_BODY_TYPES.contains(base)) {
                    throw new RegistryException(415, 415, "HTTP 415 Unsupported Media Type: " + contentType
                            + " (send " + CONTENT_TYPE + " or application/json)");
                }
            }
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            } catch (IOException e) {
                throw new RegistryException(400, 400, "Cannot read the request body: " + e.getMessage());
            }
            if (bytes.length > MAX_BODY_BYTES) {
                throw new RegistryException(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            try {
                JsonNode node = JSON.readTree(bytes);
                if (node == null || !node.isObject()) {
                    throw RegistryException.invalidSchema("the request body must be a JSON object");
                }
                return node;
            } catch (JsonProcessingException e) {
                throw RegistryException.invalidSchema("the request body is not valid JSON: "
                        + e.getOriginalMessage());
            } catch (IOException e) {
                throw new RegistryException(400, 400, "Cannot read the request body: " + e.getMessage());
            }
        }
    }
}
