package io.rtr.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.schemas.serde.AvroSerde;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RestSchemaRegistryClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = InstanceReceived.getClassSchema();

    private FakeRegistryServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeRegistryServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private RestSchemaRegistryClient client(int maxRetries, String... urls) {
        List<URI> uris = Arrays.stream(urls).map(URI::create).toList();
        return new RestSchemaRegistryClient(uris, Duration.ofSeconds(2), Duration.ofSeconds(5), maxRetries,
                Duration.ofMillis(1));
    }

    private RestSchemaRegistryClient client() {
        return client(0, server.url());
    }

    @Test
    void registerPostsTheSchemaToSubjectVersionsAsRegistryJson() throws Exception {
        int id = client().register("rtr.instances-value", SCHEMA);

        assertThat(id).isEqualTo(1);
        FakeRegistryServer.Request request = server.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.rawPath()).isEqualTo("/subjects/rtr.instances-value/versions");
        assertThat(request.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(request.accept()).startsWith("application/vnd.schemaregistry.v1+json");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.size()).isEqualTo(1);
        assertThat(new Schema.Parser().parse(body.get("schema").asText())).isEqualTo(SCHEMA);
    }

    @Test
    void registerAnswersFromCacheTheSecondTime() {
        RestSchemaRegistryClient client = client();

        client.register("rtr.instances-value", SCHEMA);
        client.register("rtr.instances-value", SCHEMA);

        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void getSchemaByIdGetsSchemasIdsPathOnceAndParsesTheSchema() {
        int id = client().register("rtr.instances-value", SCHEMA);
        RestSchemaRegistryClient other = client();

        Schema fetched = other.getSchemaById(id);
        other.getSchemaById(id);

        assertThat(fetched).isEqualTo(SCHEMA);
        assertThat(server.requests()).hasSize(2);
        assertThat(server.requests().get(1).method()).isEqualTo("GET");
        assertThat(server.requests().get(1).rawPath()).isEqualTo("/schemas/ids/" + id);
    }

    @Test
    void getIdPostsToTheSubjectAndCachesTheAnswer() {
        int id = client().register("rtr.instances-value", SCHEMA);
        RestSchemaRegistryClient other = client();

        assertThat(other.getId("rtr.instances-value", SCHEMA)).isEqualTo(id);
        assertThat(other.getId("rtr.instances-value", SCHEMA)).isEqualTo(id);

        assertThat(server.requests()).hasSize(2);
        assertThat(server.requests().get(1).method()).isEqualTo("POST");
        assertThat(server.requests().get(1).rawPath()).isEqualTo("/subjects/rtr.instances-value");
    }

    @Test
    void getIdOfUnregisteredSchemaIsANotFoundErrorWithTheConfluentErrorCode() {
        RestSchemaRegistryClient client = client();
        client.register("rtr.scores-value", StudyScored.getClassSchema());

        assertThatThrownBy(() -> client.getId("rtr.scores-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SCHEMA_NOT_FOUND);
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.isRetriable()).isFalse();
                });
        assertThatThrownBy(() -> client.getId("rtr.nothing-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.SUBJECT_NOT_FOUND));
    }

    @Test
    void errorJsonIsParsedIntoHttpStatusErrorCodeAndMessage() {
        assertThatThrownBy(() -> client().getSchemaById(999))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.getMessage()).contains("GET", "/schemas/ids/999", "HTTP 404", "error_code 40403",
                            "Schema 999 not found");
                });
    }

    @Test
    void testCompatibilityPostsToLatestVersionAndReadsIsCompatible() {
        RestSchemaRegistryClient client = client();
        client.register("rtr.instances-value", SCHEMA);
        Schema breaking = new Schema.Parser().parse(SCHEMA.toString().replace(
                "\"fields\":[", "\"fields\":[{\"name\":\"site\",\"type\":\"string\"},"));

        assertThat(client.testCompatibility("rtr.instances-value", SCHEMA)).isTrue();
        assertThat(client.testCompatibility("rtr.instances-value", breaking)).isFalse();
        assertThat(server.requests().get(1).rawPath())
                .isEqualTo("/compatibility/subjects/rtr.instances-value/versions/latest");
        assertThat(server.requests().get(1).contentType()).isEqualTo(RestSchemaRegistryClient.CONTENT_TYPE);
    }

    @Test
    void testCompatibilityOfSubjectWithoutVersionsIsTrue() {
        assertThat(client().testCompatibility("rtr.new-value", SCHEMA)).isTrue();
    }

    @Test
    void serdeMakesOneHttpCallForRepeatedSerializeAndDeserialize() {
        AvroSerde<InstanceReceived> serde = new AvroSerde<>(InstanceReceived.class);
        serde.configure(AvroSerdeConfig.forRegistryUrl(server.url()), false);
        InstanceReceived record = SampleEvents.instanceReceived("1.2.3.4");

        byte[] first = serde.serializer().serialize("rtr.instances", record);
        byte[] second = serde.serializer().serialize("rtr.instances", record);
        assertThat(serde.deserializer().deserialize("rtr.instances", first)).isEqualTo(record);
        assertThat(serde.deserializer().deserialize("rtr.instances", second)).isEqualTo(record);

        assertThat(server.requests()).hasSize(1);
        assertThat(server.requests().get(0).rawPath()).isEqualTo("/subjects/rtr.instances-value/versions");
    }

    @Test
    void deserializerInAnotherProcessFetchesTheWriterSchemaOnce() {
        byte[] bytes = new AvroSerializer<InstanceReceived>(client())
                .serialize("rtr.instances", SampleEvents.instanceReceived("1.2.3.4"));
        AvroDeserializer<InstanceReceived> deserializer = new AvroDeserializer<>(InstanceReceived.class);
        deserializer.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, server.url()), false);

        deserializer.deserialize("rtr.instances", bytes);
        deserializer.deserialize("rtr.instances", bytes);

        assertThat(server.requests()).extracting(FakeRegistryServer.Request::rawPath)
                .containsExactly("/subjects/rtr.instances-value/versions", "/schemas/ids/1");
    }

    @Test
    void unknownSchemaIdThroughTheDeserializerNamesTopicAndErrorCode() {
        AvroDeserializer<InstanceReceived> deserializer = new AvroDeserializer<>(InstanceReceived.class, client());

        assertThatThrownBy(() -> deserializer.deserialize("rtr.instances", 2, 17L, new byte[] {0, 0, 0, 0, 42, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("topic rtr.instances partition 2 offset 17")
                .hasMessageContaining("unknown schema id 42")
                .hasMessageContaining("error_code 40403")
                .hasCauseInstanceOf(SchemaRegistryException.class);
    }

    @Test
    void serverErrorIsRetriableAndRetriedABoundedNumberOfTimes() {
        server.answerEverything(500, "{\"error_code\": 50001, \"message\": \"Error in the backend data store\"}");

        assertThatThrownBy(() -> client(2, server.url()).register("rtr.instances-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(500);
                    assertThat(e.errorCode()).isEqualTo(50001);
                    assertThat(e.isRetriable()).isTrue();
                });
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void clientErrorIsPermanentAndNotRetried() {
        server.answerEverything(422, "{\"error_code\": 42201, \"message\": \"Invalid schema\"}");

        assertThatThrownBy(() -> client(2, server.url()).register("rtr.instances-value", SCHEMA))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INVALID_SCHEMA);
                    assertThat(e.isRetriable()).isFalse();
                });
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void errorBodyThatIsNotJsonKeepsItsText() {
        server.answerEverything(502, "<html>Bad Gateway</html>");

        assertThatThrownBy(() -> client().getSchemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(502);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.NO_ERROR_CODE);
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.getMessage()).contains("<html>Bad Gateway</html>");
                });
    }

    @Test
    void unreachableUrlIsSkippedAndTheReachableOneIsPreferredAfterwards() throws Exception {
        String dead = "http://127.0.0.1:" + freePort();
        RestSchemaRegistryClient client = client(0, dead, server.url());

        assertThat(client.register("rtr.instances-value", SCHEMA)).isEqualTo(1);
        assertThat(client.getSchemaById(1)).isEqualTo(SCHEMA);
        assertThat(client.testCompatibility("rtr.instances-value", SCHEMA)).isTrue();

        assertThat(server.requests()).hasSize(2);
    }

    @Test
    void noReachableUrlIsARetriableErrorWithoutHttpStatusNamingEveryUrl() throws Exception {
        String dead = "http://127.0.0.1:" + freePort();

        assertThatThrownBy(() -> client(0, dead).getSchemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(SchemaRegistryException.NO_HTTP_STATUS);
                    assertThat(e.isRetriable()).isTrue();
                    assertThat(e.getMessage()).contains(dead + "/schemas/ids/1");
                    assertThat(e.getCause()).isInstanceOf(IOException.class);
                });
    }

    @Test
    void subjectIsPercentEncodedInThePath() {
        client().register("odd subject/name", SCHEMA);

        assertThat(server.requests().get(0).rawPath()).isEqualTo("/subjects/odd%20subject%2Fname/versions");
    }

    @Test
    void answerThatIsNotAnAvroSchemaIsAPermanentError() {
        server.answerEverything(200, "{\"schema\": \"{\\\"type\\\": \\\"nonsense\\\"}\"}");

        assertThatThrownBy(() -> client().getSchemaById(5))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.isRetriable()).isFalse();
                    assertThat(e.getMessage()).contains("schema id 5 is not a valid Avro schema");
                });
    }

    @Test
    void commaSeparatedUrlsAreParsedInOrderIgnoringBlanksAndTrailingSlashes() {
        RestSchemaRegistryClient client = new RestSchemaRegistryClient(" http://a:8081/ , ,http://b:8081");

        assertThat(client.baseUrls()).containsExactly("http://a:8081", "http://b:8081");
        assertThatThrownBy(() -> new RestSchemaRegistryClient(" , "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RestSchemaRegistryClient("ftp://a:8081"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static int freePort() throws Exception {
        // Bound then released: nothing listens there, so connecting is refused at once.
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
