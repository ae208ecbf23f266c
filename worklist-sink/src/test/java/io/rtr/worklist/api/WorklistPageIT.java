package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.worklist.EmbeddedPostgresExtension;
import io.rtr.worklist.TestDatabase;
import io.rtr.worklist.TestEntries;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The worklist page in Debian's headless Chromium against the real API and embedded Postgres:
 * order, live updates without reload, the buttons, and that data never becomes markup. Skipped
 * where {@code /usr/bin/chromium} is not installed ({@code apt-get install chromium}).
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class WorklistPageIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String ROW_UIDS =
            "JSON.stringify(Array.from(document.querySelectorAll('#rows tr')).map(r => r.dataset.studyUid))";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static WorklistApi api;
    private static TestDatabase db;
    private static HeadlessChromium browser;

    private WorklistWriter writer;
    private String radiologist;

    @BeforeAll
    static void start(TestDatabase database) throws Exception {
        assumeTrue(Files.isExecutable(HeadlessChromium.BINARY), "no " + HeadlessChromium.BINARY + " here");
        db = database;
        api = new WorklistApi(database.ownerDataSource(), "127.0.0.1", 0).start();
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (api != null) {
            api.stop();
        }
    }

    @BeforeEach
    void openWriter() throws SQLException {
        writer = new WorklistWriter(db.url(), db.ownerProperties());
        radiologist = TestEntries.newRadiologist();
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO radiologist (radiologist_id, display_name, subspecialty) VALUES (?, ?, ?)")) {
            s.setString(1, radiologist);
            s.setString(2, "Dr. Ada Reader");
            s.setString(3, "breast imaging");
            s.executeUpdate();
        }
    }

    @AfterEach
    void closeWriter() {
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void listsTheWorklistInReadingOrderAndUpdatesWithoutReload() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        WorklistEntry routine = entry(PriorityClass.ROUTINE, 0.31, 0.08, now.minus(Duration.ofMinutes(190)),
                "ACC-20417", List.of("no suspicious finding"));
        WorklistEntry suspicious = entry(PriorityClass.SUSPICIOUS, 0.78, 0.81, now.minus(Duration.ofMinutes(48)),
                "ACC-20433", List.of("mass, right breast, upper outer quadrant"));
        WorklistEntry stat = entry(PriorityClass.STAT, 0.95, 0.42, now.minus(Duration.ofMinutes(12)),
                "ACC-20451", List.of("STAT order: palpable lump"));
        upsert(routine, suspicious, stat);

        browser.navigate(pageUrl());
        await().atMost(WAIT).untilAsserted(() -> assertThat(rowUids()).containsExactly(
                stat.getStudyInstanceUid(), suspicious.getStudyInstanceUid(), routine.getStudyInstanceUid()));
        assertThat(text("#why-text")).contains("STAT order").contains("waiting 12 min");
        assertThat(text("#radiologist-name")).isEqualTo("Dr. Ada Reader");
        assertThat(text("#rows tr:first-child .badge")).isEqualTo("STAT");
        await().atMost(WAIT).until(() -> "live".equals(text("#live-text")));
        // Survives only if the page is never reloaded.
        browser.evaluate("window.rtrMarker = 'same page'");

        WorklistEntry inClinic = entry(PriorityClass.SUSPICIOUS_IN_CLINIC, 0.88, 0.91,
                now.minus(Duration.ofMinutes(25)), "ACC-20460",
                List.of("suspicious calcifications, left CC/MLO", "patient still in clinic"));
        upsert(inClinic);

        await().atMost(WAIT).untilAsserted(() -> assertThat(rowUids()).containsExactly(
                stat.getStudyInstanceUid(), inClinic.getStudyInstanceUid(), suspicious.getStudyInstanceUid(),
                routine.getStudyInstanceUid()));
        assertThat(browser.evaluate("window.rtrMarker").asText()).isEqualTo("same page");
        assertThat(browser.evaluate("Number(document.body.dataset.renders)").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(text("#rows tr:nth-child(2) .badge")).isEqualTo("Suspicious · in clinic");
        assertThat(text("#count")).isEqualTo("4 studies");
        browser.screenshot(Path.of("target", "screenshots", "worklist-page.png"));
    }

    @Test
    void claimAndCompleteButtonsActAndTheListFollows() throws Exception {
        Instant now = Instant.now();
        WorklistEntry top = entry(PriorityClass.SUSPICIOUS, 0.9, 0.88, now.minus(Duration.ofMinutes(5)),
                "ACC-1", List.of("mass"));
        WorklistEntry next = entry(PriorityClass.ROUTINE, 0.2, 0.1, now.minus(Duration.ofMinutes(50)),
                "ACC-2", List.of());
        upsert(top, next);
        browser.navigate(pageUrl());
        await().atMost(WAIT).untilAsserted(() -> assertThat(rowUids()).hasSize(2));

        click(top, "claim");
        await().atMost(WAIT).until(() -> "CLAIMED".equals(status(top)));
        await().atMost(WAIT).until(() -> text(row(top) + " .status").equals("claimed by you"));
        browser.screenshot(Path.of("target", "screenshots", "worklist-claimed.png"));

        click(top, "complete");
        await().atMost(WAIT).untilAsserted(() -> assertThat(rowUids()).containsExactly(next.getStudyInstanceUid()));
        assertThat(status(top)).isEqualTo("COMPLETED");
    }

    @Test
    void showsDataAsTextNeverAsMarkup() throws Exception {
        String attack = "<img src=x onerror=\"window.rtrPwned=1\">";
        WorklistEntry entry = entry(PriorityClass.SUSPICIOUS, 0.5, 0.5, Instant.now(), "<b>ACC</b>",
                List.of(attack));
        upsert(entry);

        browser.navigate(pageUrl());
        await().atMost(WAIT).untilAsserted(() -> assertThat(rowUids()).hasSize(1));

        assertThat(text("#rows .chip")).isEqualTo(attack);
        assertThat(text("#rows .accession")).isEqualTo("<b>ACC</b>");
        assertThat(browser.evaluate("document.querySelectorAll('#rows img, #rows b').length").asInt()).isZero();
        assertThat(browser.evaluate("typeof window.rtrPwned").asText()).isEqualTo("undefined");
    }

    @Test
    void anUnknownRadiologistGetsAMessage() throws Exception {
        browser.navigate("http://127.0.0.1:" + api.port() + "/worklist/" + TestEntries.newRadiologist());

        await().atMost(WAIT).until(() -> text("#message").startsWith("No radiologist"));
        assertThat(text("#live-text")).isEqualTo("offline");
    }

    @Test
    void thePickerListsRegisteredRadiologists() throws Exception {
        browser.navigate("http://127.0.0.1:" + api.port() + "/");

        await().atMost(WAIT).until(() -> browser.evaluate(
                "Array.from(document.querySelectorAll('#radiologists a')).some(a => a.getAttribute('href') === '/worklist/"
                        + radiologist + "')").asBoolean());
        browser.screenshot(Path.of("target", "screenshots", "picker.png"));
    }

    private WorklistEntry entry(PriorityClass priorityClass, double priorityScore, double studyScore,
                                Instant waitingSince, String accession, List<String> reasons) {
        return TestEntries.entry(radiologist, priorityClass, priorityScore)
                .setStudyScore(studyScore)
                .setModelName("rtr-mammo")
                .setModelVersion("1.2.0")
                .setWaitingSince(waitingSince)
                .setUpdatedAt(waitingSince.plusSeconds(2))
                .setAccessionNumber(accession)
                .setReasons(reasons)
                .build();
    }

    private String pageUrl() {
        return "http://127.0.0.1:" + api.port() + "/worklist/" + radiologist;
    }

    private List<String> rowUids() throws Exception {
        List<String> uids = new ArrayList<>();
        for (JsonNode uid : MAPPER.readTree(browser.evaluate(ROW_UIDS).asText())) {
            uids.add(uid.asText());
        }
        return uids;
    }

    private String text(String selector) throws Exception {
        return browser.evaluate("(document.querySelector(" + jsString(selector) + ") || {}).textContent || ''")
                .asText();
    }

    private static String row(WorklistEntry entry) {
        return "#rows tr[data-study-uid='" + entry.getStudyInstanceUid() + "']";
    }

    private void click(WorklistEntry entry, String action) throws Exception {
        String button = row(entry) + " button[data-action='" + action + "']";
        await().atMost(WAIT).until(() -> browser.evaluate(
                "document.querySelector(" + jsString(button) + ") !== null").asBoolean());
        browser.evaluate("document.querySelector(" + jsString(button) + ").click()");
    }

    private static String jsString(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void upsert(WorklistEntry... entries) throws SQLException {
        List<WorklistChange> changes = new ArrayList<>();
        for (WorklistEntry e : entries) {
            changes.add(WorklistChange.upsert(e));
        }
        writer.write(changes);
    }

    private static String status(WorklistEntry entry) throws SQLException {
        try (Connection c = db.connectAsOwner(); PreparedStatement s = c.prepareStatement(
                "SELECT status FROM worklist_entry WHERE study_instance_uid = ?")) {
            s.setString(1, entry.getStudyInstanceUid());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
