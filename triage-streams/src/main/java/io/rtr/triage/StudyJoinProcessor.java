package io.rtr.triage;

import io.rtr.schemas.OrderContext;
import io.rtr.schemas.StudyAssembled;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Study side of the order join, keyed by accession number: numbers each snapshot from the
 * assembler as the study's next revision, attaches the order if it is known, remembers the result
 * for a later order, and emits it keyed by StudyInstanceUID. It also owns the join state's expiry,
 * a {@link PunctuationType#STREAM_TIME} punctuation: retention is about how far the data has moved
 * on, and stream time makes a replay of the log expire state exactly as the original run did.
 */
final class StudyJoinProcessor implements Processor<String, StudySnapshot, String, StudyAssembled> {

    private final Duration retention;
    private final Duration punctuateInterval;
    private final JoinState.Indexes indexes;
    private ProcessorContext<String, StudyAssembled> context;
    private JoinState state;

    StudyJoinProcessor(Duration retention, Duration punctuateInterval, JoinState.Indexes indexes) {
        this.retention = Objects.requireNonNull(retention, "retention");
        this.punctuateInterval = Objects.requireNonNull(punctuateInterval, "punctuateInterval");
        this.indexes = Objects.requireNonNull(indexes, "indexes");
    }

    @Override
    public void init(ProcessorContext<String, StudyAssembled> context) {
        this.context = context;
        this.state = new JoinState(context, retention, indexes);
        context.schedule(punctuateInterval, PunctuationType.STREAM_TIME, state::expire);
    }

    @Override
    public void close() {
        state.release();
    }

    @Override
    public void process(Record<String, StudySnapshot> record) {
        StudyAssembled snapshot = record.value().study();
        String uid = snapshot.getStudyInstanceUid();
        String storeKey = JoinState.studyKey(record.key(), uid);
        long streamTime = context.currentStreamTimeMs();
        JoinedStudy last = state.study(storeKey, streamTime);
        OrderContext order = snapshot.getAccessionNumber() == null ? null
                : state.order(snapshot.getAccessionNumber(), streamTime);
        // The snapshot was just deserialized from the repartition topic and nothing else holds it,
        // so it is numbered in place rather than deep-copied.
        StudyAssembled out = snapshot;
        out.setRevision(last == null ? 1 : last.revision() + 1);
        out.setOrderContext(order);
        // The snapshot's bytes as read stand for the study: they differ from the output only in
        // revision and order, which are stored beside them.
        state.putStudy(storeKey, new JoinedStudy(out.getRevision(), order, record.value().bytes()),
                Math.max(record.timestamp(), streamTime));
        context.forward(record.withKey(uid).withValue(out));
    }
}
