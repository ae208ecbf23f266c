package io.rtr.standalone.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.rtr.standalone.Platform;
import io.rtr.standalone.PlatformConfig;
import io.rtr.standalone.kafka.EmbeddedKafka;
import io.rtr.standalone.registry.RegistryClient.Reply;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.rtr.standalone.registry.RegistryClient.schemaBody;
import static io.rtr.standalone.registry.RegistryServiceTest.V1;
import static io.rtr.standalone.registry.RegistryServiceTest.V2;
import static io.rtr.standalone.registry.RegistryServiceTest.V3_INCOMPATIBLE;
import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedSchemaRegistryIT {

    @TempDir
    static Path sharedDir;

    private static EmbeddedKafka kafka;
    private static EmbeddedSchemaRegistry registry;
    private static RegistryClient client;

    /** Each test works in subjects of its own so that none depends on another. */
    private String subject;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.builder(sharedDir.resolve("kafka")).port(0).controllerPort(0).start();
        registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).port(0).start();
        client = new RegistryClient(registry.url());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void newSubject() {
        subject = "it-" + UUID.randomUUID() + "-value";
    }

    @Test
    void registersAndServesASchemaByIdSubjectAndVersion() {
        Reply registered = client.post("/subjects/" + subject + "/versions", schemaBody(V1));

        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.contentType()).isEqualTo(RegistryClient.CONTENT_TYPE);
        int id = registered.body().get("id").asInt();
        String canonical = new Schema.Parser().parse(V1).toString();

        Reply byId = client.get("/schemas/ids/" + id);
        assertThat(byId.status()).isEqualTo(200);
        assertThat(byId.body().get("schema").asText()).isEqualTo(canonical);

        assertThat(client.get("/subjects").body()).extracting(node -> node.toString()).asString().contains(subject);
        assertThat(client.get("/subjects/" + subject + "/versions").body().toString()).isEqualTo("[1]");
        Reply latest = client.get("/subjects/" + subject + "/versions/latest");
        assertThat(latest.body().get("subject").asText()).isEqualTo(subject);
        assertThat(latest.body().get("version").asInt()).isEqualTo(1);
        assertThat(latest.body().get("id").asInt()).isEqualTo(id);
        assertThat(latest.body().get("schema").asText()).isEqualTo(canonical);
        assertThat(client.get("/subjects/" + subject + "/versions/1").body()).isEqualTo(latest.body());
        assertThat(client.get("/schemas/ids/" + id + "/subjects").body().toString()).contains(subject);
    }

    @Test
    void registeringIsIdempotentAndIdsAreGlobal() {
        int first = client.post("/subjects/" + subject + "/versions", schemaBody(V1)).body().get("id").asInt();
        int again = client.post("/subjects/" + subject + "/versions", schemaBody(V1)).body().get("id").asInt();
        int elsewhere = client.post("/subjects/other-" + subject + "/versions", schemaBody(V1))
                .body().get("id").asInt();

        assertThat(again).isEqualTo(first);
        assertThat(elsewhere).isEqualTo(first);
        assertThat(client.get("/subjects/" + subject + "/versions").body().size()).isEqualTo(1);
    }

    @Test
    void acceptsPlainApplicationJson() {
        Reply reply = client.send("POST", "/subjects/" + subject + "/versions",
                "{\"schema\": " + RegistryClient.JSON.valueToTree(V1) + "}", "application/json");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body().has("id")).isTrue();
    }

    @Test
    void looksUpARegisteredSchemaUnderItsSubject() {
        int id = client.post("/subjects/" + subject + "/versions", schemaBody(V1)).body().get("id").asInt();

        Reply found = client.post("/subjects/" + subject, schemaBody(V1));
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body().get("id").asInt()).isEqualTo(id);
        assertThat(found.body().get("version").asInt()).isEqualTo(1);
        assertThat(found.body().get("subject").asText()).isEqualTo(subject);
        assertThat(found.body().has("schema")).isTrue();

        assertError(client.post("/subjects/" + subject, schemaBody(V2)), 404, 40403);
        assertError(client.post("/subjects/missing-" + subject, schemaBody(V1)), 404, 40401);
    }

    @Test
    void checksCompatibilityAgainstAVersion() {
        client.post("/subjects/" + subject + "/versions", schemaBody(V1));

        Reply compatible = client.post("/compatibility/subjects/" + subject + "/versions/latest", schemaBody(V2));
        assertThat(compatible.status()).isEqualTo(200);
        assertThat(compatible.body().get("is_compatible").asBoolean()).isTrue();
        assertThat(compatible.body().get("messages").isArray()).isTrue();

        Reply incompatible = client.post("/compatibility/subjects/" + subject + "/versions/1",
                schemaBody(V3_INCOMPATIBLE));
        assertThat(incompatible.status()).isEqualTo(200);
        assertThat(incompatible.body().get("is_compatible").asBoolean()).isFalse();
        assertThat(incompatible.body().get("messages").toString()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
    }

    @Test
    void refusesAnIncompatibleSchemaUnderBackwardWith409() {
        client.post("/subjects/" + subject + "/versions", schemaBody(V1));

        assertError(client.post("/subjects/" + subject + "/versions", schemaBody(V3_INCOMPATIBLE)), 409, 409);
        assertThat(client.post("/subjects/" + subject + "/versions", schemaBody(V2)).status()).isEqualTo(200);
    }

    @Test
    void subjectLevelNoneLetsAnIncompatibleSchemaIn() {
        assertThat(client.get("/config").body().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        client.post("/subjects/" + subject + "/versions", schemaBody(V1));

        Reply put = client.put("/config/" + subject, Map.of("compatibility", "NONE"));
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body().get("compatibility").asText()).isEqualTo("NONE");
        assertThat(client.get("/config/" + subject).body().get("compatibilityLevel").asText()).isEqualTo("NONE");

        assertThat(client.post("/subjects/" + subject + "/versions", schemaBody(V3_INCOMPATIBLE)).status())
                .isEqualTo(200);
        assertError(client.put("/config/" + subject, Map.of("compatibility", "SIDEWAYS")), 422, 42203);
    }

    @Test
    void servesTheRestOfTheConfluentSubset() {
        String onlyHere = V1.replace("Study", "Study" + UUID.randomUUID().toString().replace("-", ""));
        int id = client.post("/subjects/" + subject + "/versions", schemaBody(onlyHere)).body().get("id").asInt();

        assertThat(client.get("/").status()).isEqualTo(200);
        assertThat(client.get("/schemas/types").body().toString()).isEqualTo("[\"AVRO\"]");
        assertThat(client.get("/subjects/" + subject + "/versions/latest/schema").body())
                .isEqualTo(readJson(onlyHere));
        assertThat(client.get("/schemas/ids/" + id + "/versions").body().toString())
                .isEqualTo("[{\"subject\":\"" + subject + "\",\"version\":1}]");
        Reply fresh = client.post("/compatibility/subjects/new-" + subject + "/versions", schemaBody(V1));
        assertThat(fresh.body().get("is_compatible").asBoolean()).isTrue();

        assertError(client.get("/config/" + subject), 404, 40408);
        assertThat(client.get("/config/" + subject + "?defaultToGlobal=true").body().get("compatibility").asText())
                .isEqualTo("BACKWARD");
        client.put("/config/" + subject, Map.of("compatibility", "FULL_TRANSITIVE"));
        Reply deleted = client.send("DELETE", "/config/" + subject, null, null);
        assertThat(deleted.body().get("compatibilityLevel").asText()).isEqualTo("FULL_TRANSITIVE");
        assertError(client.get("/config/" + subject), 404, 40408);

        assertError(client.send("POST", "/subjects/" + subject + "/versions", "{}", "text/plain"), 415, 415);
        assertError(client.get("/subjects/" + subject + "/versions/0"), 422, 42202);
        assertError(client.get("/subjects/" + subject + "/versions/2"), 404, 40402);
    }

    private static JsonNode readJson(String text) {
        try {
            return RegistryClient.JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void answersMalformedRequestsWithConfluentErrors() {
        assertError(client.post("/subjects/" + subject + "/versions", "{not json"), 422, 42201);
        assertError(client.post("/subjects/" + subject + "/versions", schemaBody("{\"type\":\"recordz\"}")),
                422, 42201);
        assertError(client.post("/subjects/" + subject + "/versions", Map.of("schemaa", V1)), 422, 42201);
        assertError(client.get("/schemas/ids/987654"), 404, 40403);
        assertError(client.get("/subjects/" + subject + "/versions"), 404, 40401);
        assertError(client.get("/no/such/route"), 404, 404);
        assertError(client.send("DELETE", "/subjects", null, null), 405, 405);
    }

    @Test
    void keepsItsStateInACompactedTopicAndRereadsItOnStart() throws Exception {
        int id = client.post("/subjects/" + subject + "/versions", schemaBody(V1)).body().get("id").asInt();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicDescription topic = admin.describeTopics(List.of("_schemas")).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get("_schemas");
            assertThat(topic.partitions()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "_schemas");
            Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
        try (EmbeddedSchemaRegistry second = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers())
                .port(0).topic("_schemas").start()) {
            RegistryClient secondClient = new RegistryClient(second.url());
            assertThat(secondClient.get("/subjects/" + subject + "/versions/1").body().get("id").asInt())
                    .isEqualTo(id);
        }
    }

    @Test
    void aPlatformRestartKeepsSubjectsAndIds(@TempDir Path dataDir) {
        int v1;
        int v2;
        try (Platform platform = Platform.start(PlatformConfig.forTests(dataDir))) {
            RegistryClient first = new RegistryClient(platform.schemaRegistryUrl());
            v1 = first.post("/subjects/kept-value/versions", schemaBody(V1)).body().get("id").asInt();
            v2 = first.post("/subjects/kept-value/versions", schemaBody(V2)).body().get("id").asInt();
        }

        try (Platform platform = Platform.start(PlatformConfig.forTests(dataDir))) {
            RegistryClient second = new RegistryClient(platform.schemaRegistryUrl());
            assertThat(second.get("/subjects/kept-value/versions").body().toString()).isEqualTo("[1,2]");
            assertThat(second.get("/schemas/ids/" + v1).body().get("schema").asText())
                    .isEqualTo(new Schema.Parser().parse(V1).toString());
            assertThat(second.post("/subjects/kept-value", schemaBody(V2)).body().get("id").asInt()).isEqualTo(v2);
            assertThat(second.post("/subjects/again-value/versions", schemaBody(V1)).body().get("id").asInt())
                    .isEqualTo(v1);
        }
    }

    private static void assertError(Reply reply, int status, int errorCode) {
        assertThat(reply.status()).as("HTTP status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.contentType()).isEqualTo(RegistryClient.CONTENT_TYPE);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(errorCode);
        assertThat(reply.body().get("message").asText()).isNotBlank();
    }
}
