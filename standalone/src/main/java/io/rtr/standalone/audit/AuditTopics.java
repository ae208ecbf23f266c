package io.rtr.standalone.audit;

import io.rtr.schemas.Topics;
import java.util.List;

/**
 * The six topics a study's decision chain lives on, in pipeline order (which breaks ties between
 * events with the same timestamp). Names are parameters so that the benchmark can audit fresh topics.
 */
record AuditTopics(String instances, String rejected, String studies, String scores, String worklist,
                   String actions) {

    static AuditTopics standard() {
        return new AuditTopics(Topics.INSTANCES.name(), Topics.INSTANCES_REJECTED.name(), Topics.STUDIES.name(),
                Topics.SCORES.name(), Topics.WORKLIST.name(), Topics.WORKLIST_ACTIONS.name());
    }

    List<String> inPipelineOrder() {
        return List.of(instances, rejected, studies, scores, worklist, actions);
    }
}
