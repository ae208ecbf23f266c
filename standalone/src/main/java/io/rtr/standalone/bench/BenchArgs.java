package io.rtr.standalone.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code --flag value} command line of a benchmark; unknown flags fail before anything starts. */
final class BenchArgs {

    private final Map<String, String> values;

    private BenchArgs(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code args}; {@code known} lists the flags that take a value, {@code switches} those that do not. */
    static BenchArgs parse(String program, String[] args, Set<String> known, Set<String> switches) {
        Map<String, String> values = new HashMap<>();
        List<String> list = List.of(args);
        for (int i = 0; i < list.size(); i++) {
            String flag = list.get(i);
            if (switches.contains(flag)) {
                values.put(flag, "true");
            } else if (known.contains(flag) && i + 1 < list.size()) {
                values.put(flag, list.get(++i));
            } else {
                throw new IllegalArgumentException(program + ": unknown flag or missing value: " + flag
                        + " (flags: " + known + ", switches: " + switches + ")");
            }
        }
        return new BenchArgs(values);
    }

    Optional<String> value(String flag) {
        return Optional.ofNullable(values.get(flag));
    }

    long longValue(String flag, long otherwise) {
        return value(flag).map(Long::parseLong).orElse(otherwise);
    }

    int intValue(String flag, int otherwise) {
        return value(flag).map(Integer::parseInt).orElse(otherwise);
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }
}
