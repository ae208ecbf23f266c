package io.rtr.worklist.api;

import io.javalin.http.sse.SseClient;
import io.javalin.json.JsonMapper;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans worklist changes out to the server-sent-event clients of each radiologist. On a change it
 * reads the radiologist's list once and sends it inline as a {@code worklist} event to every open
 * page of that radiologist, so pages never re-fetch.
 *
 * <p>One thread does all the sending: a burst of notifications for one radiologist (a sink batch)
 * collapses into one read, the LISTEN thread never waits on a slow client, and two writes never
 * interleave on one stream. A disconnected client is only noticed when a write to it fails, so a
 * heartbeat comment goes to every client periodically and the failed ones are dropped.
 */
final class WorklistEvents implements AutoCloseable {

    /** Name of the SSE event carrying a radiologist's whole list, as JSON. */
    static final String EVENT = "worklist";

    private static final Logger log = LoggerFactory.getLogger(WorklistEvents.class);

    private final WorklistStore store;
    private final JsonMapper json;
    private final Map<String, Set<SseClient>> clients = new ConcurrentHashMap<>();
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "worklist-sse");
        t.setDaemon(true);
        return t;
    });

    WorklistEvents(WorklistStore store, JsonMapper json, Duration heartbeat) {
        this.store = Objects.requireNonNull(store, "store");
        this.json = Objects.requireNonNull(json, "json");
        sender.scheduleWithFixedDelay(this::heartbeat, heartbeat.toMillis(), heartbeat.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Keeps {@code client} open as a page of {@code radiologist} and sends it the current list
     * first, so a page that (re)connects is current without a separate request.
     */
    void register(String radiologist, SseClient client) {
        client.keepAlive();
        clients.computeIfAbsent(radiologist, k -> ConcurrentHashMap.newKeySet()).add(client);
        client.onClose(() -> unregister(radiologist, client));
        log.debug("SSE client of {} connected ({} open)", radiologist, count(radiologist));
        changed(radiologist);
    }

    /** A change to {@code radiologist}'s worklist (a NOTIFY payload); sends the new list to their pages. */
    void changed(String radiologist) {
        if (radiologist == null || !clients.containsKey(radiologist)) {
            return;
        }
        if (pending.add(radiologist)) {
            sender.execute(() -> {
                pending.remove(radiologist);
                push(radiologist);
            });
        }
    }

    /** Every open page may have missed changes (the LISTEN connection was down): refresh them all. */
    void changedAll() {
        clients.keySet().forEach(this::changed);
    }

    /** Open clients of {@code radiologist}; a test seam for disconnect clean-up. */
    int count(String radiologist) {
        Set<SseClient> set = clients.get(radiologist);
        return set == null ? 0 : set.size();
    }

    private void push(String radiologist) {
        Set<SseClient> targets = clients.get(radiologist);
        if (targets == null || targets.isEmpty()) {
            return;
        }
        List<WorklistItem> items;
        try {
            items = store.worklist(radiologist);
        } catch (SQLException e) {
            // The pages keep their last list; the next change or the reconnect refresh brings them up to date.
            log.warn("Cannot read the worklist of {} for its {} live pages: {}", radiologist, targets.size(),
                    e.toString());
            return;
        }
        String data = json.toJsonString(items, List.class);
        for (SseClient client : targets) {
            send(client, EVENT, data);
        }
        log.debug("Sent {} rows to {} live pages of {}", items.size(), targets.size(), radiologist);
    }

    private void heartbeat() {
        try {
            heartbeatAll();
        } catch (RuntimeException e) {
            // An exception would cancel the schedule and with it all clean-up of gone clients.
            log.warn("SSE heartbeat failed; retrying at the next beat", e);
        }
    }

    private void heartbeatAll() {
        for (Set<SseClient> set : clients.values()) {
            for (SseClient client : set) {
                synchronized (client) {
                    if (!client.terminated()) {
                        // A write is the only way to learn that the client has gone; a failed one closes it.
                        client.sendComment("keep-alive");
                    }
                }
            }
        }
    }

    private static void send(SseClient client, String event, String data) {
        synchronized (client) {
            if (!client.terminated()) {
                client.sendEvent(event, data);
            }
        }
    }

    private void unregister(String radiologist, SseClient client) {
        clients.computeIfPresent(radiologist, (k, set) -> {
            set.remove(client);
            return set.isEmpty() ? null : set;
        });
        log.debug("SSE client of {} disconnected ({} open)", radiologist, count(radiologist));
    }

    @Override
    public void close() {
        sender.shutdownNow();
        for (Set<SseClient> set : clients.values()) {
            for (SseClient client : set) {
                client.close();
            }
        }
        clients.clear();
    }
}
