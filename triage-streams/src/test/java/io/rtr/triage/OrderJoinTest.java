package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrderJoinTest {

    private static final String STUDY = "1.2.826.0.3.1";
    private static final String ACCESSION = "ACC-" + STUDY;

    @TempDir
    Path stateDir;
    private TriageDriver triage;

    @BeforeEach
    void start() {
        triage = new TriageDriver(stateDir);
    }

    @AfterEach
    void stop() {
        triage.close();
    }

    /** A Debezium JSON-converter change event (schemas disabled) of the RIS orders table. */
    static String orderEvent(String op, String accession, String priority, String departed) {
        return """
                {"before":null,
                 "after":{"id":1,"accession_number":"%s","patient_pseudonym":"ab12","ordering_site":"site-a",
                          "scheduled_at":"2026-11-22T08:45:00Z","patient_arrived":"2026-11-22T08:40:00Z",
                          "patient_departed":%s,"order_priority":"%s","assigned_reader":"dr-who",
                          "subspecialty":"breast"},
                 "source":{"connector":"postgresql","table":"orders","ts_ms":1795338000000},
                 "op":"%s","ts_ms":1795338000100}
                """.formatted(accession, departed == null ? "null" : "\"" + departed + "\"", priority, op);
    }

    private void sendFourViews() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.send(TestInstances.view(STUDY, "L", "MLO").build());
        triage.send(TestInstances.view(STUDY, "R", "CC").build());
        triage.send(TestInstances.view(STUDY, "R", "MLO").build());
    }

    @Test
    void orderArrivingBeforeTheStudyIsJoinedIntoTheFirstRevision() {
        triage.sendOrder(orderEvent("c", ACCESSION, "STAT", null));
        sendFourViews();

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(1);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.EXPECTED_VIEWS_COMPLETE);
            assertThat(study.getOrderContext()).isNotNull();
            assertThat(study.getOrderContext().getAccessionNumber()).isEqualTo(ACCESSION);
            assertThat(study.getOrderContext().getOrderPriority()).isEqualTo(OrderPriority.STAT);
            assertThat(study.getOrderContext().getOrderingSite()).isEqualTo("site-a");
            assertThat(study.getOrderContext().getScheduledAt()).isEqualTo(Instant.parse("2026-11-22T08:45:00Z"));
            assertThat(study.getOrderContext().getPatientArrived()).isEqualTo(Instant.parse("2026-11-22T08:40:00Z"));
            assertThat(study.getOrderContext().getPatientDeparted()).isNull();
            assertThat(study.getOrderContext().getAssignedReader()).isEqualTo("dr-who");
            assertThat(study.getOrderContext().getSubspecialty()).isEqualTo("breast");
        });
    }

    @Test
    void orderArrivingAfterTheStudyReEmitsItEnrichedAsTheNextRevision() {
        sendFourViews();
        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext()).isNull());

        triage.sendOrder(orderEvent("c", ACCESSION, "URGENT", null));

        List<TestRecord<String, StudyAssembled>> records = triage.studies.readRecordsToList();
        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo(STUDY);
            StudyAssembled study = record.value();
            assertThat(study.getRevision()).isEqualTo(2);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.ORDER_ENRICHED);
            assertThat(study.getInstances()).hasSize(4);
            assertThat(study.getOrderContext().getOrderPriority()).isEqualTo(OrderPriority.URGENT);
        });
    }

    @Test
    void patientDepartingReEmitsTheStudyAsTheNextRevisionWithTheDeparture() {
        triage.sendOrder(orderEvent("c", ACCESSION, "ROUTINE", null));
        sendFourViews();
        StudyAssembled first = triage.emittedStudies().get(0);
        assertThat(first.getOrderContext().getPatientDeparted()).isNull();

        triage.sendOrder(orderEvent("u", ACCESSION, "ROUTINE", "2026-11-22T09:30:00Z"));

        List<TestRecord<String, StudyAssembled>> records = triage.studies.readRecordsToList();
        assertThat(records).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo(STUDY);
            StudyAssembled study = record.value();
            assertThat(study.getRevision()).isEqualTo(first.getRevision() + 1);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.ORDER_ENRICHED);
            assertThat(study.getInstances()).isEqualTo(first.getInstances());
            assertThat(study.getOrderContext().getPatientArrived()).isEqualTo(Instant.parse("2026-11-22T08:40:00Z"));
            assertThat(study.getOrderContext().getPatientDeparted()).isEqualTo(Instant.parse("2026-11-22T09:30:00Z"));
        });
    }

    @Test
    void revisionAfterAnOrderReEmissionKeepsCountingAndKeepsTheOrder() {
        triage.sendOrder(orderEvent("c", ACCESSION, "ROUTINE", null));
        sendFourViews();
        triage.emittedStudies();
        triage.sendOrder(orderEvent("u", ACCESSION, "ROUTINE", "2026-11-22T09:30:00Z"));
        triage.emittedStudies();

        triage.send(TestInstances.view(STUDY, "L", "CC").setSopInstanceUid(STUDY + ".9").setSha256("n").build());

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(3);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.LATE_INSTANCE_REVISION);
            assertThat(study.getOrderContext().getPatientDeparted()).isEqualTo(Instant.parse("2026-11-22T09:30:00Z"));
        });
    }

    @Test
    void patientArrivingReEmitsTheStudy() {
        triage.sendOrder(orderEvent("c", ACCESSION, "ROUTINE", null)
                .replace("\"patient_arrived\":\"2026-11-22T08:40:00Z\"", "\"patient_arrived\":null"));
        sendFourViews();
        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext().getPatientArrived()).isNull());

        triage.sendOrder(orderEvent("u", ACCESSION, "ROUTINE", null));

        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(2);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.ORDER_ENRICHED);
            assertThat(study.getOrderContext().getPatientArrived()).isEqualTo(Instant.parse("2026-11-22T08:40:00Z"));
        });
    }

    @Test
    void orderPriorityOrAssignedReaderChangeReEmitsTheStudy() {
        triage.sendOrder(orderEvent("c", ACCESSION, "ROUTINE", null));
        sendFourViews();
        triage.emittedStudies();

        triage.sendOrder(orderEvent("u", ACCESSION, "STAT", null));
        triage.sendOrder(orderEvent("u", ACCESSION, "STAT", null).replace("dr-who", "dr-no"));

        assertThat(triage.emittedStudies())
                .extracting(StudyAssembled::getRevision, StudyAssembled::getCompletenessReason,
                        study -> study.getOrderContext().getOrderPriority(),
                        study -> study.getOrderContext().getAssignedReader())
                .containsExactly(tuple(2, CompletenessReason.ORDER_ENRICHED, OrderPriority.STAT, "dr-who"),
                        tuple(3, CompletenessReason.ORDER_ENRICHED, OrderPriority.STAT, "dr-no"));
    }

    @Test
    void orderUpdateOfFieldsPrioritizationIgnoresIsKeptForTheNextRevisionWithoutReEmitting() {
        triage.sendOrder(orderEvent("c", ACCESSION, "ROUTINE", null));
        sendFourViews();
        triage.emittedStudies();

        triage.sendOrder(orderEvent("u", ACCESSION, "ROUTINE", null)
                .replace("site-a", "site-b").replace("2026-11-22T08:45:00Z", "2026-11-22T09:00:00Z"));
        triage.sendOrder(orderEvent("r", ACCESSION, "ROUTINE", null)
                .replace("site-a", "site-b").replace("2026-11-22T08:45:00Z", "2026-11-22T09:00:00Z"));
        assertThat(triage.studies.isEmpty()).isTrue();

        triage.send(TestInstances.view(STUDY, "L", "CC").setSopInstanceUid(STUDY + ".9").setSha256("n").build());
        assertThat(triage.emittedStudies()).singleElement().satisfies(study -> {
            assertThat(study.getRevision()).isEqualTo(2);
            assertThat(study.getCompletenessReason()).isEqualTo(CompletenessReason.LATE_INSTANCE_REVISION);
            assertThat(study.getOrderContext().getOrderingSite()).isEqualTo("site-b");
            assertThat(study.getOrderContext().getScheduledAt()).isEqualTo(Instant.parse("2026-11-22T09:00:00Z"));
        });
    }

    @Test
    void orderOfAnotherAccessionDoesNotTouchTheStudy() {
        sendFourViews();
        triage.emittedStudies();

        triage.sendOrder(orderEvent("c", "OTHER-1", "STAT", null));

        assertThat(triage.studies.isEmpty()).isTrue();
    }

    @Test
    void orderLaterThanAQuietPeriodStudyAlsoEnrichesIt() {
        triage.send(TestInstances.view(STUDY, "L", "CC").build());
        triage.advanceWallClock(Duration.ofSeconds(61));
        triage.sendOrder(orderEvent("r", ACCESSION, "ROUTINE", null));

        assertThat(triage.emittedStudies()).extracting(StudyAssembled::getRevision, StudyAssembled::getCompletenessReason)
                .containsExactly(tuple(1, CompletenessReason.QUIET_PERIOD_ELAPSED),
                        tuple(2, CompletenessReason.ORDER_ENRICHED));
    }

    @Test
    void deletedOrderIsNotJoinedToALaterStudy() {
        triage.sendOrder(orderEvent("c", ACCESSION, "STAT", null));
        triage.sendOrder("""
                {"before":{"id":1,"accession_number":"%s"},"after":null,"op":"d","ts_ms":1}
                """.formatted(ACCESSION));
        triage.sendOrder(null);
        sendFourViews();

        assertThat(triage.emittedStudies()).singleElement()
                .satisfies(study -> assertThat(study.getOrderContext()).isNull());
        assertThat(triage.deadLetters.isEmpty()).isTrue();
    }
}
