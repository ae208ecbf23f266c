package io.rtr.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.ConfigProto;

class InferenceWorkerConfigTest {

    @TempDir
    Path dir;

    private static Map<String, Object> minimal() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "127.0.0.1:9092");
        props.put("schema.registry.url", "http://127.0.0.1:8081");
        return props;
    }

    @Test
    void minimalSettingsGiveTheDocumentedDefaults() {
        InferenceWorkerConfig config = new InferenceWorkerConfig(minimal());
        assertThat(config.groupId()).isEqualTo("rtr-inference");
        assertThat(config.batchMaxSize()).isEqualTo(16);
        assertThat(config.batchMaxWaitMs()).isEqualTo(20);
        assertThat(config.decodeThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.modelDir()).isNull();
        assertThat(config.blobRoot()).isNull();
        assertThat(config.device()).isEqualTo(InferenceWorkerConfig.Device.AUTO);
        ConfigProto session = config.sessionConfig();
        assertThat(session.getGpuOptions().getAllowGrowth()).isTrue();
        assertThat(session.getDeviceCountMap()).doesNotContainKey("GPU");
    }

    @Test
    void transactionalIdIsStablePerGroupAndInstance() {
        Map<String, Object> props = minimal();
        props.put("group.id", "g1");
        props.put("worker.instance.id", "w7");
        assertThat(new InferenceWorkerConfig(props).transactionalId()).isEqualTo("rtr-inference-g1-w7");
    }

    @Test
    void requiresBootstrapServers() {
        Map<String, Object> props = minimal();
        props.remove("bootstrap.servers");
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bootstrap.servers");
    }

    @Test
    void requiresARegistryUrlOrClient() {
        Map<String, Object> props = minimal();
        props.remove("schema.registry.url");
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        props.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, new InMemorySchemaRegistryClient());
        assertThat(new InferenceWorkerConfig(props).serdeConfig())
                .containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG);
    }

    @Test
    void rejectsOutOfRangeBatchingAndThreads() {
        for (String[] bad : new String[][] {{"batch.max.size", "0"}, {"batch.max.wait.ms", "-1"},
                {"decode.threads", "0"}}) {
            Map<String, Object> props = minimal();
            props.put(bad[0], bad[1]);
            assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(bad[0]);
        }
    }

    @Test
    void rejectsAnUnknownDeviceAndBadGpuList() {
        Map<String, Object> props = minimal();
        props.put("tf.device", "tpu");
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tf.device");
        props.put("tf.device", "gpu");
        props.put("tf.gpu.visible.devices", "first");
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tf.gpu.visible.devices");
    }

    @Test
    void rejectsGpusNamedWhileTheCpuIsForced() {
        Map<String, Object> props = minimal();
        props.put("tf.device", "CPU");
        props.put("tf.gpu.visible.devices", "0");
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("tf.gpu.visible.devices")
                .hasMessageContaining("tf.device=cpu");
    }

    @Test
    void gpuSettingsReachTheSessionConfig() {
        Map<String, Object> props = minimal();
        props.put("tf.device", "cpu");
        assertThat(new InferenceWorkerConfig(props).sessionConfig().getDeviceCountMap()).containsEntry("GPU", 0);
        props.put("tf.device", "gpu");
        props.put("tf.gpu.visible.devices", "1, 2");
        props.put("tf.gpu.memory.growth", "false");
        props.put("tf.intra.op.threads", "2");
        ConfigProto session = new InferenceWorkerConfig(props).sessionConfig();
        assertThat(session.getGpuOptions().getVisibleDeviceList()).isEqualTo("1,2");
        assertThat(session.getGpuOptions().getAllowGrowth()).isFalse();
        assertThat(session.getIntraOpParallelismThreads()).isEqualTo(2);
    }

    @Test
    void rejectsAModelDirThatIsNotADirectory() {
        Map<String, Object> props = minimal();
        props.put("model.dir", dir.resolve("nope").toString());
        assertThatThrownBy(() -> new InferenceWorkerConfig(props))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model.dir");
    }

    @Test
    void clientOverridesCannotTurnOffExactlyOnce() {
        Map<String, Object> props = minimal();
        props.put("consumer.isolation.level", "read_uncommitted");
        props.put("consumer.enable.auto.commit", "true");
        props.put("consumer.session.timeout.ms", "7000");
        props.put("producer.transactional.id", "mine");
        props.put("producer.linger.ms", "5");
        InferenceWorkerConfig config = new InferenceWorkerConfig(props);
        Map<String, Object> consumer = InferenceWorker.consumerConfig(config);
        assertThat(consumer).containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "7000");
        Map<String, Object> producer = InferenceWorker.producerConfig(config);
        assertThat(producer).containsEntry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId())
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "5");
    }
}
