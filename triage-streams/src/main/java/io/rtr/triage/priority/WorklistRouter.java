package io.rtr.triage.priority;

import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.WorklistStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global half of prioritization: the single task that reads the one-partition routing topic, so it
 * sees every worklist change of every study and keeps exact queue lengths per radiologist
 * ({@link PrioritizationTopology#QUEUE_STORE}) and each study's radiologist
 * ({@link PrioritizationTopology#ASSIGNMENT_STORE}). It sets the entry's radiologist (whoever
 * claimed it, else the order's reader, else the existing assignment, else {@link AssignmentRules})
 * and writes rtr.worklist.
 */
final class WorklistRouter implements Processor<String, RoutingRequest, String, WorklistEntry> {

    private static final Logger log = LoggerFactory.getLogger(WorklistRouter.class);

    private final AssignmentRules rules;
    private KeyValueStore<String, Assignment> assignments;
    private KeyValueStore<String, Long> queues;
    private ProcessorContext<String, WorklistEntry> context;

    WorklistRouter(AssignmentRules rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public void init(ProcessorContext<String, WorklistEntry> context) {
        this.context = context;
        this.assignments = context.getStateStore(PrioritizationTopology.ASSIGNMENT_STORE);
        this.queues = context.getStateStore(PrioritizationTopology.QUEUE_STORE);
    }

    @Override
    public void process(Record<String, RoutingRequest> record) {
        String uid = record.key();
        RoutingRequest request = record.value();
        Assignment current = assignments.get(uid);
        if (request == null) {
            if (current != null) {
                adjustQueue(current.radiologist(), -1);
                assignments.delete(uid);
            }
            context.forward(record.<WorklistEntry>withValue(null));
            return;
        }
        Assignment assignment = assign(request, current);
        if (!assignment.equals(current)) {
            if (current != null) {
                adjustQueue(current.radiologist(), -1);
            }
            adjustQueue(assignment.radiologist(), +1);
            assignments.put(uid, assignment);
            log.debug("Study {} on the worklist of {} ({})", uid, assignment.radiologist(), assignment.source());
        }
        WorklistEntry entry = WorklistEntry.newBuilder(request.entry()).setRadiologistId(assignment.radiologist())
                .build();
        List<String> reasons = new ArrayList<>(entry.getReasons());
        reasons.add(assignment.reason());
        entry.setReasons(reasons);
        context.forward(record.withValue(entry));
    }

    private Assignment assign(RoutingRequest request, Assignment current) {
        String claimer = request.entry().getStatus() == WorklistStatus.CLAIMED ? request.entry().getClaimedBy() : null;
        if (claimer != null) {
            if (current != null && current.radiologist().equals(claimer)) {
                return current;
            }
            // Whoever reads a study holds it: their queue, not the original one, carries it now
            // (a pool study, or a colleague's taken over).
            return new Assignment(claimer, Assignment.Source.CLAIM, "claimed by " + claimer);
        }
        String reader = request.preferredReader();
        if (reader != null && !reader.isBlank()) {
            if (current != null && current.source() == Assignment.Source.ORDER && current.radiologist().equals(reader)) {
                return current;
            }
            // The order names its reader: that is a decision already taken by a person.
            return new Assignment(reader, Assignment.Source.ORDER, "assigned to " + reader + " by the order");
        }
        boolean keep = current != null && switch (current.source()) {
            case ORDER -> true;
            case RULE, CLAIM -> !request.reassign();
            // The pool is a fallback, not a decision: try the rules again whenever the study changes.
            case POOL -> false;
        };
        if (keep) {
            return current;
        }
        String currentReader = current == null ? null : current.radiologist();
        // The study itself must not count against the radiologist that holds it now, or a
        // release would always push it away from an otherwise equal queue.
        AssignmentRules.Choice choice = rules.choose(request.site(), request.subspecialty(),
                radiologist -> queueLength(radiologist) - (radiologist.equals(currentReader) ? 1 : 0));
        Assignment.Source source = choice.pooled() ? Assignment.Source.POOL : Assignment.Source.RULE;
        if (current != null && current.radiologist().equals(choice.radiologist()) && current.source() == source) {
            return current;
        }
        return new Assignment(choice.radiologist(), source, choice.reason());
    }

    private long queueLength(String radiologist) {
        Long length = queues.get(radiologist);
        return length == null ? 0 : length;
    }

    private void adjustQueue(String radiologist, int delta) {
        long length = Math.max(0, queueLength(radiologist) + delta);
        if (length == 0) {
            queues.delete(radiologist);
        } else {
            queues.put(radiologist, length);
        }
    }
}
