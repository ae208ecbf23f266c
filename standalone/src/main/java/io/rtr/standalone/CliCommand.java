package io.rtr.standalone;

import java.io.PrintStream;
import java.util.Map;

/** One subcommand of {@link RtrCli}: its name, its flags and what it does. */
interface CliCommand {

    /** The word that selects it, e.g. {@code demo}. */
    String name();

    /** One line saying what it does. */
    String summary();

    /** Its flags with the placeholder of their value, e.g. {@code --data-dir -> DIR}, in display order. */
    Map<String, String> flags();

    /** Runs it and returns the process exit code. */
    int run(CliArguments arguments, PrintStream out) throws UsageException;

    /** {@code demo [--data-dir DIR] ...}. */
    default String usage() {
        StringBuilder usage = new StringBuilder(name());
        flags().forEach((flag, value) -> usage.append(" [").append(flag).append(' ').append(value).append(']'));
        return usage.toString();
    }
}
