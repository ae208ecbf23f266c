package io.rtr.standalone.pipeline;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.rtr.standalone.Platform;
import io.rtr.standalone.connect.EmbeddedConnect;
import io.rtr.worklist.api.WorklistApi;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone platform's one HTTP port: the worklist page and API, DICOMweb STOW-RS
 * ({@code /dicomweb/studies}), {@code /health} (every stage's state, 503 when one is down) and
 * {@code /metrics} (Prometheus text: JVM, Kafka Streams and the worklist API's connection pool).
 * Errors are JSON like the API's.
 */
final class HttpFrontDoor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpFrontDoor.class);

    private final Javalin app;
    private final WorklistApi worklist;
    private final List<AutoCloseable> meters;
    private final PrometheusMeterRegistry registry;

    private HttpFrontDoor(Javalin app, WorklistApi worklist, List<AutoCloseable> meters,
                          PrometheusMeterRegistry registry) {
        this.app = app;
        this.worklist = worklist;
        this.meters = meters;
        this.registry = registry;
    }

    static HttpFrontDoor start(Platform platform, PipelineConfig config, EmbeddedConnect connect,
                               Map<String, KafkaStreams> streams, Map<String, BooleanSupplier> workers,
                               StowProxy stow) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        List<AutoCloseable> meters = new ArrayList<>();
        meters.add(gc);
        for (KafkaStreams app : streams.values()) {
            KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(app);
            metrics.bindTo(registry);
            meters.add(metrics);
        }

        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.jetty.defaultHost = config.host();
            cfg.jetty.defaultPort = config.httpPort();
        });
        WorklistApi worklist = WorklistApi.forDatabase(platform.jdbcUrl(), platform.postgres().username(),
                platform.postgres().password(), config.host(), config.httpPort(), config.apiPool());
        worklist.bindMetrics(registry);
        worklist.attachTo(app);
        app.get("/health", ctx -> health(ctx, platform, connect, streams, workers));
        app.post("/dicomweb/studies", stow::forward);
        app.post("/dicomweb/studies/{study}", stow::forward);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(registry.scrape()));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "The request failed; see the server log.");
        });
        app.error(404, ctx -> {
            if (ctx.result() == null) {
                error(ctx, 404, "No such endpoint: " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(405, ctx -> error(ctx, 405, "Method " + ctx.method() + " not allowed on " + ctx.path()));
        try {
            app.start();
        } catch (RuntimeException e) {
            worklist.stop();
            throw new IllegalStateException("Cannot serve HTTP on " + config.host() + ":" + config.httpPort()
                    + " (" + e.getMessage() + "); stop what uses the port or choose another with --http-port", e);
        }
        log.info("HTTP front door at http://{}:{}/ (worklist page and API, STOW-RS, /health, /metrics)",
                config.host(), app.port());
        return new HttpFrontDoor(app, worklist, meters, registry);
    }

    int port() {
        return app.port();
    }

    @Override
    public void close() throws Exception {
        worklist.stop();
        app.stop();
        for (AutoCloseable meter : meters) {
            meter.close();
        }
        registry.close();
    }

    private static void health(Context ctx, Platform platform, EmbeddedConnect connect,
                               Map<String, KafkaStreams> streams, Map<String, BooleanSupplier> workers) {
        Map<String, String> components = new LinkedHashMap<>();
        try (Connection connection = platform.postgres().connect()) {
            components.put("postgres", connection.isValid(2) ? "UP" : "DOWN");
        } catch (SQLException e) {
            components.put("postgres", "DOWN");
        }
        connect.health().forEach((connector, state) -> components.put("connector " + connector, state));
        streams.forEach((name, app) -> {
            KafkaStreams.State state = app.state();
            components.put("streams " + name, state.isRunningOrRebalancing() ? "UP" : state.name());
        });
        workers.forEach((name, alive) -> components.put(name, alive.getAsBoolean() ? "UP" : "STOPPED"));
        boolean up = components.values().stream().allMatch("UP"::equals);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("components", components);
        ctx.status(up ? 200 : 503).json(body);
    }

    private static void error(Context ctx, int status, String message) {
        String code = switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            default -> status >= 500 ? "internal_error" : "bad_request";
        };
        ctx.status(status).json(Map.of("error", code, "message", message));
    }
}
