package io.rtr.triage.priority;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-study half of prioritization, one task per study partition: merges revisions, scores and
 * reading actions into {@link StudyPriorityState}, ranks the study with {@link PriorityPolicy} and
 * sends a new version of its entry to the router whenever the ranking or status changes; a
 * completion becomes a tombstone. A wall-clock punctuator re-ranks waiting entries for aging and
 * drops old completion markers.
 */
final class StudyPrioritizer implements Processor<String, PriorityInput, String, RoutingRequest> {

    private static final Logger log = LoggerFactory.getLogger(StudyPrioritizer.class);

    private final PriorityPolicy policy;
    private final Duration agingInterval;
    private final double agingMinChange;
    private final Duration completedRetention;
    private ProcessorContext<String, RoutingRequest> context;
    private KeyValueStore<String, StudyPriorityState> store;

    StudyPrioritizer(PriorityPolicy policy, Duration agingInterval, double agingMinChange,
                     Duration completedRetention) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.agingInterval = Objects.requireNonNull(agingInterval, "agingInterval");
        this.agingMinChange = agingMinChange;
        this.completedRetention = Objects.requireNonNull(completedRetention, "completedRetention");
    }

    @Override
    public void init(ProcessorContext<String, RoutingRequest> context) {
        this.context = context;
        this.store = context.getStateStore(PrioritizationTopology.STUDY_STORE);
        // Wall clock, not stream time: aging must go on while no event arrives (a quiet night is
        // exactly when a routine study must not stand still), and stream time only advances with
        // input. The cost: a replay does not reproduce the same aging updates; the emitted
        // entries in rtr.worklist are the record of what was actually ranked.
        context.schedule(agingInterval, PunctuationType.WALL_CLOCK_TIME, this::age);
    }

    @Override
    public void process(Record<String, PriorityInput> record) {
        String uid = record.key();
        PriorityInput input = record.value();
        StudyPriorityState state = store.get(uid);
        if (state == null) {
            state = new StudyPriorityState();
        }
        long now = context.currentSystemTimeMs();
        if (state.completed()) {
            // The marker's whole purpose: a late score, revision or action must not put a read
            // study back on a worklist.
            log.debug("Ignoring a late {} for completed study {}", kind(input), uid);
            return;
        }
        boolean reassign = false;
        if (input.study() != null) {
            StudyAssembled study = input.study();
            if (study.getRevision() <= state.revision) {
                log.debug("Ignoring revision {} of study {}: revision {} already applied", study.getRevision(), uid,
                        state.revision);
                return;
            }
            state.apply(study);
        } else if (input.score() != null) {
            StudyScored score = input.score();
            if (state.scored() && score.getStudyRevision() < state.scoredRevision) {
                log.debug("Ignoring a score of revision {} of study {}: revision {} already scored",
                        score.getStudyRevision(), uid, state.scoredRevision);
                return;
            }
            state.apply(score);
        } else {
            ReadingAction action = input.action();
            if (action.getActionId().equals(state.lastActionId)) {
                // Debezium delivers at least once; a redelivered action changes nothing.
                return;
            }
            state.lastActionId = action.getActionId();
            switch (action.getAction()) {
                case CLAIM -> {
                    state.status = WorklistStatus.CLAIMED;
                    state.claimedBy = action.getRadiologistId();
                }
                case COMPLETE -> {
                    complete(uid, state, record, now);
                    return;
                }
                // RELEASE, and any action an older reader cannot name (the schema's default).
                default -> {
                    state.status = WorklistStatus.UNREAD;
                    state.claimedBy = null;
                    reassign = true;
                }
            }
        }
        if (!state.readable()) {
            // A score or action before the study itself: keep it, emit once the study arrives.
            store.put(uid, state);
            return;
        }
        emit(uid, state, record.timestamp(), now, reassign);
    }

    private void complete(String uid, StudyPriorityState state, Record<String, PriorityInput> record, long now) {
        if (state.emitted()) {
            context.forward(new Record<String, RoutingRequest>(uid, null, record.timestamp()));
        }
        log.debug("Study {} completed at version {}; tombstoned", uid, state.version);
        store.put(uid, StudyPriorityState.completedMarker(state.version, now));
    }

    private void emit(String uid, StudyPriorityState state, long timestamp, long now, boolean reassign) {
        PriorityPolicy.Ranking ranking = policy.rank(state, now);
        // At least the wall clock, not merely +1: should the state ever be lost (a completion marker
        // expired, a store rebuilt from scratch), the next version still beats every one the sink
        // has stored, so the sink's "newer version wins" guard never drops a legitimate update.
        state.version = Math.max(state.version + 1, now);
        state.lastClass = ranking.priorityClass();
        state.lastScore = ranking.score();
        WorklistEntry entry = WorklistEntry.newBuilder()
                .setStudyInstanceUid(uid)
                .setAccessionNumber(state.accessionNumber)
                .setRadiologistId("")
                .setPriorityClass(ranking.priorityClass())
                .setPriorityScore(ranking.score())
                .setStudyScore(state.scored() ? state.studyScore : null)
                .setModelName(state.scored() ? state.modelName : null)
                .setModelVersion(state.scored() ? state.modelVersion : null)
                .setReasons(ranking.reasons())
                .setStatus(state.status)
                .setClaimedBy(state.status == WorklistStatus.CLAIMED ? state.claimedBy : null)
                .setWaitingSince(Instant.ofEpochMilli(state.waitingSince))
                .setUpdatedAt(Instant.ofEpochMilli(now))
                .setVersion(state.version)
                .setStudyRevision(state.revision)
                .setClinicId(state.clinicId)
                .setPatientInClinic(ranking.patientInClinic())
                .setLastActionId(state.lastActionId)
                .build();
        String site = state.orderingSite != null ? state.orderingSite : state.clinicId;
        context.forward(new Record<>(uid, new RoutingRequest(entry, state.assignedReader, site, state.subspecialty,
                reassign), timestamp));
        store.put(uid, state);
    }

    /**
     * Re-ranks every waiting entry of this task's partitions. A full scan: open studies number in
     * the thousands per partition, so a scan per interval is cheaper and simpler than keeping a
     * second, time-ordered index consistent with the state.
     */
    private void age(long now) {
        List<KeyValue<String, StudyPriorityState>> changed = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        // Collected first and applied after: writing to a store while iterating it is not safe
        // for every store implementation.
        try (KeyValueIterator<String, StudyPriorityState> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, StudyPriorityState> next = all.next();
                StudyPriorityState state = next.value;
                if (state.completed()) {
                    if (now - state.completedAt >= completedRetention.toMillis()) {
                        expired.add(next.key);
                    }
                } else if (state.readable() && state.emitted() && state.status == WorklistStatus.UNREAD
                        && PriorityPolicy.materiallyChanged(state, policy.rank(state, now), agingMinChange)) {
                    changed.add(next);
                }
            }
        }
        expired.forEach(store::delete);
        for (KeyValue<String, StudyPriorityState> change : changed) {
            emit(change.key, change.value, now, now, false);
        }
        if (!changed.isEmpty() || !expired.isEmpty()) {
            log.debug("Aging: {} entries re-ranked, {} completion markers expired", changed.size(), expired.size());
        }
    }

    private static String kind(PriorityInput input) {
        return input.study() != null ? "revision" : input.score() != null ? "score" : "reading action";
    }
}
