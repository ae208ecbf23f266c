package io.rtr.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over the Confluent Schema Registry REST API, so it works against
 * Confluent, Karapace, Apicurio's ccompat API and RTR's embedded registry.
 *
 * <p>Ids and schemas are immutable in a registry, so both directions are cached for the life of
 * the client: after the first call per schema the serde's hot path makes no HTTP request. Base
 * URLs are tried in order when one cannot be reached (the last good one is tried first next
 * time); an HTTP error answer is final for that attempt. Retriable failures are retried a bounded
 * number of times with exponential backoff.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    /** Content type of every request body, as the Confluent API defines it. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json,"
            + " application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    /** Default time to open a connection to one registry URL. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default time for one request to be answered. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default number of retries after a retriable failure. */
    public static final int DEFAULT_MAX_RETRIES = 2;
    /** Default wait before the first retry; doubles each time up to {@link #MAX_BACKOFF}. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    private static final int MAX_ERROR_BODY_CHARS = 500;

    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final Duration retryBackoff;
    private final AtomicInteger preferredUrl = new AtomicInteger();

    private final ConcurrentMap<String, ConcurrentMap<Schema, Integer>> idsBySubject =
            new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    /** A client for comma-separated base URLs with the default timeouts and retries. */
    public RestSchemaRegistryClient(String commaSeparatedUrls) {
        this(parseUrls(commaSeparatedUrls), DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_MAX_RETRIES, DEFAULT_RETRY_BACKOFF);
    }

    /** A client for the given base URLs (tried in order), timeouts and retry policy. */
    public RestSchemaRegistryClient(List<URI> baseUrls, Duration connectTimeout,
                                    Duration requestTimeout, int maxRetries, Duration retryBackoff) {
        this(baseUrls, HttpClient.newBuilder()
                        .connectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"))
                        .version(HttpClient.Version.HTTP_1_1)
                        .build(),
                requestTimeout, maxRetries, retryBackoff);
    }

    RestSchemaRegistryClient(List<URI> baseUrls, HttpClient http, Duration requestTimeout,
                             int maxRetries, Duration retryBackoff) {
        if (baseUrls == null || baseUrls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is required");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, was " + maxRetries);
        }
        List<String> urls = new ArrayList<>(baseUrls.size());
        for (URI uri : baseUrls) {
            String scheme = uri.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("schema registry URL must be http or https: " + uri);
            }
            String text = uri.toString();
            // Paths are appended to the base, so a trailing slash would double up.
            urls.add(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        }
        this.baseUrls = List.copyOf(urls);
        this.http = Objects.requireNonNull(http, "http");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.maxRetries = maxRetries;
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
    }

    /** Parses {@code "http://a:8081, http://b:8081"} into URIs; blank entries are ignored. */
    public static List<URI> parseUrls(String commaSeparatedUrls) {
        Objects.requireNonNull(commaSeparatedUrls, "commaSeparatedUrls");
        List<URI> uris = new ArrayList<>();
        for (String part : commaSeparatedUrls.split(",")) {
            String trimmed = part.trim();
            if (!trimmed.isEmpty()) {
                uris.add(URI.create(trimmed));
            }
        }
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no schema registry URL in '" + commaSeparatedUrls + "'");
        }
        return uris;
    }

    /** The base URLs this client uses, in the order they are tried. */
    public List<String> baseUrls() {
        return baseUrls;
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requireInt(answer, "id", "register under " + subject);
        remember(subject, schema, id);
        log.info("Schema {} is registered under subject {} with id {}", schema.getFullName(), subject, id);
        return id;
    }

    @Override
    public int getId(String subject, Schema schema) {
        Integer cached = cachedId(subject, schema);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        int id = requireInt(answer, "id", "lookup under " + subject);
        remember(subject, schema, id);
        return id;
    }

    @Override
    public Schema getSchemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        String what = "schema id " + id;
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        JsonNode type = answer.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw new SchemaRegistryException(what + " is a " + type.asText()
                    + " schema, not Avro", 200, SchemaRegistryException.NO_ERROR_CODE, false, null);
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException("registry answer for " + what + " has no 'schema' text",
                    200, SchemaRegistryException.NO_ERROR_CODE, false, null);
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(what + " is not a valid Avro schema: " + e.getMessage(),
                    200, SchemaRegistryException.INVALID_SCHEMA, false, e);
        }
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        try {
            JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema));
            JsonNode compatible = answer.get("is_compatible");
            if (compatible == null || !compatible.isBoolean()) {
                throw new SchemaRegistryException("registry answer for compatibility of " + subject
                        + " has no boolean 'is_compatible'", 200, SchemaRegistryException.NO_ERROR_CODE,
                        false, null);
            }
            return compatible.asBoolean();
        } catch (SchemaRegistryException e) {
            // A subject without versions has nothing to be incompatible with; registries differ in
            // whether they answer that with true or with 404, so both mean compatible here.
            if (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }

    private Integer cachedId(String subject, Schema schema) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        ConcurrentMap<Schema, Integer> ids = idsBySubject.get(subject);
        return ids == null ? null : ids.get(schema);
    }

    private void remember(String subject, Schema schema, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        // The registry now holds this exact schema under the id, so a deserializer in the same
        // process need not fetch it.
        schemasById.putIfAbsent(id, schema);
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON string", e);
        }
    }

    private static int requireInt(JsonNode answer, String field, String what) {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new SchemaRegistryException("registry answer for " + what + " has no integer '" + field
                    + "'", 200, SchemaRegistryException.NO_ERROR_CODE, false, null);
        }
        return value.intValue();
    }

    private static String encode(String pathSegment) {
        // URLEncoder does form encoding; a path wants %20 for a space, not '+'.
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body) {
        long backoffMillis = retryBackoff.toMillis();
        for (int attempt = 0; ; attempt++) {
            try {
                return sendOnce(method, path, body);
            } catch (SchemaRegistryException e) {
                if (!e.isRetriable() || attempt >= maxRetries) {
                    throw e;
                }
                log.debug("Schema registry {} {} failed ({}), retry {} of {} in {} ms",
                        method, path, e.getMessage(), attempt + 1, maxRetries, backoffMillis);
                pause(backoffMillis, e);
                backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    private JsonNode sendOnce(String method, String path, String body) {
        int first = preferredUrl.get();
        IOException lastFailure = null;
        List<String> unreachable = new ArrayList<>();
        for (int i = 0; i < baseUrls.size(); i++) {
            int index = (first + i) % baseUrls.size();
            String url = baseUrls.get(index) + path;
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(requestTimeout)
                    .header("Accept", ACCEPT);
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", CONTENT_TYPE)
                        .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // Connection refused, reset or timed out: every call here is idempotent, so the next
                // URL may safely be asked the same thing.
                lastFailure = e;
                unreachable.add(url + " (" + e + ")");
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted while calling " + method + " " + url,
                        SchemaRegistryException.NO_HTTP_STATUS, SchemaRegistryException.NO_ERROR_CODE, false, e);
            }
            preferredUrl.set(index);
            return handle(method, url, response);
        }
        throw new SchemaRegistryException(
                "no schema registry could be reached for " + method + " " + path + ": "
                        + String.join("; ", unreachable),
                SchemaRegistryException.NO_HTTP_STATUS, SchemaRegistryException.NO_ERROR_CODE, true, lastFailure);
    }

    private static JsonNode handle(String method, String url, HttpResponse<String> response) {
        int status = response.statusCode();
        String text = response.body() == null ? "" : response.body();
        if (status >= 200 && status < 300) {
            try {
                JsonNode json = JSON.readTree(text);
                if (json == null || !json.isObject()) {
                    throw new SchemaRegistryException(method + " " + url + " answered HTTP " + status
                            + " with a body that is not a JSON object: " + abbreviate(text), status,
                            SchemaRegistryException.NO_ERROR_CODE, false, null);
                }
                return json;
            } catch (JsonProcessingException e) {
                throw new SchemaRegistryException(method + " " + url + " answered HTTP " + status
                        + " with a body that is not JSON: " + abbreviate(text), status,
                        SchemaRegistryException.NO_ERROR_CODE, false, e);
            }
        }
        int errorCode = SchemaRegistryException.NO_ERROR_CODE;
        String message = abbreviate(text);
        try {
            JsonNode json = JSON.readTree(text);
            if (json != null && json.isObject()) {
                JsonNode code = json.get("error_code");
                if (code != null && code.canConvertToInt()) {
                    errorCode = code.intValue();
                }
                JsonNode detail = json.get("message");
                if (detail != null && detail.isTextual()) {
                    message = abbreviate(detail.asText());
                }
            }
        } catch (JsonProcessingException e) {
            // Proxies and load balancers answer errors in HTML or plain text: keep the raw text.
        }
        throw SchemaRegistryException.fromResponse(method + " " + url + " answered HTTP " + status
                + (errorCode == SchemaRegistryException.NO_ERROR_CODE ? "" : " error_code " + errorCode)
                + ": " + message, status, errorCode);
    }

    private static String abbreviate(String text) {
        return text.length() <= MAX_ERROR_BODY_CHARS ? text : text.substring(0, MAX_ERROR_BODY_CHARS) + "...";
    }

    private static void pause(long millis, SchemaRegistryException pending) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending.addSuppressed(e);
            throw pending;
        }
    }
}
