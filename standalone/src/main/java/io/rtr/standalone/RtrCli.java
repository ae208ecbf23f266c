package io.rtr.standalone;

import io.rtr.standalone.audit.LogCli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code rtr} command line.
 *
 * <p>Run it from the repository root with the launcher, which builds first when sources changed:
 * <pre>
 *   ./rtr demo --data-dir ./rtr-data
 * </pre>
 * or with a plain JVM after {@code mvn -q -pl standalone -am package -DskipTests} (the package phase
 * writes {@code standalone/target/classpath.txt}):
 * <pre>
 *   java -cp "standalone/target/classes:$(cat standalone/target/classpath.txt)" io.rtr.standalone.RtrCli demo
 * </pre>
 * Subcommands:
 * <ul>
 *   <li>{@code demo [--data-dir DIR] [--kafka-port N] [--controller-port N] [--registry-port N]
 *       [--postgres-port N] [--http-port N] [--api-pool-size N] ...}: starts Kafka, the schema
 *       registry and Postgres (defaults: {@code ./rtr-data}, 9092, 9093, 8081, 5433; port 0 = any
 *       free port; the worklist API's pool: 10 connections), prints the endpoints and runs until
 *       Ctrl-C, which stops everything cleanly.</li>
 *   <li>{@code audit study UID}, {@code audit worklist}, {@code export}, {@code replay}: read-only views of
 *       the log, see {@link LogCli}.</li>
 *   <li>{@code help}: lists the subcommands.</li>
 * </ul>
 * Exit codes: 0 done, 1 failed, 2 the command line was wrong (the message names the word).
 */
public final class RtrCli {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private final Map<String, CliCommand> commands = new LinkedHashMap<>();
    private final PrintStream out;
    private final PrintStream err;

    RtrCli(PrintStream out, PrintStream err, List<CliCommand> commands) {
        this.out = out;
        this.err = err;
        commands.forEach(command -> this.commands.put(command.name(), command));
    }

    /** The subcommands of the released command line. */
    static List<CliCommand> standardCommands() {
        List<CliCommand> standard = new ArrayList<>();
        standard.add(new DemoCommand());
        LogCli.commands().forEach(name -> standard.add(new LogCommand(name)));
        return List.copyOf(standard);
    }

    /**
     * A read-only log command of {@link LogCli}: it takes positional words ({@code audit study UID})
     * and switches ({@code --json}), which {@link CliArguments} refuses, so it gets its words unparsed.
     */
    record LogCommand(String name) implements CliCommand {
        @Override
        public String summary() {
            return LogCli.summary(name);
        }

        @Override
        public Map<String, String> flags() {
            return Map.of();
        }

        @Override
        public String usage() {
            return LogCli.usage(name);
        }

        @Override
        public int run(CliArguments arguments, PrintStream out) {
            throw new UnsupportedOperationException("run through LogCli.run with the raw words");
        }
    }

    /** Entry point: see the class documentation. */
    public static void main(String[] args) {
        int code = new RtrCli(System.out, System.err, standardCommands()).run(args);
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. */
    int run(String[] args) {
        if (args.length == 0) {
            err.println("rtr: no command given. " + usage());
            return EXIT_USAGE;
        }
        String name = args[0];
        if (name.equals("help") || name.equals("--help") || name.equals("-h")) {
            out.println(help());
            return EXIT_OK;
        }
        CliCommand command = commands.get(name);
        if (command == null) {
            err.println("rtr: unknown command '" + name + "'. " + usage());
            return EXIT_USAGE;
        }
        if (args.length == 2 && (args[1].equals("--help") || args[1].equals("-h"))) {
            out.println("Usage: rtr " + command.usage() + "\n  " + command.summary());
            return EXIT_OK;
        }
        if (command instanceof LogCommand) {
            return LogCli.run(name, Arrays.asList(args).subList(1, args.length), out, err);
        }
        try {
            CliArguments arguments = CliArguments.parse(name, Arrays.copyOfRange(args, 1, args.length),
                    command.flags().keySet());
            return command.run(arguments, out);
        } catch (UsageException e) {
            err.println("rtr: " + e.getMessage() + ". Usage: rtr " + command.usage());
            return EXIT_USAGE;
        } catch (RuntimeException e) {
            // The details are in the log already; the terminal gets the reason in one line.
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            err.println("rtr " + name + " failed: " + e.getMessage()
                    + (root == e ? "" : " (cause: " + root + ")"));
            return EXIT_FAILED;
        }
    }

    private String usage() {
        return "Usage: rtr " + String.join(" | ", commands.keySet()) + " | help";
    }

    private String help() {
        StringBuilder help = new StringBuilder("Usage: rtr COMMAND [FLAGS]\n");
        commands.values().forEach(command -> help.append(String.format("  %s%n      %s%n",
                command.usage(), command.summary())));
        help.append("  help\n      print this text");
        return help.toString();
    }
}
