package io.rtr.standalone.pipeline;

import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards {@code POST /dicomweb/studies[/{study}]} on the platform's HTTP port to the STOW-RS
 * endpoint that the DICOM source task serves inside the Connect worker, streaming the body both
 * ways. The task owns the receive path (spool, blob store, events, back-pressure); the proxy only
 * lets clients use the demo's one documented port.
 */
final class StowProxy {

    private static final Logger log = LoggerFactory.getLogger(StowProxy.class);
    /** Response headers the STOW-RS answer depends on (Retry-After carries back-pressure). */
    private static final List<String> FORWARDED = List.of("Content-Type", "Retry-After", "Location");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI target;

    /** A proxy to the task's endpoint at {@code host}:{@code port}. */
    StowProxy(String host, int port) {
        this.target = URI.create("http://" + host + ":" + port);
    }

    void forward(Context ctx) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(ctx.path()))
                .timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofInputStream(ctx::bodyInputStream));
        String contentType = ctx.header("Content-Type");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        String accept = ctx.header("Accept");
        if (accept != null) {
            request.header("Accept", accept);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            ctx.status(response.statusCode());
            for (String name : FORWARDED) {
                response.headers().firstValue(name).ifPresent(value -> ctx.header(name, value));
            }
            log.debug("STOW-RS {} -> {}", ctx.path(), response.statusCode());
            ctx.result(response.body());
        } catch (IOException e) {
            log.warn("STOW-RS endpoint of the DICOM source task at {} is unreachable: {}", target, e.toString());
            ctx.status(503).header("Retry-After", "10").json(Map.of("error", "unavailable", "message",
                    "The DICOM ingest connector's STOW-RS endpoint is not reachable; retry later."));
        }
    }
}
