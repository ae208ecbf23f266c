package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleSetLoaderTest {

    @TempDir
    Path dir;

    @Test
    void defaultScreeningMammographyRulesLoadInFileOrder() {
        assertThat(RuleSetLoader.loadDefault().ruleIds()).containsExactly("mg-modality", "mg-sop-class",
                "original-primary", "for-presentation", "standard-views", "laterality-left-right",
                "no-breast-implant", "screening-age", "validated-devices", "breast-body-part");
    }

    @Test
    void invalidRulesFileStopsStartUpNamingTheRuleAndTheField() throws IOException {
        Path file = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - id: mg-modality
                    type: modality
                    allow: [MG]
                  - id: screening-age
                    type: patient-age
                    min: forty
                    max: 74
                """);

        assertThatThrownBy(() -> new TriageConfig(Map.of(TriageConfig.RULES_FILE_CONFIG, file.toString(),
                TriageConfig.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:8081")))
                .isInstanceOf(RulesFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rule 'screening-age' (#2): field 'min'");
    }

    @Test
    void reportsEveryProblemOfTheFileAtOnce() {
        RulesFileException e = parseFailure("""
                rules:
                  - id: a
                    type: modality
                  - id: b
                    type: colour
                  - id: c
                    type: device
                    allow:
                      - manufacturer: "HOLOGIC("
                  - id: a
                    type: laterality
                  - type: view-position
                    allow: [CC]
                """);

        assertThat(e.problems()).containsExactly(
                "rule 'a' (#1): field 'allow': is required: a non-empty list of values",
                "rule 'b' (#2): field 'type': unknown type 'colour', expected one of " + RuleType.allValues(),
                "rule 'c' (#3): field 'allow[0].manufacturer': invalid regular expression: Unclosed group",
                "rule 'a' (#4): field 'id': duplicate id, ids must be unique",
                "rule #5: field 'id': is required");
    }

    @Test
    void misspeltFieldIsAnErrorRatherThanASilentlyWeakerRule() {
        assertThat(parseFailure("""
                rules:
                  - id: views
                    type: view-position
                    alow: [CC, MLO]
                """).problems()).contains("rule 'views' (#1): field 'alow': unknown field for type 'view-position'");
    }

    @Test
    void ageRangeWithMinAboveMaxNamesTheMaxField() {
        assertThat(parseFailure("""
                rules:
                  - id: age
                    type: patient-age
                    min: 80
                    max: 40
                """).getMessage()).contains("rule 'age' (#1): field 'max': must be >= min (80), was 40");
    }

    @Test
    void attributeRuleNeedsAKnownFieldAndExactlyOneComparison() {
        RulesFileException e = parseFailure("""
                rules:
                  - id: x
                    type: attribute
                    attribute: patientName
                    equals: A
                    matches: B
                """);

        assertThat(e.problems()).anySatisfy(p -> assertThat(p)
                .startsWith("rule 'x' (#1): field 'attribute': 'patientName' is not a field of InstanceReceived"));
        assertThat(e.problems()).contains(
                "rule 'x' (#1): field 'equals': exactly one of 'equals', 'in' and 'matches' is required, found 2");
    }

    @Test
    void fileWithoutRulesListIsRejected() {
        assertThat(parseFailure("rule: []\n").problems()).containsExactly("field 'rules': must be a list of rules");
    }

    @Test
    void invalidYamlIsRejectedWithItsLine() {
        assertThat(parseFailure("rules:\n  - id: [unclosed\n").getMessage()).contains("not valid YAML");
    }

    @Test
    void missingRulesFileIsReportedWithItsPath() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> RuleSetLoader.load(missing)).isInstanceOf(RulesFileException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("cannot be read");
    }

    private static RulesFileException parseFailure(String yaml) {
        try {
            RuleSetLoader.parse("test.yaml", yaml);
        } catch (RulesFileException e) {
            return e;
        }
        throw new AssertionError("expected the rules to be refused");
    }
}
