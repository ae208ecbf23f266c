package io.rtr.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.registry.RestSchemaRegistryClient;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

    @Test
    void missingRegistryFailsFastNamingTheUrlKey() {
        AvroSerde<InstanceReceived> serde = new AvroSerde<>(InstanceReceived.class);

        assertThatThrownBy(() -> serde.configure(Map.of("bootstrap.servers", "127.0.0.1:9092"), false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void commaSeparatedUrlsBuildARestClientTryingEveryUrlInOrder() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
                "schema.registry.url", "http://127.0.0.1:8081,http://127.0.0.1:18081"));

        assertThat(config.registryClient()).isInstanceOfSatisfying(RestSchemaRegistryClient.class,
                client -> assertThat(client.baseUrls())
                        .containsExactly("http://127.0.0.1:8081", "http://127.0.0.1:18081"));
        assertThat(config.autoRegisterSchemas()).isTrue();
    }

    @Test
    void givenClientInstanceWinsOverUrls() {
        InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:8081",
                AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registry));

        assertThat(config.registryClient()).isSameAs(registry);
    }

    @Test
    void clientKeyThatIsNotAClientIsAConfigError() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, "nope"));

        assertThatThrownBy(config::registryClient)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG);
    }

    @Test
    void nonHttpUrlIsAConfigErrorOnTheUrlKey() {
        AvroSerdeConfig config = new AvroSerdeConfig(Map.of("schema.registry.url", "127.0.0.1:8081"));

        assertThatThrownBy(config::registryClient)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("schema.registry.url");
    }

    @Test
    void serdeBuiltByNameIsConfiguredByTheValueTypeKey() {
        AvroSerde<InstanceReceived> serde = new AvroSerde<>();
        serde.configure(Map.of(AvroSerdeConfig.SPECIFIC_AVRO_VALUE_TYPE_CONFIG, InstanceReceived.class,
                AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new InMemorySchemaRegistryClient()), false);

        assertThat(serde.deserializer().type()).isEqualTo(InstanceReceived.class);
    }
}
