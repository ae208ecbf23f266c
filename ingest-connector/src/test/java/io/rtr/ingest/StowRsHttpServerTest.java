package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.registry.InMemorySchemaRegistryClient;
import io.rtr.schemas.serde.AvroDeserializer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** STOW-RS through the Connect task's own HTTP host, with the JDK client on 127.0.0.1. */
class StowRsHttpServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroDeserializer<InstanceReceived> instances = new AvroDeserializer<>(InstanceReceived.class, registry);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private DicomSourceTask task;

    @BeforeEach
    void startTask() {
        Map<String, String> props = DicomSourceConfigTest.minimal(dir);
        props.put(DicomSourceConfig.SPOOL_MIN_FREE_BYTES_CONFIG, "0");
        props.put(DicomSourceConfig.DICOM_PORT_CONFIG, "0");
        props.put(DicomSourceConfig.STOW_PORT_CONFIG, "0");
        props.put(DicomSourceConfig.POLL_WAIT_MS_CONFIG, "50");
        task = new DicomSourceTask(registry);
        task.start(props);
    }

    @AfterEach
    void stopTask() {
        task.stop();
    }

    @Test
    void storesAStudyOverHttpAndEmitsOneStowEventPerInstanceWithAMatchingBlob() throws Exception {
        String study = TestDicom.newUid();
        String series = TestDicom.newUid();
        List<String> sops = List.of(TestDicom.newUid(), TestDicom.newUid(), TestDicom.newUid());
        Multipart body = new Multipart();
        for (String sop : sops) {
            body.dicom(TestDicom.writeMammogram(dir, study, series, sop, "L", "CC", 32));
        }

        HttpResponse<String> response = post("/dicomweb/studies/" + study, Multipart.CONTENT_TYPE, body.close());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/dicom+json");
        JsonNode referenced = JSON.readTree(response.body()).get("00081199").get("Value");
        assertThat(referenced).hasSize(3);
        List<InstanceReceived> events = pollUntil(3);
        assertThat(events).extracting(InstanceReceived::getSopInstanceUid).containsExactlyInAnyOrderElementsOf(sops);
        for (InstanceReceived event : events) {
            assertThat(event.getSource()).isEqualTo(IngestSource.STOW_RS);
            assertThat(event.getStudyInstanceUid()).isEqualTo(study);
            assertThat(event.getCallingAeTitle()).isNull();
            assertThat(BlobStore.sha256(Paths.get(URI.create(event.getBlobUri())))).isEqualTo(event.getSha256());
        }
    }

    @Test
    void answersJsonErrorsForWrongMethodPathAndMediaType() throws Exception {
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(uri("/dicomweb/studies")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unknown = post("/dicomweb/studies/1.2.3/series", Multipart.CONTENT_TYPE, new byte[0]);
        // Large enough that an unread body would make TCP reset the connection before the answer arrives.
        HttpResponse<String> wrongType = post("/dicomweb/studies", "application/dicom", new byte[4 * 1024 * 1024]);

        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(wrongType.statusCode()).isEqualTo(415);
        for (HttpResponse<String> r : List.of(get, unknown, wrongType)) {
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(JSON.readTree(r.body()).get("error").asText()).isNotBlank();
        }
    }

    private HttpResponse<String> post(String path, String contentType, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .header("Accept", "application/dicom+json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + task.stowPort() + path);
    }

    private List<InstanceReceived> pollUntil(int count) {
        List<SourceRecord> all = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<SourceRecord> batch = task.poll();
            if (batch != null) {
                all.addAll(batch);
            }
            return all.size() >= count;
        });
        assertThat(all).hasSize(count);
        return all.stream().map(r -> instances.deserialize(r.topic(), (byte[]) r.value())).toList();
    }
}
