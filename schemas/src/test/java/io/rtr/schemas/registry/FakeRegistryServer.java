package io.rtr.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Test helper: a JDK HttpServer on 127.0.0.1 that records every request and, unless told to
 * answer something else, behaves like the Confluent REST subset RTR uses.
 */
final class FakeRegistryServer implements AutoCloseable {

    /** One request as received; {@code rawPath} keeps percent-encoding. */
    record Request(String method, String rawPath, String contentType, String accept, String body) {
    }

    /** What to answer. */
    record Response(int status, String body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERSIONS = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern SUBJECT = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(-?[0-9]+)");
    private static final Pattern COMPATIBILITY = Pattern.compile("/compatibility/subjects/([^/]+)/versions/latest");

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchema = new HashMap<>();
    private final Map<String, List<String>> versionsBySubject = new HashMap<>();
    private volatile Function<Request, Response> override;

    FakeRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return requests;
    }

    /** Answers every request with {@code status} and {@code body} from now on. */
    void answerEverything(int status, String body) {
        override = request -> new Response(status, body);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                exchange.getRequestHeaders().getFirst("Accept"), body);
        requests.add(request);
        Function<Request, Response> answer = override;
        Response response = answer != null ? answer.apply(request) : behave(request);
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private synchronized Response behave(Request request) {
        String path = request.rawPath();
        Matcher m;
        if (request.method().equals("POST") && (m = VERSIONS.matcher(path)).matches()) {
            String schema = canonical(request.body());
            List<String> versions = versionsBySubject.computeIfAbsent(decode(m.group(1)), s -> new ArrayList<>());
            if (!versions.contains(schema)) {
                versions.add(schema);
            }
            int id = idsBySchema.computeIfAbsent(schema, s -> {
                int next = schemasById.size() + 1;
                schemasById.put(next, s);
                return next;
            });
            return json(200, Map.of("id", id));
        }
        if (request.method().equals("POST") && (m = COMPATIBILITY.matcher(path)).matches()) {
            List<String> versions = versionsBySubject.get(decode(m.group(1)));
            if (versions == null) {
                return error(404, 40401, "Subject '" + decode(m.group(1)) + "' not found.");
            }
            Schema reader = new Schema.Parser().parse(canonical(request.body()));
            Schema writer = new Schema.Parser().parse(versions.get(versions.size() - 1));
            boolean compatible = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
                    == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
            return json(200, Map.of("is_compatible", compatible));
        }
        if (request.method().equals("POST") && (m = SUBJECT.matcher(path)).matches()) {
            String subject = decode(m.group(1));
            List<String> versions = versionsBySubject.get(subject);
            if (versions == null) {
                return error(404, 40401, "Subject '" + subject + "' not found.");
            }
            String schema = canonical(request.body());
            if (!versions.contains(schema)) {
                return error(404, 40403, "Schema not found");
            }
            return json(200, Map.of("subject", subject, "id", idsBySchema.get(schema),
                    "version", versions.indexOf(schema) + 1, "schema", schema));
        }
        if (request.method().equals("GET") && (m = BY_ID.matcher(path)).matches()) {
            String schema = schemasById.get(Integer.parseInt(m.group(1)));
            if (schema == null) {
                return error(404, 40403, "Schema " + m.group(1) + " not found");
            }
            return json(200, Map.of("schema", schema));
        }
        return error(404, 404, "HTTP 404 Not Found");
    }

    private static String canonical(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return new Schema.Parser().parse(json.get("schema").asText()).toString();
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    static Response error(int status, int errorCode, String message) {
        return json(status, Map.of("error_code", errorCode, "message", message));
    }

    private static Response json(int status, Map<String, Object> body) {
        try {
            return new Response(status, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
