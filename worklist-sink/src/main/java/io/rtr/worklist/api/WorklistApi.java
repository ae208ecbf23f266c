package io.rtr.worklist.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseHandler;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.rtr.worklist.db.SqlErrors;
import io.rtr.worklist.db.SqlFailure;
import io.rtr.worklist.db.WorklistSchema;
import java.io.InputStream;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The radiologists' HTTP service: worklist JSON, claim / release / complete, live updates as
 * server-sent events fed by Postgres LISTEN/NOTIFY, and the worklist web page.
 *
 * <pre>
 * GET  /health, /api/health                                      database and listener state (/health on its own server only)
 * GET  /api/radiologists                                         registered radiologists and those with studies
 * GET  /api/worklists/{radiologist}                              open studies in reading order (JSON array)
 * GET  /api/worklists/{radiologist}/events                       SSE: a "worklist" event with the whole list on every change
 * POST /api/worklists/{radiologist}/studies/{studyUid}/claim     also /release and /complete; optional body {"comment": "..."}
 * GET  /                                                         page: pick a radiologist
 * GET  /worklist/{radiologist}                                   page: the live worklist
 * </pre>
 *
 * <p>In the action paths {@code {radiologist}} is the radiologist acting. Any open study may be
 * claimed, also one on a colleague's list (covering a queue); only the claimer releases or
 * completes it (see {@link ReadingAction}).
 *
 * <p>Errors are JSON {@code {"error": code, "message": text}}: 400 malformed input, 404 unknown
 * radiologist (see {@code V4__radiologist.sql}) or study, 409 an action the claim rules forbid,
 * 503 database unreachable.
 *
 * <p>Run it on the demo database (applies the migrations first):
 * {@code java -cp worklist-sink.jar:<deps> io.rtr.worklist.api.WorklistApi [jdbcUrl user password port host [key=value ...]]},
 * defaults {@code jdbc:postgresql://127.0.0.1:5433/rtr rtr rtr 8080 127.0.0.1} (host is the bind
 * address; {@code 0.0.0.0} in a container); then open
 * {@code http://127.0.0.1:8080/}. The {@code key=value} arguments after the five set the connection
 * pool and driver ({@link WorklistPoolConfig}: {@code pool.max.size=10},
 * {@code pool.wait.timeout.ms=2000}, ...).
 */
public final class WorklistApi implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorklistApi.class);
    /** Often enough that a closed page is dropped within a minute, rarely enough to cost nothing. */
    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    private static final String RADIOLOGIST = "radiologist";
    private static final String STUDY = "studyUid";
    // Pages load only this server's own script and styles; with no inline script allowed, a
    // study field that somehow carried markup could not run even if it reached the DOM.
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final String WEB = "/io/rtr/worklist/web/";
    private static final Map<String, String> ASSETS = Map.of(
            "worklist.js", "text/javascript; charset=utf-8",
            "index.js", "text/javascript; charset=utf-8",
            "worklist.css", "text/css; charset=utf-8");

    private final String host;
    private final int requestedPort;
    private final ObjectMapper mapper = new ObjectMapper();
    private final JavalinJackson json = new JavalinJackson(mapper, false);
    private final WorklistStore store;
    private final WorklistEvents events;
    private final ChangeListener listener;
    /** The pool {@link #forDatabase} made, closed with the API; null for a caller's DataSource. */
    private final WorklistPool ownedPool;
    private Javalin app;
    private boolean attached;

    /**
     * A service on {@code host}:{@code port} (0 picks a free port, see {@link #port()}) over the
     * worklist database behind {@code dataSource}, which should connect as the owner of the tables
     * (RLS does not restrict it) and should be pooled in production: each request borrows one
     * connection and the change listener holds one for good. The caller closes {@code dataSource};
     * {@link #forDatabase} builds a pool (and the listener's own connection) and closes it itself.
     */
    public WorklistApi(DataSource dataSource, String host, int port) {
        this(dataSource, host, port, DEFAULT_HEARTBEAT);
    }

    WorklistApi(DataSource dataSource, String host, int port, Duration heartbeat) {
        this(new WorklistStore(dataSource), dataSource, null, host, port, heartbeat);
    }

    /**
     * Requests go through {@code store}, the change listener connects through {@code listen};
     * {@code ownedPool} (may be null) is closed by {@link #stop()}.
     */
    private WorklistApi(WorklistStore store, DataSource listen, WorklistPool ownedPool, String host, int port,
                        Duration heartbeat) {
        Objects.requireNonNull(listen, "listen");
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        this.requestedPort = port;
        this.ownedPool = ownedPool;
        this.store = Objects.requireNonNull(store, "store");
        this.events = new WorklistEvents(store, json, heartbeat);
        this.listener = new ChangeListener(listen, events::changed, events::changedAll,
                Duration.ofMillis(250), Duration.ofSeconds(10));
    }

    /**
     * A service over the Postgres database at {@code jdbcUrl} with a connection pool of the
     * default settings (see {@link WorklistPoolConfig}).
     */
    public static WorklistApi forDatabase(String jdbcUrl, String user, String password, String host, int port) {
        return forDatabase(jdbcUrl, user, password, host, port, WorklistPoolConfig.defaults());
    }

    /**
     * A service over the Postgres database at {@code jdbcUrl}: requests borrow connections from a
     * HikariCP pool configured by {@code pool}, the change listener keeps one connection of its own
     * outside it. The pool is closed by {@link #stop()}. It starts even when Postgres is down
     * (requests are answered 503 until it is back).
     */
    public static WorklistApi forDatabase(String jdbcUrl, String user, String password, String host, int port,
                                          WorklistPoolConfig pool) {
        return forDatabase(jdbcUrl, user, password, host, port, pool, DEFAULT_HEARTBEAT);
    }

    static WorklistApi forDatabase(String jdbcUrl, String user, String password, String host, int port,
                                   WorklistPoolConfig pool, Duration heartbeat) {
        WorklistPool connections = WorklistPool.open(jdbcUrl, user, password, pool);
        try {
            WorklistStore store = new WorklistStore(connections.pooled(), connections::evictAll);
            return new WorklistApi(store, connections.direct(), connections, host, port, heartbeat);
        } catch (RuntimeException e) {
            connections.close();
            throw e;
        }
    }

    /** Starts listening for changes and serving HTTP on its own server; returns this. */
    public synchronized WorklistApi start() {
        if (app != null || attached) {
            throw new IllegalStateException("already started");
        }
        Javalin own = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(json);
            config.jetty.defaultHost = host;
            config.jetty.defaultPort = requestedPort;
        });
        attachTo(own);
        // Only on a server of its own: on a shared one these answers belong to the host application.
        own.exception(HttpResponseException.class, (e, ctx) ->
                error(ctx, e.getStatus(), new ApiError(codeOf(e.getStatus()), e.getMessage())));
        own.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, new ApiError("internal_error", "The request failed; see the server log."));
        });
        // Unmatched routes and wrong methods: Javalin answers these without an exception.
        own.error(404, ctx -> defaultError(ctx, 404, "No such endpoint: " + ctx.method() + " " + ctx.path()));
        own.error(405, ctx -> defaultError(ctx, 405, "Method " + ctx.method() + " not allowed on " + ctx.path()));
        own.get("/health", this::health);
        try {
            own.start();
        } catch (RuntimeException e) {
            // A port already taken: leave nothing running behind the exception.
            listener.close();
            events.close();
            closePool();
            throw e;
        }
        app = own;
        log.info("Worklist API listening on http://{}:{}/", host, port());
        return this;
    }

    /**
     * Publishes the connection pool's metrics (HikariCP's {@code hikaricp.connections.*}: active,
     * idle, pending, timeouts, acquire and usage times, tagged {@code pool=rtr-worklist-api}) to
     * {@code registry}, e.g. the one a host process serves on {@code /metrics}; once per API. Only
     * for an API built by {@link #forDatabase}: a {@link DataSource} passed in is the caller's to
     * instrument, and this refuses it.
     */
    public WorklistApi bindMetrics(MeterRegistry registry) {
        if (ownedPool == null) {
            throw new IllegalStateException("no pool of its own: instrument the DataSource given to the constructor");
        }
        ownedPool.bindMetrics(registry);
        return this;
    }

    /**
     * Adds the routes to {@code host} (an application that also serves other things, such as the
     * standalone platform's port 8080) and starts listening for changes; {@link #stop()} stops the
     * listening, not {@code host}. The host and port given to the constructor are then unused.
     */
    public synchronized void attachTo(Javalin host) {
        if (attached) {
            throw new IllegalStateException("already attached");
        }
        routes(host);
        listener.start();
        attached = true;
    }

    /** The bound port (the chosen one when constructed with 0); only after {@link #start()}. */
    public int port() {
        if (app == null) {
            throw new IllegalStateException("not started");
        }
        return app.port();
    }

    /**
     * Stops serving, closes the live streams and the LISTEN connection, and closes the pool that
     * {@link #forDatabase} made (its connections and threads); a caller's DataSource stays open.
     */
    public synchronized void stop() {
        listener.close();
        events.close();
        if (app != null) {
            app.stop();
            app = null;
            log.info("Worklist API stopped");
        }
        // After the server: requests still being answered keep their connections until they end.
        closePool();
    }

    private void closePool() {
        if (ownedPool != null) {
            ownedPool.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Open live streams of {@code radiologist}; a test seam. */
    int liveClients(String radiologist) {
        return events.count(radiologist);
    }

    private void routes(Javalin app) {
        app.before("/api/*", WorklistApi::secureHeaders);
        app.before("/worklist/*", WorklistApi::secureHeaders);
        app.before("/assets/*", WorklistApi::secureHeaders);
        app.before("/", WorklistApi::secureHeaders);
        app.get("/api/health", this::health);
        app.get("/api/radiologists", guarded(ctx -> ctx.json(store.radiologists())));
        app.get("/api/worklists/{radiologist}", guarded(this::worklist));
        SseHandler sse = new SseHandler(client -> events.register(client.ctx().pathParam(RADIOLOGIST), client));
        app.get("/api/worklists/{radiologist}/events", guarded(ctx -> {
            requireKnown(Requests.radiologistId(ctx.pathParam(RADIOLOGIST)));
            sse.handle(ctx);
        }));
        for (ReadingAction action : ReadingAction.values()) {
            app.post("/api/worklists/{radiologist}/studies/{studyUid}/" + action.pathSegment(),
                    guarded(ctx -> act(ctx, action)));
        }
        app.get("/assets/{file}", WorklistApi::asset);
        app.get("/", ctx -> page(ctx, "index.html"));
        app.get("/worklist/{radiologist}", ctx -> {
            Requests.radiologistId(ctx.pathParam(RADIOLOGIST));
            page(ctx, "worklist.html");
        });

        app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.body()));
    }

    /**
     * Turns the database's failures into JSON answers inside this API's own handlers, so that on a
     * shared server no handler of the host application is affected.
     */
    private static Handler guarded(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (SQLException e) {
                if (SqlErrors.classify(e) == SqlFailure.RETRIABLE) {
                    log.warn("{} {} failed, database unreachable: {}", ctx.method(), ctx.path(),
                            SqlErrors.describe(e));
                    throw new ApiException(503, "database_unavailable",
                            "The worklist database cannot be reached; try again shortly.");
                }
                log.error("{} {} failed in the database: {}", ctx.method(), ctx.path(), SqlErrors.describe(e), e);
                throw new ApiException(500, "internal_error", "The request failed in the database.");
            }
        };
    }

    private static void secureHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    private static void asset(Context ctx) {
        // A fixed list rather than a static-file handler: nothing else on the classpath can be asked for.
        String file = ctx.pathParam("file");
        String type = ASSETS.get(file);
        InputStream content = type == null ? null : WorklistApi.class.getResourceAsStream(WEB + file);
        if (content == null) {
            throw ApiException.notFound("not_found", "No such asset: " + file);
        }
        ctx.contentType(type).header("Cache-Control", "no-cache").result(content);
    }

    private void health(Context ctx) {
        boolean database;
        try {
            store.ping();
            database = true;
        } catch (SQLException e) {
            log.warn("Health check: database unreachable: {}", SqlErrors.describe(e));
            database = false;
        }
        boolean listening = listener.isListening();
        ctx.status(database ? 200 : 503).json(Map.of(
                "status", database ? "UP" : "DOWN",
                "database", database ? "UP" : "DOWN",
                // Not part of the overall status: without it pages only miss live updates.
                "changeListener", listening ? "UP" : "RECONNECTING"));
    }

    private void worklist(Context ctx) throws SQLException {
        String radiologist = Requests.radiologistId(ctx.pathParam(RADIOLOGIST));
        List<WorklistItem> items = store.worklist(radiologist);
        if (items.isEmpty()) {
            requireKnown(radiologist);
        }
        ctx.json(items);
    }

    private void act(Context ctx, ReadingAction action) throws SQLException {
        String radiologist = Requests.radiologistId(ctx.pathParam(RADIOLOGIST));
        String study = Requests.studyInstanceUid(ctx.pathParam(STUDY));
        String comment = Requests.actionComment(ctx.body(), mapper);
        // The path's radiologist is the one acting: an unknown one (a typo) must not claim anything.
        requireKnown(radiologist);
        ActionResult result = store.act(radiologist, study, action, comment);
        log.info("{} {} study {}", radiologist, action.pathSegment(), study);
        ctx.json(result);
    }

    private void requireKnown(String radiologist) throws SQLException {
        if (!store.isKnown(radiologist)) {
            throw ApiException.notFound("unknown_radiologist", "No radiologist " + radiologist
                    + " is registered or has been assigned a study.");
        }
    }

    private static void page(Context ctx, String name) {
        InputStream html = WorklistApi.class.getResourceAsStream(WEB + name);
        if (html == null) {
            throw new IllegalStateException("Page " + name + " is missing from the classpath");
        }
        ctx.contentType("text/html; charset=utf-8").header("Cache-Control", "no-cache").result(html);
    }

    private void error(Context ctx, int status, ApiError body) {
        ctx.status(status).json(body);
    }

    private void defaultError(Context ctx, int status, String message) {
        // Only Javalin's own plain answers are replaced; an error already written as JSON stays.
        String contentType = ctx.res().getContentType();
        if (contentType == null || !contentType.startsWith("application/json")) {
            error(ctx, status, new ApiError(codeOf(status), message));
        }
    }

    private static String codeOf(int status) {
        HttpStatus known = HttpStatus.forStatus(status);
        return known == HttpStatus.UNKNOWN ? "http_" + status : known.name().toLowerCase(Locale.ROOT);
    }

    /** Runs the service; see the class documentation for the arguments. */
    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5433/rtr";
        String user = args.length > 1 ? args[1] : "rtr";
        String password = args.length > 2 ? args[2] : "rtr";
        int port = args.length > 3 ? Integer.parseInt(args[3]) : 8080;
        String host = args.length > 4 ? args[4] : "127.0.0.1";
        WorklistPoolConfig pool = new WorklistPoolConfig(settings(args, 5));
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        WorklistSchema.migrate(url, properties);
        WorklistApi api = forDatabase(url, user, password, host, port, pool).start();
        Runtime.getRuntime().addShutdownHook(new Thread(api::stop, "worklist-api-shutdown"));
    }

    /** The {@code key=value} arguments from {@code first} on. */
    static Map<String, String> settings(String[] args, int first) {
        Map<String, String> settings = new HashMap<>();
        for (int i = first; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Expected key=value after the five positional arguments, got '"
                        + args[i] + "'; keys: " + WorklistPoolConfig.CONFIG_DEF.names());
            }
            String key = args[i].substring(0, eq).trim();
            // A typo must not pass silently as a default.
            if (!WorklistPoolConfig.CONFIG_DEF.names().contains(key)) {
                throw new IllegalArgumentException("Unknown setting '" + key + "'; keys: "
                        + WorklistPoolConfig.CONFIG_DEF.names());
            }
            settings.put(key, args[i].substring(eq + 1).trim());
        }
        return settings;
    }
}
