package io.rtr.standalone;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RtrCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Records what it was given instead of starting anything. */
    private static final class FakeCommand implements CliCommand {
        CliArguments received;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String summary() {
            return "does nothing";
        }

        @Override
        public Map<String, String> flags() {
            return Map.of("--port", "N");
        }

        @Override
        public int run(CliArguments arguments, PrintStream out) throws UsageException {
            arguments.port("--port");
            received = arguments;
            return 0;
        }
    }

    private final FakeCommand fake = new FakeCommand();

    private int run(String... args) {
        RtrCli cli = new RtrCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), List.of(fake, new DemoCommand()));
        return cli.run(args);
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(errText()).contains("unknown command 'frobnicate'").contains("Usage: rtr").hasLineCount(1);
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(run()).isEqualTo(2);
        assertThat(errText()).contains("no command given");
    }

    @Test
    void unknownFlagIsNamedInOneLine() {
        assertThat(run("demo", "--kafka-prot", "1")).isEqualTo(2);
        assertThat(errText()).contains("unknown flag --kafka-prot for demo")
                .contains("Usage: rtr demo [--data-dir DIR]")
                .hasLineCount(1);
    }

    @Test
    void badPortValueNamesTheFlag() {
        assertThat(run("demo", "--registry-port", "eighty")).isEqualTo(2);
        assertThat(errText()).contains("flag --registry-port needs a port number").contains("'eighty'");
    }

    @Test
    void flagWithoutValueIsAUsageError() {
        assertThat(run("demo", "--data-dir")).isEqualTo(2);
        assertThat(errText()).contains("flag --data-dir needs a value");
    }

    @Test
    void samePortForTwoComponentsIsAUsageError() {
        assertThat(run("demo", "--kafka-port", "8081")).isEqualTo(2);
        assertThat(errText()).contains("are both 8081");
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("demo [--data-dir DIR]").contains("fake");
    }

    @Test
    void commandHelpPrintsItsUsageAndFlags() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: rtr demo").contains("--synthetic N")
                .contains("--http-port N");
    }

    @Test
    void runsTheSelectedCommandWithItsFlags() {
        assertThat(run("fake", "--port=0")).isZero();
        assertThat(fake.received.string("--port")).contains("0");
    }

    @Test
    void demoFlagsOverrideTheDefaults() throws UsageException {
        CliArguments arguments = CliArguments.parse("demo",
                new String[] {"--data-dir", "/tmp/rtr", "--kafka-port=0", "--registry-port", "18081"},
                new DemoCommand().flags().keySet());

        PlatformConfig config = DemoCommand.config(arguments);

        assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/rtr"));
        assertThat(config.kafkaPort()).isZero();
        assertThat(config.registryPort()).isEqualTo(18081);
        assertThat(config.postgresPort()).isEqualTo(PlatformConfig.DEFAULT_POSTGRES_PORT);
    }

    @Test
    void theApiPoolSizeIsADemoFlagWithTheApisDefault() throws UsageException {
        Set<String> flags = new DemoCommand().flags().keySet();
        PlatformConfig platform = PlatformConfig.defaults();
        assertThat(DemoCommand.pipelineConfig(CliArguments.parse("demo", new String[0], flags), platform)
                .apiPoolSize()).isEqualTo(10);
        assertThat(DemoCommand.pipelineConfig(CliArguments.parse("demo", new String[] {"--api-pool-size", "4"}, flags),
                platform).apiPoolSize()).isEqualTo(4);
        assertThatThrownBy(() -> DemoCommand.pipelineConfig(
                CliArguments.parse("demo", new String[] {"--api-pool-size", "0"}, flags), platform))
                .isInstanceOf(UsageException.class).hasMessageContaining("--api-pool-size");
    }

    @Test
    void rejectsPositionalArgumentsAndRepeatedFlags() {
        Set<String> flags = Set.of("--a");
        assertThatThrownBy(() -> CliArguments.parse("x", new String[] {"stray"}, flags))
                .isInstanceOf(UsageException.class).hasMessageContaining("unexpected argument 'stray'");
        assertThatThrownBy(() -> CliArguments.parse("x", new String[] {"--a", "1", "--a=2"}, flags))
                .isInstanceOf(UsageException.class).hasMessageContaining("--a given twice");
    }
}
