package io.rtr.standalone.audit;

import java.time.Instant;
import java.util.Map;

/**
 * One step of a study's decision chain: where it is on the log, when it was written, what kind of
 * decision it was, its fields for {@code --json} and its line for people.
 *
 * @param time record timestamp, which orders the chain
 * @param stage position of the topic in the pipeline, which orders events of the same millisecond
 */
record AuditEvent(Instant time, int stage, String topic, int partition, long offset, String type,
                  Map<String, Object> fields, String line) {
}
