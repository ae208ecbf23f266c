package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class WorklistSinkConnectorTest {

    /** A local port nothing listens on: bound, then released. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static Optional<ConfigValue> value(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    @Test
    void givesEveryTaskTheConnectorConfig() {
        WorklistSinkConnector connector = new WorklistSinkConnector();
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        connector.start(props);

        List<Map<String, String>> tasks = connector.taskConfigs(3);

        assertThat(tasks).hasSize(3).allSatisfy(task -> assertThat(task).isEqualTo(props));
        assertThat(connector.taskClass()).isEqualTo(WorklistSinkTask.class);
    }

    @Test
    void reportsAnUnreachableDatabaseOnTheConnectionUrlInsteadOfThrowing() throws IOException {
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, "jdbc:postgresql://127.0.0.1:" + closedPort() + "/rtr");
        props.put(WorklistSinkConfig.CONNECTION_TIMEOUT_MS_CONFIG, "2000");

        Config result = new WorklistSinkConnector().validate(props);

        assertThat(value(result, WorklistSinkConfig.CONNECTION_URL_CONFIG)).get()
                .satisfies(v -> assertThat(v.errorMessages()).singleElement().asString()
                        .contains("cannot connect").contains("08001"));
    }

    @Test
    void reportsAValueConverterOtherThanByteArray() {
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        props.put(WorklistSinkConnector.VALUE_CONVERTER_CONFIG, "org.apache.kafka.connect.json.JsonConverter");

        Config result = new WorklistSinkConnector().validate(props);

        assertThat(value(result, WorklistSinkConnector.VALUE_CONVERTER_CONFIG)).get()
                .satisfies(v -> assertThat(v.errorMessages()).singleElement().asString()
                        .contains("ByteArrayConverter"));
    }

    @Test
    void reportsARuleSpanningKeysOnTheKeyThatBreaksIt() {
        Map<String, String> props = WorklistSinkConfigTest.minimal();
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MS_CONFIG, "5000");
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "10");

        Config result = new WorklistSinkConnector().validate(props);

        assertThat(value(result, WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG)).get()
                .satisfies(v -> assertThat(v.errorMessages()).isNotEmpty());
        assertThat(value(result, WorklistSinkConfig.CONNECTION_URL_CONFIG)).get()
                .satisfies(v -> assertThat(v.errorMessages()).isEmpty());
    }
}
