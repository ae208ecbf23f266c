package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestsTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"rad-0042", "rad_1", "Dr.Smith", "a"})
    void acceptsRadiologistIdsThatAreAlsoRoleNames(String id) {
        assertThat(Requests.radiologistId(id)).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "rad 42", "rad\"; DROP ROLE x", "<script>", "r/ad", "ädmin"})
    void rejectsRadiologistIdsWithOtherCharacters(String id) {
        assertThatThrownBy(() -> Requests.radiologistId(id))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_radiologist_id");
                });
    }

    @Test
    void rejectsARadiologistIdLongerThanARoleName() {
        assertThatThrownBy(() -> Requests.radiologistId("r".repeat(64))).isInstanceOf(ApiException.class);
        assertThat(Requests.radiologistId("r".repeat(63))).hasSize(63);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.840.10008.1", "2.25.329800735698586629295641978511506172918", "0"})
    void acceptsDicomUids(String uid) {
        assertThat(Requests.studyInstanceUid(uid)).isEqualTo(uid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1..2", "1.02", ".1", "1.", "abc", "1.2.3 ", "1.2.840;x"})
    void rejectsMalformedUids(String uid) {
        assertThatThrownBy(() -> Requests.studyInstanceUid(uid))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_study_uid"));
    }

    @Test
    void rejectsAUidLongerThan64Characters() {
        String uid = "1." + "2".repeat(63);
        assertThatThrownBy(() -> Requests.studyInstanceUid(uid)).isInstanceOf(ApiException.class);
    }

    @Test
    void anEmptyBodyHasNoComment() {
        assertThat(Requests.actionComment(null, mapper)).isNull();
        assertThat(Requests.actionComment("  ", mapper)).isNull();
        assertThat(Requests.actionComment("{}", mapper)).isNull();
    }

    @Test
    void readsTheComment() {
        assertThat(Requests.actionComment("{\"comment\": \"second look\"}", mapper)).isEqualTo("second look");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "[1]", "\"text\"", "null", "{\"comment\": 3, \"x\": 1}", "{\"unknown\": true}"})
    void rejectsBodiesThatAreNotTheActionObject(String body) {
        assertThatThrownBy(() -> Requests.actionComment(body, mapper))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("malformed_body");
                });
    }

    @Test
    void rejectsACommentLongerThanTheColumnAllows() {
        String body = "{\"comment\": \"" + "x".repeat(2001) + "\"}";
        assertThatThrownBy(() -> Requests.actionComment(body, mapper))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("comment_too_long"));
    }

    @Test
    void errorsSerialiseAsErrorAndMessage() throws Exception {
        String json = mapper.writeValueAsString(ApiException.conflict("already_claimed", "taken").body());
        assertThat(json).isEqualTo("{\"error\":\"already_claimed\",\"message\":\"taken\"}");
    }
}
