package io.rtr.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class PatientPseudonymizerTest {

    private static final byte[] SECRET = "0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);

    private final PatientPseudonymizer pseudonymizer = new PatientPseudonymizer(SECRET);

    @Test
    void pseudonymIsHmacSha256OfIssuerSeparatorAndId() throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        byte[] expected = mac.doFinal("CLINIC-A\u001fPAT-0001".getBytes(StandardCharsets.UTF_8));

        assertThat(pseudonymizer.pseudonym("CLINIC-A", "PAT-0001"))
                .isEqualTo(HexFormat.of().formatHex(expected))
                .hasSize(64)
                .doesNotContain("PAT");
    }

    @Test
    void samePatientGetsSamePseudonymDespiteDicomPadding() {
        assertThat(pseudonymizer.pseudonym("CLINIC-A ", "PAT-0001 "))
                .isEqualTo(pseudonymizer.pseudonym("CLINIC-A", "PAT-0001"));
    }

    @Test
    void issuerAndIdCannotBeShiftedIntoEachOther() {
        assertThat(pseudonymizer.pseudonym("AB", "C")).isNotEqualTo(pseudonymizer.pseudonym("A", "BC"));
    }

    @Test
    void differentSecretGivesUnlinkablePseudonym() {
        PatientPseudonymizer other = new PatientPseudonymizer("another-secret-of-16+bytes".getBytes(StandardCharsets.UTF_8));
        assertThat(other.pseudonym("CLINIC-A", "PAT-0001"))
                .isNotEqualTo(pseudonymizer.pseudonym("CLINIC-A", "PAT-0001"));
    }

    @Test
    void missingPatientIdHasNoPseudonym() {
        assertThat(pseudonymizer.pseudonym("CLINIC-A", null)).isNull();
        assertThat(pseudonymizer.pseudonym("CLINIC-A", "  ")).isNull();
    }

    @Test
    void rejectsShortSecretNamingTheMinimum() {
        assertThatThrownBy(() -> new PatientPseudonymizer(new byte[8]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8 bytes")
                .hasMessageContaining("at least 16");
    }
}
