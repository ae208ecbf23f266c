package io.rtr.triage;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.StudyAssembled;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Order side of the order join, keyed by accession number: stores the latest order and, the first
 * time a study of that accession gets its order, re-emits the study as its next revision with
 * {@link CompletenessReason#ORDER_ENRICHED}.
 *
 * <p>Later updates of an order already attached (arrival, departure) are stored for the next
 * revision but do not re-emit the study: a revision asks for re-scoring, and prioritization reads
 * the order topic itself for the in-clinic state.
 */
final class OrderJoinProcessor implements Processor<String, OrderContext, String, StudyAssembled> {

    private static final Logger log = LoggerFactory.getLogger(OrderJoinProcessor.class);

    private final Duration retention;
    private ProcessorContext<String, StudyAssembled> context;
    private JoinState state;

    OrderJoinProcessor(Duration retention) {
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    @Override
    public void init(ProcessorContext<String, StudyAssembled> context) {
        this.context = context;
        this.state = new JoinState(context, retention);
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
        for (StudyAssembled study : state.studiesOf(accession, streamTime)) {
            // The accession check guards against a study UID used as join key (a study without
            // accession) that happens to equal this accession number.
            if (study.getOrderContext() != null || !accession.equals(study.getAccessionNumber())) {
                continue;
            }
            StudyAssembled out = StudyAssembled.newBuilder(study)
                    .setRevision(study.getRevision() + 1)
                    .setCompletenessReason(CompletenessReason.ORDER_ENRICHED)
                    .setOrderContext(order)
                    .setAssembledAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                    .build();
            state.putStudy(JoinState.studyKey(accession, study.getStudyInstanceUid()), out, activity);
            log.debug("Study {} revision {} enriched with its order", out.getStudyInstanceUid(), out.getRevision());
            context.forward(new Record<>(out.getStudyInstanceUid(), out, record.timestamp()));
        }
    }
}
