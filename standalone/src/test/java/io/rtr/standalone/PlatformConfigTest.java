package io.rtr.standalone;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlatformConfigTest {

    @Test
    void defaultsAreTheDocumentedDemoEndpoints() {
        PlatformConfig config = PlatformConfig.defaults();

        assertThat(config.dataDir()).isEqualTo(Path.of("rtr-data"));
        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.kafkaPort()).isEqualTo(9092);
        assertThat(config.registryPort()).isEqualTo(8081);
        assertThat(config.postgresPort()).isEqualTo(5433);
    }

    @Test
    void forTestsTakesFreePortsEverywhere() {
        PlatformConfig config = PlatformConfig.forTests(Path.of("/tmp/x"));

        assertThat(config.kafkaPort()).isZero();
        assertThat(config.kafkaControllerPort()).isZero();
        assertThat(config.registryPort()).isZero();
        assertThat(config.postgresPort()).isZero();
    }

    @Test
    void givesEachComponentItsOwnFolder() {
        PlatformConfig config = PlatformConfig.forTests(Path.of("data"));

        assertThat(config.kafkaDir()).isEqualTo(Path.of("data", "kafka"));
        assertThat(config.postgresDir()).isEqualTo(Path.of("data", "postgres"));
        assertThat(config.blobsDir()).isEqualTo(Path.of("data", "blobs"));
        assertThat(config.spoolDir()).isEqualTo(Path.of("data", "spool"));
    }

    @Test
    void rejectsTheSamePortTwice() {
        assertThatThrownBy(() -> PlatformConfig.defaults().withRegistryPort(9092))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("registryPort")
                .hasMessageContaining("kafkaPort");
    }

    @Test
    void rejectsPortsOutOfRange() {
        assertThatThrownBy(() -> PlatformConfig.defaults().withPostgresPort(70000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postgresPort");
    }
}
