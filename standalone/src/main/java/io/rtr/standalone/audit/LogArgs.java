package io.rtr.standalone.audit;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The words after a log command: positional words, {@code --flag value} / {@code --flag=value} for
 * the flags that take a value, and bare switches such as {@code --json}. Strict, like the rest of
 * the command line, so a typo fails with the word named instead of being ignored.
 */
final class LogArgs {

    private final String command;
    private final List<String> positional;
    private final Map<String, String> values;
    private final Set<String> switches;

    private LogArgs(String command, List<String> positional, Map<String, String> values, Set<String> switches) {
        this.command = command;
        this.positional = positional;
        this.values = values;
        this.switches = switches;
    }

    static LogArgs parse(String command, List<String> words, Set<String> valueFlags, Set<String> knownSwitches) {
        List<String> positional = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> switches = new HashSet<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (!word.startsWith("--")) {
                positional.add(word);
                continue;
            }
            int eq = word.indexOf('=');
            String flag = eq < 0 ? word : word.substring(0, eq);
            if (knownSwitches.contains(flag) && eq < 0) {
                switches.add(flag);
                continue;
            }
            if (!valueFlags.contains(flag)) {
                throw LogFailure.usage("unknown flag " + flag + " for " + command);
            }
            String value;
            if (eq >= 0) {
                value = word.substring(eq + 1);
            } else if (i + 1 < words.size() && !words.get(i + 1).startsWith("--")) {
                value = words.get(++i);
            } else {
                throw LogFailure.usage("flag " + flag + " needs a value");
            }
            if (values.putIfAbsent(flag, value) != null) {
                throw LogFailure.usage("flag " + flag + " given twice");
            }
        }
        return new LogArgs(command, List.copyOf(positional), values, switches);
    }

    List<String> positional() {
        return positional;
    }

    Optional<String> value(String flag) {
        return Optional.ofNullable(values.get(flag)).filter(v -> !v.isBlank());
    }

    /** The flag's value; when it is missing the error shows an example of what to add. */
    String required(String flag, String example) {
        return value(flag).orElseThrow(() -> LogFailure.usage(command + " needs " + flag
                + ": add e.g. " + flag + " " + example));
    }

    boolean has(String knownSwitch) {
        return switches.contains(knownSwitch);
    }
}
