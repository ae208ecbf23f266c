package io.rtr.standalone.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this process' threads by kind, read from {@code /proc/self/task} (Linux; elsewhere
 * it reports nothing): the JIT compiler and GC threads are native threads the management beans do
 * not show, and on 2 cores they compete with the broker and the stream threads, so a benchmark
 * that runs everything in one JVM must say how much of the CPU went to each. Thread names there
 * are the first 15 characters of the Java name; the kinds go by those prefixes. Threads that
 * started and ended between the two readings (short-lived admin clients) are not counted.
 */
final class ThreadCpu {

    private static final Path TASKS = Path.of("/proc/self/task");
    /** Linux reports utime and stime in clock ticks, 100 per second on every common kernel config. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final Map<String, String> KINDS = new LinkedHashMap<>();

    static {
        KINDS.put("C1 CompilerThre", "JIT");
        KINDS.put("C2 CompilerThre", "JIT");
        KINDS.put("GC Thread", "GC");
        KINDS.put("G1 ", "GC");
        KINDS.put("VM Thread", "GC");
        KINDS.put("data-plane-kafk", "broker requests");
        KINDS.put("kafka-producer-", "producer I/O");
        KINDS.put("kafka-admin-cli", "admin clients");
    }

    private final String appPrefix;
    private final Map<Integer, Long> start;

    private ThreadCpu(String appPrefix, Map<Integer, Long> start) {
        this.appPrefix = appPrefix;
        this.start = start;
    }

    /** Starts counting; threads whose name starts like {@code appThreadPrefix} count as the app's. */
    static ThreadCpu start(String appThreadPrefix) {
        return new ThreadCpu(appThreadPrefix.substring(0, Math.min(15, appThreadPrefix.length())), read());
    }

    /** CPU seconds per kind of thread since {@link #start}, largest first, or "" where unavailable. */
    String since() {
        Map<String, Long> byKind = new TreeMap<>();
        for (Map.Entry<Integer, Long> e : read().entrySet()) {
            byKind.merge(kind(name(e.getKey())), e.getValue() - start.getOrDefault(e.getKey(), 0L), Long::sum);
        }
        StringBuilder line = new StringBuilder();
        byKind.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .filter(e -> e.getValue() > 0)
                .forEach(e -> line.append(line.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(BenchSupport.seconds(e.getValue() * NANOS_PER_TICK)));
        return line.toString();
    }

    private String kind(String name) {
        if (name == null) {
            return "other";
        }
        if (name.startsWith(appPrefix)) {
            return "stream app";
        }
        for (Map.Entry<String, String> e : KINDS.entrySet()) {
            if (name.startsWith(e.getKey())) {
                return e.getValue();
            }
        }
        return "other";
    }

    private static String name(int tid) {
        try {
            return Files.readString(TASKS.resolve(tid + "/comm"), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    /** Thread id -> {utime + stime} in ticks; threads that ended in between are not counted. */
    private static Map<Integer, Long> read() {
        Map<Integer, Long> ticks = new TreeMap<>();
        if (!Files.isDirectory(TASKS)) {
            return ticks;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(Integer.parseInt(task.getFileName().toString()),
                            Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (IOException | RuntimeException e) {
                    // The thread ended while being read.
                }
            }
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }
}
