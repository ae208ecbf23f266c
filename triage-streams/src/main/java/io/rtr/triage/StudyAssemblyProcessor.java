package io.rtr.triage;

import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import io.rtr.schemas.Topics;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.WireFormat;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * De-duplicates accepted instances by SOP Instance UID and assembles them into studies, keyed by
 * StudyInstanceUID (the input key), in store {@link TriageTopology#STUDY_STORE}.
 *
 * <ul>
 *   <li>Same SOP Instance UID and same SHA-256: an exact repeat, reported as a
 *       {@link RejectReason#DUPLICATE} rejection and otherwise ignored.</li>
 *   <li>Same SOP Instance UID, different SHA-256: a replacement, which takes the old instance's
 *       place.</li>
 *   <li>A study is emitted once its modality's expected views are all present
 *       ({@link CompletenessReason#EXPECTED_VIEWS_COMPLETE}) or when no instance arrived for the
 *       modality's quiet period ({@link CompletenessReason#QUIET_PERIOD_ELAPSED}), whichever is
 *       first; every instance after that emits the next snapshot at once
 *       ({@link CompletenessReason#LATE_INSTANCE_REVISION}).</li>
 * </ul>
 *
 * <p><b>Time.</b> The quiet period is measured in <em>wall-clock</em> time: the deadline is set from
 * the stream thread's clock when an instance is processed and checked by a
 * {@link PunctuationType#WALL_CLOCK_TIME} punctuation over an in-memory {@link DeadlineIndex} of the
 * deadlines kept in the study states (rebuilt from the store when the task initializes, so it costs
 * no store writes; the same holds for the expiry index below). Stream time would be wrong here: it advances only when
 * records arrive, so the last study before a quiet spell (the end of a clinic session) would wait
 * for the next study to be emitted, which defeats same-visit triage. The price is that on
 * reprocessing a backlog the quiet period counts from processing, not acquisition; expected views
 * complete most studies long before that matters. Output records carry the input record's
 * timestamp (stream time in a punctuation), and {@code assembledAt} is wall-clock time.
 *
 * <p>State <em>retention</em> uses <em>stream</em> time: a study's state is dropped a retention
 * period after its last instance's record timestamp, by a {@link PunctuationType#STREAM_TIME}
 * punctuation. Retention is about how far the data
 * has moved on, not about the clock: an idle partition keeps its studies, and replaying the log
 * expires them exactly as the original run did. An instance arriving after that starts the study
 * afresh.
 *
 * <p>Snapshots are forwarded keyed by accession number (the study UID when there is none) for the
 * order join, which owns the revision numbers; the accession is frozen at the first snapshot so a
 * study always reaches the same join partition.
 */
final class StudyAssemblyProcessor
        implements Processor<String, ReceivedInstance, String, Outcome<SplicedStudy, InstanceRejected>> {

    static final String STAGE = "triage-streams/dedupe";
    private static final Logger log = LoggerFactory.getLogger(StudyAssemblyProcessor.class);

    private final AssemblyPolicy policy;
    private final Duration punctuateInterval;
    private final long retentionMs;
    private final AvroDeserializer<InstanceReceived> deserializer;
    private ProcessorContext<String, Outcome<SplicedStudy, InstanceRejected>> context;
    private KeyValueStore<String, StudyState> studies;
    private final DeadlineIndex quietDeadlines = new DeadlineIndex();
    private final DeadlineIndex expiry = new DeadlineIndex();

    StudyAssemblyProcessor(AssemblyPolicy policy, Duration punctuateInterval, Duration retention,
                           AvroDeserializer<InstanceReceived> deserializer) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.punctuateInterval = Objects.requireNonNull(punctuateInterval, "punctuateInterval");
        this.retentionMs = retention.toMillis();
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
    }

    @Override
    public void init(ProcessorContext<String, Outcome<SplicedStudy, InstanceRejected>> context) {
        this.context = context;
        this.studies = context.getStateStore(TriageTopology.STUDY_STORE);
        rebuildIndexes();
        context.schedule(punctuateInterval, PunctuationType.WALL_CLOCK_TIME, this::emitQuietStudies);
        context.schedule(punctuateInterval, PunctuationType.STREAM_TIME, this::expireStudies);
    }

    @Override
    public void process(Record<String, ReceivedInstance> record) {
        InstanceReceived instance = record.value().value();
        String uid = instance.getStudyInstanceUid();
        long now = context.currentSystemTimeMs();
        StudyState state = studies.get(uid);
        if (state != null && state.expiresAtMs() != StudyState.NONE
                && state.expiresAtMs() <= context.currentStreamTimeMs()) {
            // This record moved stream time past the study's retention before the punctuation
            // ran; expiring here keeps the result independent of that ordering.
            expire(state, context.currentStreamTimeMs());
            state = null;
        }
        if (state == null) {
            state = new StudyState(uid);
        }
        StudyState.Instance existing = state.instance(instance.getSopInstanceUid());
        if (existing != null && existing.sha256().equals(instance.getSha256())) {
            context.forward(new Record<>(uid, Outcome.sideValue(InstanceFilterProcessor.rejected(instance,
                    new Rejection(null, RejectReason.DUPLICATE, "SOP instance " + instance.getSopInstanceUid()
                            + " was already received with the same SHA-256; the repeat is ignored"),
                    now, STAGE)), record.timestamp()));
            return;
        }
        state.put(StudyState.Instance.of(record.value()));
        state.fillAttributes(instance);

        if (state.emitted()) {
            emit(state, CompletenessReason.LATE_INSTANCE_REVISION, record.timestamp(), now);
        } else if (policy.viewsComplete(state.modality(), state.instances())) {
            cancelQuietDeadline(state);
            emit(state, CompletenessReason.EXPECTED_VIEWS_COMPLETE, record.timestamp(), now);
        } else {
            state.quietDeadlineMs(now + policy.quietPeriod(state.modality()).toMillis());
            quietDeadlines.set(uid, state.quietDeadlineMs());
        }
        state.expiresAtMs(Math.max(record.timestamp(), context.currentStreamTimeMs()) + retentionMs);
        expiry.set(uid, state.expiresAtMs());
        studies.put(uid, state);
    }

    /**
     * Rebuilds both deadline indexes from the study store, which the task has restored by now:
     * every study keeps its expiry, and one not yet emitted its quiet deadline.
     */
    private void rebuildIndexes() {
        quietDeadlines.clear();
        expiry.clear();
        try (KeyValueIterator<String, StudyState> it = studies.all()) {
            while (it.hasNext()) {
                StudyState state = it.next().value;
                String uid = state.studyInstanceUid();
                if (!state.emitted() && state.quietDeadlineMs() != StudyState.NONE) {
                    quietDeadlines.set(uid, state.quietDeadlineMs());
                }
                if (state.expiresAtMs() != StudyState.NONE) {
                    expiry.set(uid, state.expiresAtMs());
                }
            }
        }
        if (expiry.size() > 0) {
            log.info("Task {}: {} studies in state, {} waiting for their quiet period", context.taskId(),
                    expiry.size(), quietDeadlines.size());
        }
    }

    private void emitQuietStudies(long wallClockMs) {
        for (String uid : quietDeadlines.takeDue(wallClockMs)) {
            StudyState state = studies.get(uid);
            if (state == null || state.emitted() || state.quietDeadlineMs() == StudyState.NONE) {
                continue;
            }
            state.quietDeadlineMs(StudyState.NONE);
            emit(state, CompletenessReason.QUIET_PERIOD_ELAPSED, context.currentStreamTimeMs(), wallClockMs);
            studies.put(uid, state);
        }
    }

    private void expireStudies(long streamTimeMs) {
        for (String uid : expiry.takeDue(streamTimeMs)) {
            StudyState state = studies.get(uid);
            if (state != null) {
                expire(state, streamTimeMs);
            }
        }
    }

    private void expire(StudyState state, long streamTimeMs) {
        String uid = state.studyInstanceUid();
        expiry.remove(uid);
        if (!state.emitted()) {
            // Only when stream time outruns the wall clock (a replay): accepted instances are
            // never dropped unseen, so the study goes out before its state does.
            cancelQuietDeadline(state);
            emit(state, CompletenessReason.QUIET_PERIOD_ELAPSED, streamTimeMs, context.currentSystemTimeMs());
        }
        studies.delete(uid);
        log.trace("Study {} state expired", uid);
    }

    private void emit(StudyState state, CompletenessReason reason, long timestamp, long nowMs) {
        SplicedStudy.Instances.Builder instances = new SplicedStudy.Instances.Builder();
        for (StudyState.Instance stored : state.instances()) {
            splice(state, stored, instances);
        }
        SplicedStudy study = state.nextSnapshot(reason, instances.build(), nowMs);
        String routingKey = study.accessionNumber() != null ? study.accessionNumber() : study.studyInstanceUid();
        log.debug("Study {} snapshot {} emitted: {} with {} instances", study.studyInstanceUid(),
                study.revision(), reason, study.instances().count());
        context.forward(new Record<>(routingKey, Outcome.mainValue(study), timestamp));
    }

    /**
     * Appends an instance kept as received: its Avro body as it is when its writer schema encodes
     * as the InstanceReceived schema of this build (the common case: ingest runs the same
     * schemas), else decoded and encoded again. The same bytes were decoded on arrival, so a
     * failure is the registry being unreachable (the task stops and resumes from its last commit
     * once restarted, as in {@link InstanceDecodeProcessor}), never a bad record to park.
     */
    private void splice(StudyState state, StudyState.Instance stored, SplicedStudy.Instances.Builder instances) {
        byte[] bytes = stored.bytes();
        try {
            if (deserializer.encodesAsReader(Topics.INSTANCES.name(), WireFormat.schemaId(bytes))) {
                instances.addBody(bytes, WireFormat.HEADER_LENGTH, bytes.length - WireFormat.HEADER_LENGTH);
            } else {
                instances.add(deserializer.deserialize(Topics.INSTANCES.name(), bytes));
            }
        } catch (SerializationException e) {
            throw new StreamsException("Cannot decode SOP instance " + stored.sopInstanceUid() + " of study "
                    + state.studyInstanceUid() + " from the study state to emit the study; if the schema registry"
                    + " is unreachable, restore it and restart.", e);
        }
    }

    private void cancelQuietDeadline(StudyState state) {
        quietDeadlines.remove(state.studyInstanceUid());
        state.quietDeadlineMs(StudyState.NONE);
    }
}
