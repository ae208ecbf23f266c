package io.rtr.standalone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** SIGTERM to a process running the demo's exit hook, in a child JVM because it ends that JVM. */
class DemoShutdownIT {

    @TempDir
    Path dir;

    @Test
    void sigtermStopsPostgresOnlyAfterTheComponentsThatUseIt() throws Exception {
        Stopped child = startAndSigterm();

        assertThat(child.output()).as("child output").contains(DemoExitProcess.USER_STOPPED)
                .doesNotContain(DemoExitProcess.USER_LOST_POSTGRES);
        assertNotListening(child.postgresPort());
    }

    @Test
    void aStageThatNeverStopsDoesNotKeepTheProcessOrPostgresRunning() throws Exception {
        Stopped child = startAndSigterm("hang");

        assertThat(child.output()).as("child output")
                .contains("pipeline did not stop within " + DemoExitProcess.PIPELINE_BOUND.toSeconds() + " s")
                .contains("Platform stopped");
        assertNotListening(child.postgresPort());
    }

    /** Runs {@link DemoExitProcess} until it is up, sends SIGTERM and waits (bounded) for it to exit. */
    private Stopped startAndSigterm(String... extraArgs) throws Exception {
        Path output = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                DemoExitProcess.class.getName(), dir.resolve("data").toString()));
        command.addAll(List.of(extraArgs));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> !child.isAlive() || Files.readString(output).contains(DemoExitProcess.READY));
            assertThat(child.isAlive()).as("child still running; its output:%n%s", Files.readString(output))
                    .isTrue();
            int postgresPort = port(Files.readString(output));

            child.destroy();

            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited within 60 s").isTrue();
            return new Stopped(Files.readString(output), postgresPort);
        } finally {
            child.destroyForcibly();
        }
    }

    private static void assertNotListening(int port) {
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            }
        }).as("Postgres stopped with the JVM, not left running").isInstanceOf(IOException.class);
    }

    private static int port(String output) {
        int at = output.indexOf(DemoExitProcess.READY) + DemoExitProcess.READY.length();
        return Integer.parseInt(output.substring(at, output.indexOf('\n', at)).strip());
    }

    private record Stopped(String output, int postgresPort) {
    }
}
