package io.rtr.worklist;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.rtr.worklist.db.WorklistSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one embedded Postgres 17 (free port, temporary data directory) with the worklist
 * migrations applied, shared by every test class of the run and stopped at its end; tests get it
 * as a {@link TestDatabase} parameter and keep apart by using fresh study UIDs and radiologists.
 */
public final class EmbeddedPostgresExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Holder.class, k -> start(), Holder.class).database;
    }

    private static Holder start() {
        try {
            Path dir = Files.createTempDirectory("rtr-worklist-pg");
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(true)
                    .setPort(0)
                    .start();
            TestDatabase database = new TestDatabase(
                    // No user in the URL: pgjdbc lets URL parameters override the properties, and
                    // tests connect as several roles.
                    "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres", "postgres", postgres.getPort());
            Properties properties = new Properties();
            properties.setProperty("user", "postgres");
            WorklistSchema.migrate(database.url(), properties);
            return new Holder(postgres, database);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start embedded Postgres", e);
        }
    }

    /** Closed by JUnit when the root context ends, i.e. after the last test class. */
    private record Holder(EmbeddedPostgres postgres, TestDatabase database)
            implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }
}
