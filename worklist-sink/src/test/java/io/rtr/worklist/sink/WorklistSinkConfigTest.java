package io.rtr.worklist.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class WorklistSinkConfigTest {

    static Map<String, String> minimal() {
        Map<String, String> props = new HashMap<>();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, "jdbc:postgresql://127.0.0.1:5433/rtr");
        props.put(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:8081");
        return props;
    }

    @Test
    void appliesDefaultsToAMinimalConfig() {
        WorklistSinkConfig config = new WorklistSinkConfig(minimal());

        assertThat(config.connectionUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5433/rtr");
        assertThat(config.batchSize()).isEqualTo(WorklistSinkConfig.BATCH_SIZE_DEFAULT);
        assertThat(config.maxRetries()).isEqualTo(WorklistSinkConfig.MAX_RETRIES_DEFAULT);
        assertThat(config.retryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.autoMigrate()).isFalse();
        assertThat(config.connectionProperties().getProperty("user")).isEqualTo("rtr");
    }

    @Test
    void rejectsAMissingConnectionUrl() {
        Map<String, String> props = minimal();
        props.remove(WorklistSinkConfig.CONNECTION_URL_CONFIG);

        assertThatThrownBy(() -> new WorklistSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.CONNECTION_URL_CONFIG);
    }

    @Test
    void rejectsANonPostgresUrl() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.CONNECTION_URL_CONFIG, "jdbc:mysql://localhost/rtr");

        assertThatThrownBy(() -> new WorklistSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("jdbc:postgresql:");
    }

    @Test
    void rejectsAMissingSchemaRegistryUrl() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG, "");

        assertThatThrownBy(() -> new WorklistSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.SCHEMA_REGISTRY_URL_CONFIG);
    }

    @Test
    void rejectsAMaximumBackoffBelowTheFirstBackoff() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MS_CONFIG, "5000");
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");

        assertThatThrownBy(() -> new WorklistSinkConfig(props))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG);
    }

    @Test
    void rejectsAZeroBatchSize() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.BATCH_SIZE_CONFIG, "0");

        assertThatThrownBy(() -> new WorklistSinkConfig(props)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.BATCH_SIZE_CONFIG);
    }

    @Test
    void doublesTheBackoffPerRetryUpToTheMaximum() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(WorklistSinkConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "1000");
        WorklistSinkConfig config = new WorklistSinkConfig(props);

        assertThat(config.backoffBefore(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(config.backoffBefore(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(config.backoffBefore(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(config.backoffBefore(5)).isEqualTo(Duration.ofMillis(1000));
        assertThat(config.backoffBefore(500)).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void passesCredentialsAndTimeoutsToTheDriverButNeverPrintsThePassword() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.CONNECTION_USER_CONFIG, "sink");
        props.put(WorklistSinkConfig.CONNECTION_PASSWORD_CONFIG, "s3cret");
        props.put(WorklistSinkConfig.CONNECTION_TIMEOUT_MS_CONFIG, "2500");
        WorklistSinkConfig config = new WorklistSinkConfig(props);

        Properties driver = config.connectionProperties();
        assertThat(driver.getProperty("user")).isEqualTo("sink");
        assertThat(driver.getProperty("password")).isEqualTo("s3cret");
        assertThat(driver.getProperty("connectTimeout")).isEqualTo("3");
        assertThat(driver.getProperty("logServerErrorDetail")).isEqualTo("false");
        assertThat(config.values().get(WorklistSinkConfig.CONNECTION_PASSWORD_CONFIG)).hasToString("[hidden]");
    }

    @Test
    void documentsEveryKey() {
        assertThat(WorklistSinkConfig.CONFIG_DEF.configKeys().values())
                .allSatisfy(key -> assertThat(key.documentation).isNotBlank());
    }

    @Test
    void purgesArchivedRowsAfterThirtyDaysHourlyInBatchesOfAThousandByDefault() {
        WorklistSinkConfig config = new WorklistSinkConfig(minimal());

        assertThat(config.archiveRetention()).contains(Duration.ofDays(30));
        assertThat(config.archivePurgeInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(config.archivePurgeBatchSize()).isEqualTo(1000);
    }

    @Test
    void minusOneKeepsArchivedRowsForever() {
        Map<String, String> props = minimal();
        props.put(WorklistSinkConfig.ARCHIVE_RETENTION_MS_CONFIG, "-1");

        assertThat(new WorklistSinkConfig(props).archiveRetention()).isEmpty();
    }

    @Test
    void rejectsARetentionBelowMinusOneAndAPurgeIntervalBelowASecond() {
        Map<String, String> retention = minimal();
        retention.put(WorklistSinkConfig.ARCHIVE_RETENTION_MS_CONFIG, "-2");
        Map<String, String> interval = minimal();
        interval.put(WorklistSinkConfig.ARCHIVE_PURGE_INTERVAL_MS_CONFIG, "10");
        Map<String, String> batch = minimal();
        batch.put(WorklistSinkConfig.ARCHIVE_PURGE_BATCH_SIZE_CONFIG, "0");

        assertThatThrownBy(() -> new WorklistSinkConfig(retention))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.ARCHIVE_RETENTION_MS_CONFIG);
        assertThatThrownBy(() -> new WorklistSinkConfig(interval))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.ARCHIVE_PURGE_INTERVAL_MS_CONFIG);
        assertThatThrownBy(() -> new WorklistSinkConfig(batch))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(WorklistSinkConfig.ARCHIVE_PURGE_BATCH_SIZE_CONFIG);
    }
}
