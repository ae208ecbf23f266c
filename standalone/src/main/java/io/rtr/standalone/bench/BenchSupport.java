package io.rtr.standalone.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** What both benchmarks share: load average, figures formatting, temp-dir removal. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** The 1/5/15-minute load average and core count, so that figures are read against the load. */
    static String load() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return "load " + parts[0] + " " + parts[1] + " " + parts[2] + " on "
                    + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException e) {
            return "load unknown (" + e.getMessage() + ") on " + Runtime.getRuntime().availableProcessors() + " cores";
        }
    }

    static String rate(double count, long nanos) {
        return String.format(Locale.ROOT, "%,.0f", count / (nanos / 1e9));
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    /** Removes {@code dir} and everything below it; a leftover file is reported, not fatal. */
    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    System.err.println("cannot delete " + path + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            System.err.println("cannot clean up " + dir + ": " + e.getMessage());
        }
    }
}
