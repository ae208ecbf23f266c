package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.Topics;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DicomSourceConfigTest {

    @TempDir
    Path dir;

    static Map<String, String> minimal(Path dir) {
        Map<String, String> props = new HashMap<>();
        props.put(DicomSourceConfig.SPOOL_DIR_CONFIG, dir.resolve("spool").toString());
        props.put(DicomSourceConfig.BLOB_DIR_CONFIG, dir.resolve("blobs").toString());
        props.put(DicomSourceConfig.PSEUDONYM_SECRET_CONFIG, "0123456789abcdef-test-secret");
        props.put("schema.registry.url", "http://127.0.0.1:1");
        return props;
    }

    @Test
    void defaultsMatchTheDemoEndpoints() {
        DicomSourceConfig config = new DicomSourceConfig(minimal(dir));

        DicomScp.Settings scp = config.scpSettings();
        assertThat(scp.host()).isEqualTo("127.0.0.1");
        assertThat(scp.port()).isEqualTo(11112);
        assertThat(scp.aeTitle()).isEqualTo("RTR");
        assertThat(scp.allowedCallingAes()).isEmpty();
        assertThat(config.topic()).isEqualTo(Topics.INSTANCES.name());
        assertThat(config.rejectedTopic()).isEqualTo(Topics.INSTANCES_REJECTED.name());
    }

    @Test
    void parsesAllowListAndClinicMapping() {
        Map<String, String> props = minimal(dir);
        props.put(DicomSourceConfig.DICOM_CALLING_AE_ALLOWLIST_CONFIG, "MAMMO1, MAMMO2");
        props.put(DicomSourceConfig.DICOM_CLINIC_BY_CALLING_AE_CONFIG, "MAMMO1=north,MAMMO2=south");

        DicomSourceConfig config = new DicomSourceConfig(props);

        assertThat(config.scpSettings().allowedCallingAes()).containsExactlyInAnyOrder("MAMMO1", "MAMMO2");
        assertThat(config.clinicByCallingAe()).containsEntry("MAMMO1", "north").containsEntry("MAMMO2", "south");
    }

    @Test
    void rejectsShortPseudonymSecretWithoutEchoingIt() {
        Map<String, String> props = minimal(dir);
        props.put(DicomSourceConfig.PSEUDONYM_SECRET_CONFIG, "short-secret");

        assertThatThrownBy(() -> new DicomSourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(DicomSourceConfig.PSEUDONYM_SECRET_CONFIG).hasMessageNotContaining("short-secret");
    }

    @Test
    void rejectsInvalidAeTitlesPortsAndClinicPairs() {
        assertInvalid(DicomSourceConfig.DICOM_AE_TITLE_CONFIG, "MUCH-TOO-LONG-AE-TITLE");
        assertInvalid(DicomSourceConfig.DICOM_AE_TITLE_CONFIG, "BACK\\SLASH");
        assertInvalid(DicomSourceConfig.DICOM_PORT_CONFIG, "70000");
        assertInvalid(DicomSourceConfig.DICOM_CLINIC_BY_CALLING_AE_CONFIG, "MAMMO1");
        assertInvalid(DicomSourceConfig.DICOM_MAX_ASSOCIATIONS_CONFIG, "0");
    }

    @Test
    void requiresSpoolBlobsSecretAndRegistry() {
        for (String key : List.of(DicomSourceConfig.SPOOL_DIR_CONFIG, DicomSourceConfig.BLOB_DIR_CONFIG,
                DicomSourceConfig.PSEUDONYM_SECRET_CONFIG, "schema.registry.url")) {
            Map<String, String> props = minimal(dir);
            props.remove(key);
            assertThatThrownBy(() -> new DicomSourceConfig(props)).as(key).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key);
        }
    }

    @Test
    void rejectsBlobStoreInsideTheSpool() {
        Map<String, String> props = minimal(dir);
        props.put(DicomSourceConfig.BLOB_DIR_CONFIG, dir.resolve("spool").resolve("blobs").toString());

        assertThatThrownBy(() -> new DicomSourceConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(DicomSourceConfig.BLOB_DIR_CONFIG);
    }

    @Test
    void everyKeyHasDocumentationAndAGroup() {
        DicomSourceConfig.CONFIG_DEF.configKeys().values().forEach(key -> {
            assertThat(key.documentation).as(key.name).isNotBlank();
            assertThat(key.group).as(key.name).isNotBlank();
        });
    }

    @Test
    void validateReportsAPortThatCannotBeBoundOnThePortKey() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Map<String, String> props = minimal(dir);
            props.put(DicomSourceConfig.DICOM_PORT_CONFIG, Integer.toString(taken.getLocalPort()));

            Config result = new DicomSourceConnector().validate(props);

            assertThat(value(result, DicomSourceConfig.DICOM_PORT_CONFIG).errorMessages()).singleElement()
                    .asString().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertThat(value(result, DicomSourceConfig.DICOM_HOST_CONFIG).errorMessages()).isEmpty();
        }
    }

    @Test
    void validateReportsATakenStowPortOnlyWhileStowIsEnabled() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Map<String, String> props = minimal(dir);
            props.put(DicomSourceConfig.DICOM_PORT_CONFIG, "0");
            props.put(DicomSourceConfig.STOW_PORT_CONFIG, Integer.toString(taken.getLocalPort()));

            Config enabled = new DicomSourceConnector().validate(props);
            props.put(DicomSourceConfig.STOW_ENABLED_CONFIG, "false");
            Config disabled = new DicomSourceConnector().validate(props);

            assertThat(value(enabled, DicomSourceConfig.STOW_PORT_CONFIG).errorMessages()).singleElement()
                    .asString().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertThat(value(disabled, DicomSourceConfig.STOW_PORT_CONFIG).errorMessages()).isEmpty();
        }
    }

    @Test
    void stowDefaultsStayClearOfTheDemoAndConnectPorts() {
        DicomSourceConfig config = new DicomSourceConfig(minimal(dir));

        assertThat(config.stowEnabled()).isTrue();
        assertThat(config.stowHost()).isEqualTo("127.0.0.1");
        assertThat(config.stowPort()).isEqualTo(8090).isNotIn(8080, 8081, 8083);
    }

    @Test
    void validateAcceptsAFreePortAndFlagsAWrongValueConverter() {
        Map<String, String> props = minimal(dir);
        props.put(DicomSourceConfig.DICOM_PORT_CONFIG, "0");
        props.put(DicomSourceConnector.VALUE_CONVERTER, "org.apache.kafka.connect.json.JsonConverter");

        Config result = new DicomSourceConnector().validate(props);

        assertThat(value(result, DicomSourceConfig.DICOM_PORT_CONFIG).errorMessages()).isEmpty();
        assertThat(value(result, DicomSourceConnector.VALUE_CONVERTER).errorMessages()).singleElement()
                .asString().contains("ByteArrayConverter");
    }

    private void assertInvalid(String key, String value) {
        Map<String, String> props = minimal(dir);
        props.put(key, value);
        assertThatThrownBy(() -> new DicomSourceConfig(props)).as(key + "=" + value)
                .isInstanceOf(ConfigException.class).hasMessageContaining(key);
        assertThat(value(new DicomSourceConnector().validate(props), key).errorMessages()).as(key).isNotEmpty();
    }

    private static ConfigValue value(Config config, String name) {
        return config.configValues().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }
}
