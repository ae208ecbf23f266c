package io.rtr.ingest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Kafka Connect source connector that receives DICOM objects over C-STORE and emits one
 * InstanceReceived event per object (see {@link DicomSourceConfig} for the keys).
 *
 * <p>The task emits values that are already Confluent-wire-format Avro bytes, written by the
 * schemas module's serializer, so the connector must run with
 * {@code value.converter=org.apache.kafka.connect.converters.ByteArrayConverter} and
 * {@code key.converter=org.apache.kafka.connect.storage.StringConverter}; {@link #validate} says so
 * on the key when another value converter is configured.
 */
public final class DicomSourceConnector extends SourceConnector {

    /** Connector-level key Connect uses for the value converter. */
    static final String VALUE_CONVERTER = "value.converter";
    /** Lives in connect-runtime, which a connector must not depend on, hence the name only. */
    static final String BYTE_ARRAY_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

    private Map<String, String> props;

    @Override
    public String version() {
        return Version.VALUE;
    }

    @Override
    public void start(Map<String, String> props) {
        // Parse now so that a bad configuration fails the connector, not only its task.
        new DicomSourceConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return DicomSourceTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        // One task: the SCP owns one port and one spool; more tasks would compete for both.
        return List.of(props);
    }

    @Override
    public void stop() {
        // The task owns every resource; nothing to release here.
    }

    @Override
    public ConfigDef config() {
        return DicomSourceConfig.CONFIG_DEF;
    }

    @Override
    public Config validate(Map<String, String> connectorConfigs) {
        Config config = super.validate(connectorConfigs);
        Optional<ConfigValue> host = find(config, DicomSourceConfig.DICOM_HOST_CONFIG);
        Optional<ConfigValue> port = find(config, DicomSourceConfig.DICOM_PORT_CONFIG);
        if (host.isPresent() && port.isPresent() && host.get().errorMessages().isEmpty()
                && port.get().errorMessages().isEmpty()) {
            bindError((String) host.get().value(), (Integer) port.get().value())
                    .ifPresent(error -> port.get().addErrorMessage(error));
        }
        Optional<ConfigValue> stowEnabled = find(config, DicomSourceConfig.STOW_ENABLED_CONFIG);
        Optional<ConfigValue> stowHost = find(config, DicomSourceConfig.STOW_HOST_CONFIG);
        Optional<ConfigValue> stowPort = find(config, DicomSourceConfig.STOW_PORT_CONFIG);
        if (stowEnabled.isPresent() && Boolean.TRUE.equals(stowEnabled.get().value()) && stowHost.isPresent()
                && stowPort.isPresent() && stowHost.get().errorMessages().isEmpty()
                && stowPort.get().errorMessages().isEmpty()) {
            bindError((String) stowHost.get().value(), (Integer) stowPort.get().value())
                    .ifPresent(error -> stowPort.get().addErrorMessage(error));
        }
        String converter = connectorConfigs.get(VALUE_CONVERTER);
        if (converter != null && !converter.equals(BYTE_ARRAY_CONVERTER)) {
            ConfigValue value = new ConfigValue(VALUE_CONVERTER, converter, new ArrayList<>(), new ArrayList<>(List.of(
                    "the task emits Confluent-wire-format Avro bytes; use " + BYTE_ARRAY_CONVERTER)));
            List<ConfigValue> values = new ArrayList<>(config.configValues());
            values.add(value);
            return new Config(values);
        }
        return config;
    }

    /** Why {@code host:port} cannot be listened on, if it cannot. */
    static Optional<String> bindError(String host, int port) {
        if (port == 0) {
            return Optional.empty();
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.of("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (is another SCP or this connector already running there?)");
        }
    }

    private static Optional<ConfigValue> find(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst();
    }
}
