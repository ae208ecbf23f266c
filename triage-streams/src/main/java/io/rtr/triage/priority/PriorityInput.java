package io.rtr.triage.priority;

import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;

/**
 * One decoded input of the prioritizer: exactly one of a study revision, a model score or a
 * reading action. Never serialized: decoder and prioritizer run in the same task.
 */
record PriorityInput(StudyAssembled study, StudyScored score, ReadingAction action) {

    static PriorityInput of(Object event) {
        if (event instanceof StudyAssembled study) {
            return new PriorityInput(study, null, null);
        }
        if (event instanceof StudyScored score) {
            return new PriorityInput(null, score, null);
        }
        if (event instanceof ReadingAction action) {
            return new PriorityInput(null, null, action);
        }
        throw new IllegalArgumentException("not a prioritization input: " + event.getClass().getName());
    }

    String studyInstanceUid() {
        if (study != null) {
            return study.getStudyInstanceUid();
        }
        return score != null ? score.getStudyInstanceUid() : action.getStudyInstanceUid();
    }
}
