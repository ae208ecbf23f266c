package io.rtr.standalone.registry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistryServiceTest {

    static final String V1 = "{\"type\":\"record\",\"name\":\"Study\",\"namespace\":\"io.rtr\","
            + "\"fields\":[{\"name\":\"uid\",\"type\":\"string\"}]}";
    /** V1 plus a field with a default: backward and forward compatible. */
    static final String V2 = "{\"type\":\"record\",\"name\":\"Study\",\"namespace\":\"io.rtr\","
            + "\"fields\":[{\"name\":\"uid\",\"type\":\"string\"},"
            + "{\"name\":\"views\",\"type\":\"int\",\"default\":0}]}";
    /** V1 plus a field without a default: a V3 reader cannot read V1 data. */
    static final String V3_INCOMPATIBLE = "{\"type\":\"record\",\"name\":\"Study\",\"namespace\":\"io.rtr\","
            + "\"fields\":[{\"name\":\"uid\",\"type\":\"string\"},{\"name\":\"accession\",\"type\":\"string\"}]}";

    private final InMemorySchemaLog log = new InMemorySchemaLog();
    private final RegistryService service = new RegistryService(log);

    @Test
    void registeringTheSameSchemaTwiceReturnsTheSameIdAndOneVersion() {
        int first = service.register("s-value", V1);
        int second = service.register("s-value", V1.replace(",", " , "));

        assertThat(second).isEqualTo(first).isEqualTo(1);
        assertThat(service.versions("s-value")).containsExactly(1);
        assertThat(log.records).hasSize(1);
    }

    @Test
    void theSameSchemaHasTheSameIdInEverySubject() {
        int inA = service.register("a-value", V1);
        int other = service.register("a-value", V2);
        int inB = service.register("b-value", V1);

        assertThat(inB).isEqualTo(inA);
        assertThat(other).isNotEqualTo(inA);
        assertThat(service.usages(inA)).extracting(RegistryService.SubjectVersion::subject)
                .containsExactly("a-value", "b-value");
    }

    @Test
    void refusesABackwardIncompatibleSchemaWith409() {
        service.register("s-value", V1);

        assertThatThrownBy(() -> service.register("s-value", V3_INCOMPATIBLE))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
                });
        assertThat(service.versions("s-value")).containsExactly(1);
    }

    @Test
    void acceptsTheIncompatibleSchemaWhenTheSubjectLevelIsNone() {
        service.register("s-value", V1);
        service.setLevel("s-value", CompatibilityLevel.NONE);

        assertThat(service.register("s-value", V3_INCOMPATIBLE)).isEqualTo(2);
        assertThat(service.globalLevel()).isEqualTo(CompatibilityLevel.BACKWARD);
    }

    @Test
    void forwardLevelChecksTheOtherDirection() {
        service.setLevel(null, CompatibilityLevel.FORWARD);
        service.register("s-value", V3_INCOMPATIBLE);

        // Version 1 readers need "accession", which V1-shaped data lacks: not forward compatible.
        assertThat(service.checkCompatibility("s-value", "latest", V1)).isNotEmpty();
        assertThat(service.checkCompatibility("s-value", null, V3_INCOMPATIBLE)).isEmpty();
    }

    @Test
    void rebuildsEverythingFromTheLog() {
        service.register("a-value", V1);
        service.register("a-value", V2);
        service.register("b-value", V2);
        service.setLevel("b-value", CompatibilityLevel.FULL);

        RegistryService restarted = new RegistryService(log);

        assertThat(restarted.subjects()).containsExactly("a-value", "b-value");
        assertThat(restarted.version("a-value", "latest").id()).isEqualTo(2);
        assertThat(restarted.version("b-value", "1").id()).isEqualTo(2);
        assertThat(restarted.subjectLevel("b-value")).contains(CompatibilityLevel.FULL);
        assertThat(restarted.register("c-value", V1)).isEqualTo(1);
        assertThat(restarted.register("c-value", V2.replace("views", "series"))).isEqualTo(3);
    }

    @Test
    void answersNotFoundWithConfluentCodes() {
        service.register("s-value", V1);

        assertThatThrownBy(() -> service.versions("nope")).extracting("errorCode").isEqualTo(40401);
        assertThatThrownBy(() -> service.version("s-value", "7")).extracting("errorCode").isEqualTo(40402);
        assertThatThrownBy(() -> service.version("s-value", "x")).extracting("errorCode").isEqualTo(42202);
        assertThatThrownBy(() -> service.schema(99)).extracting("errorCode").isEqualTo(40403);
        assertThatThrownBy(() -> service.lookup("s-value", V2)).extracting("errorCode").isEqualTo(40403);
        assertThatThrownBy(() -> service.register("s-value", "{\"type\":\"nonsense\"}"))
                .extracting("errorCode").isEqualTo(42201);
    }

    @Test
    void aFailedWriteChangesNothing() {
        log.failWrites = true;

        assertThatThrownBy(() -> service.register("s-value", V1))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(500));
        assertThat(service.subjects()).isEmpty();
    }

    @Test
    void decodesPercentEncodedPathSegmentsOneByOne() {
        assertThat(RegistryHttpHandler.segments("/subjects/a%2Fb+c/versions"))
                .containsExactly("subjects", "a/b+c", "versions");
    }
}
