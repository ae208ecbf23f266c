package io.rtr.triage;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.OrderPriority;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.AvroSerializer;
import io.rtr.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The studies on rtr.studies, spliced from the instances' bytes as received, decode to exactly the
 * record that decoding every instance and building the StudyAssembled gives.
 */
class StudySplicingTest {

    private static final List<String[]> VIEWS = List.of(
            new String[] {"L", "CC"}, new String[] {"L", "MLO"}, new String[] {"R", "CC"}, new String[] {"R", "MLO"});
    private static final Duration QUIET = Duration.ofSeconds(121);

    @TempDir
    Path stateDir;
    private TriageDriver triage;
    private Instant wallClock = TriageDriver.START;

    @BeforeEach
    void start() {
        triage = new TriageDriver(stateDir);
    }

    @AfterEach
    void stop() {
        triage.close();
    }

    @Test
    void emittedStudiesEqualTheStudiesBuiltFromTheDecodedInstances() {
        Random random = new Random(20261122L);
        List<StudyAssembled> expected = new ArrayList<>();
        for (int s = 0; s < 60; s++) {
            String uid = "1.2.826.0.7." + s;
            String accession = s % 4 == 0 ? null : "ACC-" + uid;
            boolean studyAttributes = s % 3 != 0;
            boolean orderFirst = accession != null && s % 2 == 0;
            if (orderFirst) {
                triage.sendOrder(OrderJoinTest.orderEvent("c", accession, "URGENT", null));
            }
            List<InstanceReceived> instances = new ArrayList<>();
            int count = 1 + random.nextInt(VIEWS.size());
            for (int v = 0; v < count; v++) {
                InstanceReceived instance = instance(random, uid, VIEWS.get(v), accession, studyAttributes);
                instances.add(instance);
                triage.send(instance);
            }
            CompletenessReason reason = CompletenessReason.EXPECTED_VIEWS_COMPLETE;
            if (count < VIEWS.size()) {
                advanceWallClock();
                reason = CompletenessReason.QUIET_PERIOD_ELAPSED;
            }
            OrderContext order = orderFirst ? order(accession, OrderPriority.URGENT) : null;
            expected.add(study(uid, 1, reason, instances, order, accession, studyAttributes));

            if (s % 5 == 1) {
                InstanceReceived replacement = InstanceReceived.newBuilder(instances.get(0))
                        .setSha256("sha-replaced-" + s).setReplacement(true).build();
                instances.set(0, replacement);
                triage.send(replacement);
                expected.add(study(uid, 2, CompletenessReason.LATE_INSTANCE_REVISION, instances, order, accession,
                        studyAttributes));
            }
            if (accession != null && !orderFirst) {
                triage.sendOrder(OrderJoinTest.orderEvent("c", accession, "STAT", null));
                expected.add(study(uid, expected.get(expected.size() - 1).getRevision() + 1,
                        CompletenessReason.ORDER_ENRICHED, instances, order(accession, OrderPriority.STAT), accession,
                        studyAttributes));
            }
        }

        assertThat(triage.emittedStudies()).containsExactlyElementsOf(expected);
    }

    @Test
    void instanceWrittenWithAnotherSchemaIsEncodedAsThisBuildEncodesIt() throws IOException {
        String uid = "1.2.826.0.7.100";
        InstanceReceived newer = TestInstances.view(uid, "L", "CC").setManufacturerModelName(null).build();
        InstanceReceived current = TestInstances.view(uid, "L", "MLO").build();
        triage.rawInstances.pipeInput(new TestRecord<>(uid.getBytes(), withLeadingField(newer)));
        triage.send(current);
        advanceWallClock();

        assertThat(triage.emittedStudies()).containsExactly(study(uid, 1, CompletenessReason.QUIET_PERIOD_ELAPSED,
                List.of(newer, current), null, "ACC-" + uid, true));
    }

    /**
     * {@code instance} as a newer producer writes it: with a field before all others that this
     * build does not know, so its body is no InstanceReceived body of this build.
     */
    private byte[] withLeadingField(InstanceReceived instance) throws IOException {
        Schema current = InstanceReceived.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        fields.add(new Schema.Field("ingestNode", Schema.create(Schema.Type.STRING), "added later", ""));
        current.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
        Schema newer = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        int id = triage.registry.register(AvroSerializer.subject(Topics.INSTANCES.name(), false), newer);

        Serializer<InstanceReceived> serializer =
                Topics.INSTANCES.valueSerde(AvroSerdeConfig.forRegistryClient(triage.registry)).serializer();
        byte[] currentBytes = serializer.serialize(Topics.INSTANCES.name(), instance);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = new byte[WireFormat.HEADER_LENGTH];
        WireFormat.writeHeader(header, id);
        out.write(header);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        encoder.writeString("node-7");
        out.write(currentBytes, WireFormat.HEADER_LENGTH, currentBytes.length - WireFormat.HEADER_LENGTH);
        return out.toByteArray();
    }

    private void advanceWallClock() {
        triage.advanceWallClock(QUIET);
        wallClock = wallClock.plus(QUIET);
    }

    /**
     * A view with the optional fields that no rule requires left out or varied at random; the
     * study-level attributes on all views or none.
     */
    private static InstanceReceived instance(Random random, String uid, String[] view, String accession,
                                             boolean studyAttributes) {
        InstanceReceived.Builder builder = TestInstances.view(uid, view[0], view[1]).setAccessionNumber(accession);
        if (!studyAttributes) {
            builder.setClinicId(null).setPatientPseudonym(null);
        }
        if (random.nextBoolean()) {
            builder.setManufacturerModelName(null).setBreastImplantPresent(null).setBodyPartExamined(null);
        }
        if (random.nextBoolean()) {
            builder.setImageType(List.of("ORIGINAL", "PRIMARY", "AXIAL")).setRows(null).setColumns(null)
                    .setPatientAgeYears(null);
        }
        if (random.nextBoolean()) {
            builder.setCallingAeTitle("MODALITY-" + random.nextInt(10)).setCalledAeTitle("RTR");
        }
        return builder.build();
    }

    private StudyAssembled study(String uid, int revision, CompletenessReason reason, List<InstanceReceived> instances,
                                 OrderContext order, String accession, boolean studyAttributes) {
        return StudyAssembled.newBuilder()
                .setStudyInstanceUid(uid)
                .setRevision(revision)
                .setCompletenessReason(reason)
                .setInstances(List.copyOf(instances))
                .setOrderContext(order)
                .setAssembledAt(wallClock)
                .setModality("MG")
                .setClinicId(studyAttributes ? "clinic-1" : null)
                .setPatientPseudonym(studyAttributes ? "ab12" : null)
                .setAccessionNumber(accession)
                .build();
    }

    /** The order that {@link OrderJoinTest#orderEvent} describes. */
    private static OrderContext order(String accession, OrderPriority priority) {
        return OrderContext.newBuilder()
                .setAccessionNumber(accession)
                .setPatientPseudonym("ab12")
                .setOrderingSite("site-a")
                .setScheduledAt(Instant.parse("2026-11-22T08:45:00Z"))
                .setPatientArrived(Instant.parse("2026-11-22T08:40:00Z"))
                .setOrderPriority(priority)
                .setAssignedReader("dr-who")
                .setSubspecialty("breast")
                .build();
    }
}
