package io.rtr.worklist.api;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * Collects server-sent events from a response's line stream on a daemon thread; {@link #cancel()}
 * hangs up like a closed browser tab.
 */
final class SseRecorder {

    /** One received event. */
    record Event(String name, String data) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Stream<String> lines;
    private String name = "message";
    private final StringBuilder data = new StringBuilder();

    SseRecorder(Stream<String> lines) {
        this.lines = lines;
        Thread reader = new Thread(this::read, "sse-recorder");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            lines.forEach(this::onLine);
        } catch (UncheckedIOException | IllegalStateException e) {
            // The stream ends this way when the test hangs up; nothing to record.
        }
    }

    private void onLine(String line) {
        if (line.isEmpty()) {
            if (data.length() > 0) {
                events.add(new Event(name, data.toString()));
            }
            name = "message";
            data.setLength(0);
        } else if (line.startsWith("event:")) {
            name = line.substring("event:".length()).trim();
        } else if (line.startsWith("data:")) {
            if (data.length() > 0) {
                data.append('\n');
            }
            data.append(line.substring("data:".length()).stripLeading());
        }
    }

    List<Event> events() {
        return events;
    }

    void cancel() {
        lines.close();
    }
}
