package io.rtr.triage;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderContext;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Order side of the order join, keyed by accession number: stores the latest order and re-emits
 * each study of that accession as its next revision with {@link CompletenessReason#ORDER_ENRICHED}
 * the first time the study gets its order, and again whenever a later change of that order alters a
 * field prioritization reads ({@link #changesPrioritization}).
 *
 * <p>Prioritization sees the order only through {@code StudyAssembled.orderContext} on rtr.studies,
 * so a patient leaving the clinic, a new order priority or a new assigned reader must reach it as a
 * revision, or a study would stay {@code SUSPICIOUS_IN_CLINIC} after the patient left. The cost is
 * that the inference worker scores every revision and so re-scores these too, on the same
 * instances; changes to the other fields (ordering site, scheduled time, subspecialty, pseudonym)
 * are therefore only stored and ride along with the study's next revision, as before.
 */
final class OrderJoinProcessor implements Processor<String, OrderContext, String, SplicedStudy> {

    private static final Logger log = LoggerFactory.getLogger(OrderJoinProcessor.class);

    private final Duration retention;
    private final Deserializer<SplicedStudy> studyDeserializer;
    private final JoinState.Indexes indexes;
    private ProcessorContext<String, SplicedStudy> context;
    private JoinState state;

    OrderJoinProcessor(Duration retention, Deserializer<SplicedStudy> studyDeserializer,
                       JoinState.Indexes indexes) {
        this.retention = Objects.requireNonNull(retention, "retention");
        this.studyDeserializer = Objects.requireNonNull(studyDeserializer, "studyDeserializer");
        this.indexes = Objects.requireNonNull(indexes, "indexes");
    }

    @Override
    public void init(ProcessorContext<String, SplicedStudy> context) {
        this.context = context;
        this.state = new JoinState(context, retention, indexes);
    }

    @Override
    public void close() {
        state.release();
    }

    @Override
    public void process(Record<String, OrderContext> record) {
        String accession = record.key();
        OrderContext order = record.value();
        if (order == null) {
            state.deleteOrder(accession);
            return;
        }
        long streamTime = context.currentStreamTimeMs();
        long activity = Math.max(record.timestamp(), streamTime);
        state.putOrder(accession, order, activity);
        for (KeyValue<String, Timed<JoinedStudy>> entry : state.studiesOf(accession, streamTime)) {
            JoinedStudy joined = entry.value.value();
            OrderContext previous = joined.order();
            if (previous != null && !changesPrioritization(previous, order)) {
                continue;
            }
            SplicedStudy study = studyDeserializer.deserialize(TriageTopology.JOINED_STUDY_STORE, joined.snapshot());
            // The accession check guards against a study UID used as join key (a study without
            // accession) that happens to equal this accession number.
            if (!accession.equals(study.accessionNumber())) {
                continue;
            }
            SplicedStudy out = study.revised(joined.revision() + 1, CompletenessReason.ORDER_ENRICHED, order,
                    context.currentSystemTimeMs());
            state.putStudy(entry.key, new JoinedStudy(out.revision(), order, joined.snapshot()),
                    activity);
            log.debug("Study {} revision {} {} its order", out.studyInstanceUid(), out.revision(),
                    previous == null ? "enriched with" : "carries a prioritization change of");
            context.forward(new Record<>(out.studyInstanceUid(), out, record.timestamp()));
        }
    }

    /**
     * Whether going from {@code previous} to {@code next} changes what prioritization decides on:
     * the in-clinic state (arrived, departed), the order priority or the assigned reader.
     */
    static boolean changesPrioritization(OrderContext previous, OrderContext next) {
        return !Objects.equals(previous.getPatientArrived(), next.getPatientArrived())
                || !Objects.equals(previous.getPatientDeparted(), next.getPatientDeparted())
                || previous.getOrderPriority() != next.getOrderPriority()
                || !Objects.equals(previous.getAssignedReader(), next.getAssignedReader());
    }
}
