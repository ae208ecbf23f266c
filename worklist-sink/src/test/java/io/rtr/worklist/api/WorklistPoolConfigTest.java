package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class WorklistPoolConfigTest {

    @Test
    void defaultsAnswerQuicklyAndBoundEveryWait() {
        WorklistPoolConfig config = WorklistPoolConfig.defaults();
        assertThat(config.maxSize()).isEqualTo(10);
        assertThat(config.waitTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.validationTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.keepalive()).isEqualTo(Duration.ofMinutes(2));
        Properties driver = config.driverProperties();
        assertThat(driver).containsEntry("connectTimeout", "10").containsEntry("loginTimeout", "10")
                .containsEntry("socketTimeout", "30").containsEntry("tcpKeepAlive", "true")
                .containsEntry("prepareThreshold", "5").containsEntry("ApplicationName", "rtr-worklist-api")
                .doesNotContainKeys("user", "password");
    }

    @Test
    void driverTimeoutsAreRoundedUpToWholeSecondsAndZeroMeansNone() {
        Properties driver = new WorklistPoolConfig(Map.of(
                WorklistPoolConfig.CONNECTION_TIMEOUT_MS_CONFIG, "1500",
                WorklistPoolConfig.CONNECTION_SOCKET_TIMEOUT_MS_CONFIG, "0",
                WorklistPoolConfig.CONNECTION_PREPARE_THRESHOLD_CONFIG, "0")).driverProperties();
        assertThat(driver).containsEntry("connectTimeout", "2").containsEntry("socketTimeout", "0")
                .containsEntry("prepareThreshold", "0");
    }

    @Test
    void rejectsAValidationTimeoutThatIsNotBelowTheWait() {
        assertThatThrownBy(() -> new WorklistPoolConfig(Map.of(
                WorklistPoolConfig.POOL_WAIT_TIMEOUT_MS_CONFIG, "1000",
                WorklistPoolConfig.POOL_VALIDATION_TIMEOUT_MS_CONFIG, "1000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.validation.timeout.ms");
    }

    @Test
    void rejectsWaitsTheDriverOrPoolCannotHonour() {
        assertThatThrownBy(() -> new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_WAIT_TIMEOUT_MS_CONFIG, "100")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.wait.timeout.ms");
        assertThatThrownBy(() -> new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_MAX_SIZE_CONFIG, "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.max.size");
        assertThatThrownBy(() -> new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_KEEPALIVE_MS_CONFIG, "5000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.keepalive.ms");
        assertThatThrownBy(() -> new WorklistPoolConfig(Map.of(
                WorklistPoolConfig.POOL_KEEPALIVE_MS_CONFIG, "60000",
                WorklistPoolConfig.POOL_MAX_LIFETIME_MS_CONFIG, "60000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pool.max.lifetime.ms");
        assertThat(new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_KEEPALIVE_MS_CONFIG, "0")).keepalive())
                .isZero();
    }

    @Test
    void aParameterOfTheUrlWinsOverTheDefaults() {
        PGSimpleDataSource ds = WorklistPool.dataSource("jdbc:postgresql://127.0.0.1:5433/rtr?prepareThreshold=0",
                "rtr", "secret", WorklistPoolConfig.defaults());
        assertThat(ds.getPrepareThreshold()).isZero();
        assertThat(ds.getSocketTimeout()).isEqualTo(30);
        assertThat(ds.getApplicationName()).isEqualTo("rtr-worklist-api");
        assertThat(ds.getUser()).isEqualTo("rtr");
    }

    @Test
    void theCommandLineTakesKeyValueSettingsAfterThePositionalArgumentsAndRejectsUnknownKeys() {
        String[] args = {"jdbc:postgresql://db:5432/rtr", "rtr", "pw", "8080", "0.0.0.0",
                "pool.max.size=20", "pool.wait.timeout.ms = 1500"};
        assertThat(WorklistApi.settings(args, 5))
                .containsExactlyInAnyOrderEntriesOf(Map.of("pool.max.size", "20", "pool.wait.timeout.ms", "1500"));
        assertThatThrownBy(() -> WorklistApi.settings(new String[] {"pool.maxsize=20"}, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pool.maxsize");
        assertThatThrownBy(() -> WorklistApi.settings(new String[] {"20"}, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key=value");
    }
}
