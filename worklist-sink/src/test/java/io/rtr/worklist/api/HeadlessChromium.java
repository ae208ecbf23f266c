package io.rtr.worklist.api;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium driven over the Chrome DevTools Protocol with java.net.http's
 * WebSocket: navigate, evaluate JavaScript, take screenshots. No Selenium or chromedriver needed.
 * Every call is bounded by {@link #TIMEOUT}; {@link #close()} kills the browser and its children.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;
    private final Path profile;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final StringBuilder frame = new StringBuilder();
    private WebSocket socket;

    private HeadlessChromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** Starts the browser on about:blank and attaches to its page. */
    static HeadlessChromium start() throws Exception {
        Path profile = Files.createTempDirectory("rtr-chromium");
        Process process = new ProcessBuilder(BINARY.toString(),
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--no-first-run", "--no-default-browser-check", "--mute-audio",
                "--hide-scrollbars", "--window-size=1440,900", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--user-data-dir=" + profile, "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(profile.resolve("chromium.log").toFile())
                .start();
        HeadlessChromium browser = new HeadlessChromium(process, profile);
        try {
            browser.attach();
            return browser;
        } catch (Exception | AssertionError e) {
            browser.close();
            throw e;
        }
    }

    private void attach() throws Exception {
        // Chromium writes the port it picked (first line) once DevTools listens.
        Path portFile = profile.resolve("DevToolsActivePort");
        await().atMost(TIMEOUT).until(() -> Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2);
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        URI list = URI.create("http://127.0.0.1:" + port + "/json/list");
        String[] ws = new String[1];
        await().atMost(TIMEOUT).until(() -> {
            HttpResponse<String> targets = http.send(HttpRequest.newBuilder(list).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode target : mapper.readTree(targets.body())) {
                if ("page".equals(target.path("type").asText())) {
                    ws[0] = target.path("webSocketDebuggerUrl").asText();
                    return true;
                }
            }
            return false;
        });
        socket = http.newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(URI.create(ws[0]), new Listener()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        call("Page.enable", mapper.createObjectNode());
        call("Runtime.enable", mapper.createObjectNode());
    }

    /** Loads {@code url} in the page (returns once navigation has started; poll for content). */
    void navigate(String url) throws Exception {
        ObjectNode params = mapper.createObjectNode().put("url", url);
        call("Page.navigate", params);
    }

    /** Evaluates {@code expression} in the page and returns its JSON value (promises are awaited). */
    JsonNode evaluate(String expression) throws Exception {
        ObjectNode params = mapper.createObjectNode()
                .put("expression", expression).put("returnByValue", true).put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException("Page threw: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** A PNG of the viewport, written to {@code file}. */
    void screenshot(Path file) throws Exception {
        JsonNode result = call("Page.captureScreenshot", mapper.createObjectNode().put("format", "png"));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(result.get("data").asText()));
    }

    private JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ObjectNode message = mapper.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(mapper.writeValueAsString(message), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        JsonNode answer = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IllegalStateException(method + " failed: " + answer.get("error"));
        }
        return answer.path("result");
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                children.forEach(ProcessHandle::destroyForcibly);
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteQuietly(profile);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless; the OS cleans /tmp.
        }
    }

    /** Reassembles fragmented text frames and completes the call each reply answers; events are ignored. */
    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                String text = frame.toString();
                frame.setLength(0);
                try {
                    JsonNode message = mapper.readTree(text);
                    if (message.has("id")) {
                        CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asInt());
                        if (reply != null) {
                            reply.complete(message);
                        }
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(f -> f.completeExceptionally(error));
        }
    }
}
