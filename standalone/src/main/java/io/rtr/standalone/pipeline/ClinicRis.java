package io.rtr.standalone.pipeline;

import io.rtr.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The clinic's order source in the standalone platform: the RIS {@code ris.orders} table in the
 * embedded Postgres, and the Debezium Postgres connector that captures it into
 * {@code rtr.clinic.orders} as the JSON change events the triage topology joins.
 */
public final class ClinicRis {

    /** The Debezium connector's name in the Connect worker. */
    public static final String CONNECTOR_NAME = "clinic-orders-cdc";
    /** The captured table. */
    public static final String ORDERS_TABLE = "ris.orders";

    private ClinicRis() {
    }

    /** Creates the order table if it is missing. */
    public static void createOrdersTable(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(resource("/ris/orders.sql"));
        }
    }

    /**
     * The Debezium Postgres connector configuration capturing {@link #ORDERS_TABLE} with pgoutput
     * into {@code rtr.clinic.orders}, key and value as schemaless JSON.
     */
    public static Map<String, String> debeziumConfig(String host, int port, String database, String user,
                                                     String password) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        config.put("tasks.max", "1");
        config.put("plugin.name", "pgoutput");
        config.put("database.hostname", host);
        config.put("database.port", Integer.toString(port));
        config.put("database.user", user);
        config.put("database.password", password);
        config.put("database.dbname", database);
        config.put("topic.prefix", "rtr-ris");
        config.put("table.include.list", ORDERS_TABLE);
        config.put("slot.name", "rtr_clinic_orders");
        config.put("publication.name", "rtr_clinic_orders");
        config.put("publication.autocreate.mode", "filtered");
        // Existing orders matter as much as new ones: snapshot first, then stream.
        config.put("snapshot.mode", "initial");
        config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("key.converter.schemas.enable", "false");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "false");
        config.put("transforms", "route");
        config.put("transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter");
        config.put("transforms.route.regex", ".*");
        config.put("transforms.route.replacement", Topics.CLINIC_ORDERS.name());
        return config;
    }

    private static String resource(String name) {
        try (InputStream in = ClinicRis.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }
}
