package io.rtr.ingest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link StowRsService} on the JDK's built-in HTTP server ({@code POST /dicomweb/studies} and
 * {@code POST /dicomweb/studies/{study}}), so that the connector needs no web framework inside a
 * Connect worker. The standalone platform mounts the service on its own server instead.
 */
final class StowRsHttpServer implements Closeable {

    /** Path prefix of the DICOMweb studies resource. */
    static final String STUDIES_PATH = "/dicomweb/studies";

    private static final Logger LOG = LoggerFactory.getLogger(StowRsHttpServer.class);
    /** Threads beyond the service's request limit, so that excess requests get a quick 503. */
    private static final int EXTRA_THREADS = 2;
    /** A refused request body larger than this is cut off (connection closed) rather than read. */
    private static final long MAX_DRAIN_BYTES = 16L * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;
    private final StowRsService service;
    private final AtomicInteger inProgress = new AtomicInteger();

    private StowRsHttpServer(HttpServer server, ExecutorService executor, StowRsService service) {
        this.server = server;
        this.executor = executor;
        this.service = service;
    }

    /** Binds {@code host:port} (0 picks a free port) and starts serving with {@code threads} handler threads. */
    static StowRsHttpServer start(String host, int port, StowRsService service, int threads) throws IOException {
        Objects.requireNonNull(service, "service");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 64);
        } catch (IOException e) {
            throw new IOException("cannot listen for STOW-RS on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        AtomicInteger ids = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads + EXTRA_THREADS, r -> {
            Thread t = new Thread(r, "stow-rs-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StowRsHttpServer stow = new StowRsHttpServer(server, executor, service);
        server.createContext(STUDIES_PATH, stow::handle);
        server.start();
        LOG.info("STOW-RS listening on http://{}:{}{}", server.getAddress().getAddress().getHostAddress(),
                server.getAddress().getPort(), STUDIES_PATH);
        return stow;
    }

    /** The bound port (useful when started with 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        inProgress.incrementAndGet();
        try {
            answer(exchange);
        } finally {
            inProgress.decrementAndGet();
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String rest = path.substring(Math.min(path.length(), STUDIES_PATH.length()));
            String study;
            if (rest.isEmpty() || rest.equals("/")) {
                study = null;
            } else if (rest.startsWith("/") && rest.indexOf('/', 1) < 0) {
                study = rest.substring(1);
            } else if (rest.startsWith("/") && rest.indexOf('/', 1) == rest.length() - 1) {
                study = rest.substring(1, rest.length() - 1);
            } else {
                drainForAnswer(exchange.getRequestBody());
                send(exchange, error(404, "no resource " + path + "; STOW-RS is POST " + STUDIES_PATH
                        + " or POST " + STUDIES_PATH + "/{StudyInstanceUID}"));
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                drainForAnswer(exchange.getRequestBody());
                exchange.getResponseHeaders().set("Allow", "POST");
                send(exchange, error(405, exchange.getRequestMethod() + " is not supported here; this endpoint"
                        + " stores instances (STOW-RS) with POST"));
                return;
            }
            StowRsService.Response response;
            try (InputStream body = exchange.getRequestBody()) {
                response = service.store(exchange.getRequestHeaders().getFirst("Content-Type"), body, study);
                if (response.status() >= 400) {
                    drainForAnswer(body);
                }
            } catch (RuntimeException e) {
                LOG.error("STOW-RS request to {} failed unexpectedly; answered 500", path, e);
                response = error(500, "internal error (" + e.getClass().getSimpleName() + "); see the server log");
            }
            send(exchange, response);
        }
    }

    /**
     * Reads what is left of a refused request (up to a limit) before answering: the JDK server has
     * already sent 100 Continue, and closing with unread bytes makes TCP reset the connection, so
     * the client would lose the error it is being sent.
     */
    private static void drainForAnswer(InputStream body) {
        byte[] sink = new byte[64 * 1024];
        long left = MAX_DRAIN_BYTES;
        try {
            int n;
            while (left > 0 && (n = body.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
                left -= n;
            }
        } catch (IOException e) {
            // The client went away or sent garbage; the answer below may not reach it either way.
        }
    }

    private static void send(HttpExchange exchange, StowRsService.Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        for (Map.Entry<String, String> h : response.headers().entrySet()) {
            exchange.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        exchange.sendResponseHeaders(response.status(), response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }

    private static StowRsService.Response error(int status, String message) {
        StringBuilder json = new StringBuilder("{\"status\":").append(status).append(",\"error\":");
        StowRsService.string(json, message);
        json.append('}');
        return new StowRsService.Response(status, StowRsService.JSON, Map.of(),
                json.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        int port = port();
        // A short grace period lets a request in progress finish answering its sender. Only then:
        // JDK 17's server waits out the whole period even when idle (JDK-8304065, fixed in 21).
        server.stop(inProgress.get() > 0 ? 1 : 0);
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("STOW-RS handler threads still running 10 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("STOW-RS on port {} stopped", port);
    }
}
