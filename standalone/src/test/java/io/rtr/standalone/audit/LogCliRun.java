package io.rtr.standalone.audit;

import io.rtr.standalone.Platform;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One run of a log command ({@link LogCli}) against a test platform, with what it printed.
 *
 * @param code the exit code
 * @param out standard output
 * @param err standard error (error lines and the progress bar)
 */
record LogCliRun(int code, String out, String err) {

    /** Runs {@code command words...} against {@code platform}'s broker and registry. */
    static LogCliRun run(Platform platform, String command, String... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(Arrays.asList(words));
        all.addAll(List.of("--bootstrap", platform.bootstrapServers(), "--registry", platform.schemaRegistryUrl()));
        int code;
        try (Interruption interruption = Interruption.manual()) {
            code = new LogCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), interruption).run(command, all);
        }
        return new LogCliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The error lines, without the progress bar's lines that share stderr. */
    List<String> errorLines() {
        return err.lines().map(line -> line.substring(line.lastIndexOf('\r') + 1))
                .filter(line -> line.startsWith("rtr")).toList();
    }
}
