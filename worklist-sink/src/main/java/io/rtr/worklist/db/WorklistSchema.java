package io.rtr.worklist.db;

import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the worklist database (tables, the {@code radiologist_worklist} view,
 * row-level security, the change notification) with the Flyway migrations in
 * {@code db/migration} on the classpath.
 *
 * <p>The user must be allowed to create roles (the migrations create the {@code radiologist}
 * group role when it is missing) and becomes the owner of the tables, which RLS does not restrict,
 * so the sink and the API should connect as that same user.
 */
public final class WorklistSchema {

    /** Channel of the NOTIFY sent when a worklist row changes; the payload is the radiologist id. */
    public static final String CHANGE_CHANNEL = "worklist_changed";
    /** Group role every radiologist's login role must be a member of to read its worklist. */
    public static final String RADIOLOGIST_ROLE = "radiologist";
    /** Classpath location of the migrations. */
    public static final String MIGRATIONS_LOCATION = "classpath:db/migration";

    private static final Logger log = LoggerFactory.getLogger(WorklistSchema.class);

    private WorklistSchema() {
    }

    /**
     * Applies the migrations that are missing and returns how many were applied (0 when the
     * schema is current). Safe to call from several processes at once: Flyway takes an advisory lock.
     */
    public static int migrate(String url, Properties connectionProperties) {
        String user = connectionProperties.getProperty("user");
        String password = connectionProperties.getProperty("password");
        MigrateResult result = Flyway.configure()
                .dataSource(url, user, password)
                .locations(MIGRATIONS_LOCATION)
                .load()
                .migrate();
        if (result.migrationsExecuted == 0) {
            log.info("Worklist schema at {} is up to date", url);
        } else {
            log.info("Worklist schema at {} migrated to version {} ({} migrations applied)", url,
                    result.targetSchemaVersion, result.migrationsExecuted);
        }
        return result.migrationsExecuted;
    }
}
