package io.rtr.standalone.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.rtr.schemas.SampleEvents;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the log commands that need no broker: parsing, validation, formatting. */
class LogCliTest {

    static {
        // Copying a generated record (newBuilder(record)) makes Avro load its enum classes by name,
        // which Avro's class guard allows only once a deserializer has trusted the package.
        new AvroDeserializer<>(StudyAssembled.class).close();
    }

    @Test
    void partitionForKeyMatchesTheProducersDefaultPartitioner() {
        for (String key : List.of(SampleEvents.STUDY_UID, "1.2.3", "1.2.840.113619.2.55.3.604688119.971.1", "")) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            assertThat(LogScanner.partitionForKey(key, 6)).as(key)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(bytes, 6));
        }
    }

    @Test
    void timesNeedAZoneOrEpochMillis() {
        assertThat(Times.parse("--at", "2026-01-01T10:32:00Z")).isEqualTo(Instant.parse("2026-01-01T10:32:00Z"));
        assertThat(Times.parse("--at", "2026-01-01T11:32:00+01:00")).isEqualTo(Instant.parse("2026-01-01T10:32:00Z"));
        assertThat(Times.parse("--at", "1767263520000")).isEqualTo(Instant.parse("2026-01-01T10:32:00Z"));
        assertThatThrownBy(() -> Times.parse("--at", "2026-01-01T10:32:00"))
                .isInstanceOf(LogFailure.class).hasMessageContaining("--at '2026-01-01T10:32:00' is not a time")
                .hasMessageContaining("with a zone");
    }

    @Test
    void argumentsTakePositionalsValuesAndSwitches() {
        LogArgs args = LogArgs.parse("audit study", List.of("1.2.3", "--json", "--bootstrap=h:1", "--registry", "u"),
                Set.of("--bootstrap", "--registry"), Set.of("--json"));
        assertThat(args.positional()).containsExactly("1.2.3");
        assertThat(args.has("--json")).isTrue();
        assertThat(args.value("--bootstrap")).contains("h:1");
        assertThat(args.value("--registry")).contains("u");
        assertThatThrownBy(() -> LogArgs.parse("x", List.of("--nope", "1"), Set.of("--a"), Set.of()))
                .hasMessageContaining("unknown flag --nope for x");
        assertThatThrownBy(() -> LogArgs.parse("x", List.of("--a"), Set.of("--a"), Set.of()))
                .hasMessageContaining("flag --a needs a value");
    }

    @Test
    void replayRefusesAFolderWithoutSavedModelPb(@TempDir Path dir) throws IOException {
        Run notModel = run("replay", "--model", dir.toString(), "--from", "2026-01-01T00:00:00Z",
                "--to", "2026-01-02T00:00:00Z");
        assertThat(notModel.code).isEqualTo(2);
        assertThat(notModel.err).hasLineCount(1).contains("--model '" + dir + "' is not a SavedModel")
                .contains("has no saved_model.pb");

        Run missing = run("replay", "--model", dir.resolve("nowhere").toString(), "--from", "2026-01-01T00:00:00Z",
                "--to", "2026-01-02T00:00:00Z");
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err).hasLineCount(1).contains("nowhere' is not a folder");

        Files.writeString(dir.resolve("saved_model.pb"), "");
        assertThat(SavedModelDir.require("--model", dir.toString())).isEqualTo(dir);
    }

    @Test
    void replayRefusesASavedModelWithoutDescriptorOrThatTensorFlowCannotLoad(@TempDir Path dir) throws IOException {
        Path model = Files.createDirectories(dir.resolve("saved_model"));
        Files.writeString(model.resolve("saved_model.pb"), "not a graph");
        Run noDescriptor = run("replay", "--model", model.toString(), "--from", "2026-01-01T00:00:00Z",
                "--to", "2026-01-02T00:00:00Z");
        assertThat(noDescriptor.code).isEqualTo(2);
        assertThat(noDescriptor.err).hasLineCount(1).contains("--model '" + model + "' has no model descriptor "
                + dir.toAbsolutePath().resolve("rtr-model.properties")).contains("beside the SavedModel folder");

        Files.writeString(dir.resolve("rtr-model.properties"), "model.name=m\nmodel.version=1\ninput.name=image\n"
                + "input.shape=-1,64,64,1\noutput.name=score\n");
        Run notLoadable = run("replay", "--model", model.toString(), "--from", "2026-01-01T00:00:00Z",
                "--to", "2026-01-02T00:00:00Z");
        assertThat(notLoadable.code).isEqualTo(2);
        assertThat(notLoadable.err).hasLineCount(1).contains("--model '" + model + "' is not a loadable SavedModel")
                .contains("export the model again");

        Files.writeString(dir.resolve("rtr-model.properties"), "model.name=m\n");
        Run badDescriptor = run("replay", "--model", model.toString(), "--from", "2026-01-01T00:00:00Z",
                "--to", "2026-01-02T00:00:00Z");
        assertThat(badDescriptor.code).isEqualTo(2);
        assertThat(badDescriptor.err).hasLineCount(1).contains("is invalid: 'input.shape' is missing")
                .contains("fix " + dir.toAbsolutePath().resolve("rtr-model.properties"));
    }

    @Test
    void usageErrorsAreOneLineWithTheUsage() {
        Run run = run("export", "--topic", "rtr.scores", "--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z");
        assertThat(run.code).isEqualTo(2);
        assertThat(run.err).hasLineCount(1).contains("--from 2026-01-02T00:00:00Z is not before --to")
                .contains("Usage: rtr export --topic T");

        Run format = run("export", "--topic", "t", "--from", "1", "--to", "2", "--format", "xml");
        assertThat(format.code).isEqualTo(2);
        assertThat(format.err).contains("--format 'xml' is not a format: use jsonl or csv");

        Run what = run("audit", "everything");
        assertThat(what.code).isEqualTo(2);
        assertThat(what.err).contains("unknown audit 'everything'");

        Run uid = run("audit", "study", "DROP TABLE");
        assertThat(uid.code).isEqualTo(2);
    }

    @Test
    void jsonOfARecordFollowsItsSchema() throws IOException {
        WorklistEntry entry = SampleEvents.worklistEntry();
        StringWriter text = new StringWriter();
        try (JsonGenerator json = new JsonFactory().createGenerator(text)) {
            AvroText.writeJson(json, entry.getSchema(), entry);
        }
        assertThat(text.toString())
                .contains("\"priorityClass\":\"SUSPICIOUS_IN_CLINIC\"")
                .contains("\"waitingSince\":\"" + SampleEvents.AT + "\"")
                .contains("\"claimedBy\":null")
                .contains("\"reasons\":[\"score 0.91 >= 0.62\",\"patient in clinic\"]")
                .contains("\"version\":7");
    }

    @Test
    void csvCellsLineUpWithTheFlattenedColumns() throws IOException {
        StudyAssembled study = SampleEvents.studyAssembled();
        List<String> columns = AvroText.columns(study.getSchema());
        List<String> cells = new ArrayList<>();
        AvroText.cells(study.getSchema(), study, cells, (schema, value) -> "[json]");

        assertThat(cells).hasSameSizeAs(columns);
        assertThat(cells.get(columns.indexOf("orderContext.orderPriority"))).isEqualTo("ROUTINE");
        assertThat(cells.get(columns.indexOf("orderContext.patientDeparted"))).isEmpty();
        assertThat(cells.get(columns.indexOf("assembledAt"))).isEqualTo(SampleEvents.AT.toString());
        assertThat(cells.get(columns.indexOf("instances"))).isEqualTo("[json]");

        List<String> empty = new ArrayList<>();
        AvroText.cells(study.getSchema(), StudyAssembled.newBuilder(study).setOrderContext(null).build(), empty, (s, v) -> "");
        assertThat(empty).hasSameSizeAs(columns);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String command, String... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (Interruption interruption = Interruption.manual()) {
            code = new LogCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), interruption).run(command, List.of(words));
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
