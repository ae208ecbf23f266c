package io.rtr.worklist.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.ReadingActionType;
import io.rtr.schemas.Topics;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.Test;

/** The Debezium connector configuration that captures reading_action. */
class ReadingActionCaptureTest {

    private final Map<String, String> config = ReadingActionCapture.debeziumConfig("127.0.0.1", 5433, "rtr",
            "rtr", "secret", "http://127.0.0.1:8081");

    @Test
    void capturesOnlyTheReadingActionTableWithItsOwnSlotAndPublication() {
        assertThat(config)
                .containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
                .containsEntry("plugin.name", "pgoutput")
                .containsEntry("database.hostname", "127.0.0.1")
                .containsEntry("database.port", "5433")
                .containsEntry("database.dbname", "rtr")
                .containsEntry("database.user", "rtr")
                .containsEntry("database.password", "secret")
                .containsEntry("table.include.list", "public.reading_action")
                .containsEntry("slot.name", ReadingActionCapture.SLOT_NAME)
                .containsEntry("publication.name", ReadingActionCapture.PUBLICATION_NAME)
                .containsEntry("publication.autocreate.mode", "filtered")
                .containsEntry("tasks.max", "1");
        // The clinic RIS capture (standalone) uses rtr_clinic_orders; one slot per capture.
        assertThat(ReadingActionCapture.SLOT_NAME).isNotEqualTo("rtr_clinic_orders");
    }

    @Test
    void writesStringKeysAndTheTransformsBytesThroughPassThroughConverters() {
        assertThat(config)
                .containsEntry("key.converter", "org.apache.kafka.connect.storage.StringConverter")
                .containsEntry("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter")
                .containsEntry("transforms", ReadingActionCapture.TRANSFORM_NAME)
                .containsEntry("transforms.actions.type", ReadingActionTransform.class.getName())
                .containsEntry("transforms.actions.topic", Topics.WORKLIST_ACTIONS.name())
                .containsEntry("transforms.actions.schema.registry.url", "http://127.0.0.1:8081");
    }

    @Test
    void waitsOutARegistryOutageAndKeepsCommentsOutOfTheLog() {
        assertThat(config)
                .containsEntry("errors.retry.timeout", "-1")
                .containsEntry("errors.tolerance", "none")
                .containsEntry("errors.log.include.messages", "false");
    }

    @Test
    void theTransformSettingsAreValidForTheTransformsConfigDef() {
        Map<String, String> transformProps = transformProps();

        for (ConfigValue value : ReadingActionTransform.CONFIG_DEF.validate(transformProps)) {
            assertThat(value.errorMessages()).as(value.name()).isEmpty();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTransformBuiltAsConnectBuildsItMapsAnInsert() throws ReflectiveOperationException {
        // Connect instantiates the class named by transforms.actions.type and configures it with the
        // keys under that prefix; the in-memory registry stands in for the URL.
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        Map<String, Object> props = new HashMap<>(transformProps());
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry);
        Transformation<SourceRecord> transform = (Transformation<SourceRecord>) Class
                .forName(config.get("transforms.actions.type")).getDeclaredConstructor().newInstance();
        transform.configure(props);

        SourceRecord out = transform.apply(DebeziumEvents.record(
                DebeziumEvents.envelope("c", null, DebeziumEvents.row("COMPLETE"))));

        assertThat(out.topic()).isEqualTo(Topics.WORKLIST_ACTIONS.name());
        ReadingAction action = new AvroDeserializer<>(ReadingAction.class, registry)
                .deserialize(out.topic(), (byte[]) out.value());
        assertThat(action.getAction()).isEqualTo(ReadingActionType.COMPLETE);
        assertThat(out.key()).isEqualTo(action.getStudyInstanceUid());
        transform.close();
    }

    private Map<String, String> transformProps() {
        String prefix = "transforms." + ReadingActionCapture.TRANSFORM_NAME + ".";
        Map<String, String> props = new HashMap<>();
        config.forEach((key, value) -> {
            if (key.startsWith(prefix) && !key.equals(prefix + "type")) {
                props.put(key.substring(prefix.length()), value);
            }
        });
        return props;
    }
}
