package io.rtr.standalone;

import io.rtr.standalone.postgres.EmbeddedPostgres;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link DemoShutdownIT} stops with SIGTERM: the platform with the demo's exit hook,
 * and in place of the pipeline a component that uses Postgres while it stops, as the Debezium
 * connectors and the worklist sink do. It prints {@value #READY} once up, then waits to be stopped.
 *
 * <p>Run as {@code java -cp TEST_CLASSPATH io.rtr.standalone.DemoExitProcess DATA_DIR}.
 */
public final class DemoExitProcess {

    static final String READY = "READY postgres port ";
    static final String USER_STOPPED = "USER STOPPED after queries: ";
    static final String USER_LOST_POSTGRES = "USER LOST POSTGRES while stopping: ";
    /** Long enough for a concurrent pg_ctl stop to finish, short enough to keep the test quick. */
    private static final Duration STOPPING = Duration.ofSeconds(1);

    private DemoExitProcess() {
    }

    /** Starts the platform on free ports under the data folder given as the only argument. */
    public static void main(String[] args) throws InterruptedException {
        Platform platform = Platform.start(PlatformConfig.forTests(Path.of(args[0])));
        DemoCommand.stopAtExit(new PostgresUser(platform.postgres()), platform);
        System.out.println(READY + platform.postgres().port());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** Queries Postgres, one connection at a time, for {@link #STOPPING} when closed. */
    private record PostgresUser(EmbeddedPostgres postgres) implements AutoCloseable {
        @Override
        public void close() {
            long until = System.nanoTime() + STOPPING.toNanos();
            int queries = 0;
            while (System.nanoTime() < until) {
                try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
                    statement.execute("SELECT 1");
                    queries++;
                } catch (SQLException e) {
                    System.out.println(USER_LOST_POSTGRES + e.getMessage());
                    System.out.flush();
                    return;
                }
            }
            System.out.println(USER_STOPPED + queries);
            System.out.flush();
        }
    }
}
