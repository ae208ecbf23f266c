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
 * connectors and the worklist sink do, or one that never stops. It prints {@value #READY} once up,
 * then waits to be stopped.
 *
 * <p>Run as {@code java -cp TEST_CLASSPATH io.rtr.standalone.DemoExitProcess DATA_DIR [hang]}.
 */
public final class DemoExitProcess {

    static final String READY = "READY postgres port ";
    static final String USER_STOPPED = "USER STOPPED after queries: ";
    static final String USER_LOST_POSTGRES = "USER LOST POSTGRES while stopping: ";
    /** Long enough for a concurrent pg_ctl stop to finish, short enough to keep the test quick. */
    private static final Duration STOPPING = Duration.ofSeconds(1);

    private DemoExitProcess() {
    }

    /** The bound given to the demo's hook: short, so that the test of a hanging stage is quick. */
    static final Duration PIPELINE_BOUND = Duration.ofSeconds(3);

    /**
     * Starts the platform on free ports under the data folder given as the first argument; with
     * {@code hang} as the second, the pipeline's stand-in never finishes stopping.
     */
    public static void main(String[] args) throws InterruptedException {
        Platform platform = Platform.start(PlatformConfig.forTests(Path.of(args[0])));
        boolean hang = args.length > 1 && args[1].equals("hang");
        AutoCloseable pipeline = hang ? () -> new CountDownLatch(1).await() : new PostgresUser(platform.postgres());
        DemoCommand.stopAtExit(pipeline, platform, PIPELINE_BOUND);
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
