package io.rtr.standalone;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The flags given to one subcommand: {@code --name value} or {@code --name=value}, each known to the
 * subcommand, each at most once. Parsing is strict so that a typo fails loudly instead of being ignored.
 */
final class CliArguments {

    private final String command;
    private final Map<String, String> values;

    private CliArguments(String command, Map<String, String> values) {
        this.command = command;
        this.values = values;
    }

    /** Parses {@code args} (the words after the subcommand), allowing only {@code knownFlags}. */
    static CliArguments parse(String command, List<String> args, Set<String> knownFlags) throws UsageException {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String word = args.get(i);
            if (!word.startsWith("--") || word.length() == 2) {
                throw new UsageException("unexpected argument '" + word + "' for " + command);
            }
            int eq = word.indexOf('=');
            String flag = eq < 0 ? word : word.substring(0, eq);
            if (!knownFlags.contains(flag)) {
                throw new UsageException("unknown flag " + flag + " for " + command);
            }
            String value;
            if (eq >= 0) {
                value = word.substring(eq + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                throw new UsageException("flag " + flag + " needs a value");
            }
            if (values.putIfAbsent(flag, value) != null) {
                throw new UsageException("flag " + flag + " given twice");
            }
        }
        return new CliArguments(command, values);
    }

    static CliArguments parse(String command, String[] args, Set<String> knownFlags) throws UsageException {
        return parse(command, Arrays.asList(args), knownFlags);
    }

    String command() {
        return command;
    }

    Optional<String> string(String flag) {
        return Optional.ofNullable(values.get(flag));
    }

    /** The flag's value as a TCP port (0 = any free port). */
    OptionalInt port(String flag) throws UsageException {
        String value = values.get(flag);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 0 && port <= 65535) {
                return OptionalInt.of(port);
            }
        } catch (NumberFormatException e) {
            // fall through to the usage error
        }
        throw new UsageException("flag " + flag + " needs a port number between 0 and 65535, got '" + value + "'");
    }

    Optional<Path> path(String flag) throws UsageException {
        String value = values.get(flag);
        if (value == null) {
            return Optional.empty();
        }
        if (value.isBlank()) {
            throw new UsageException("flag " + flag + " needs a folder, got an empty value");
        }
        try {
            return Optional.of(Path.of(value));
        } catch (InvalidPathException e) {
            throw new UsageException("flag " + flag + " needs a folder, got '" + value + "'");
        }
    }
}
