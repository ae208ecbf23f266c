package io.rtr.standalone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        Path output = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                DemoExitProcess.class.getName(), dir.resolve("data").toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        int postgresPort;
        try {
            await().atMost(Duration.ofMinutes(2))
                    .until(() -> !child.isAlive() || Files.readString(output).contains(DemoExitProcess.READY));
            assertThat(child.isAlive()).as("child still running; its output:%n%s", Files.readString(output))
                    .isTrue();
            postgresPort = port(Files.readString(output));

            child.destroy();

            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child exited within 60 s").isTrue();
        } finally {
            child.destroyForcibly();
        }
        String log = Files.readString(output);
        assertThat(log).as("child output").contains(DemoExitProcess.USER_STOPPED)
                .doesNotContain(DemoExitProcess.USER_LOST_POSTGRES);
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", postgresPort), 1000))
                .as("Postgres stopped with the JVM, not left running")
                .isInstanceOf(IOException.class);
    }

    private static int port(String output) {
        int at = output.indexOf(DemoExitProcess.READY) + DemoExitProcess.READY.length();
        return Integer.parseInt(output.substring(at, output.indexOf('\n', at)).strip());
    }
}
