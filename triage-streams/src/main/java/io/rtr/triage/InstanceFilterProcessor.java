package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the configured {@link RuleSet}: passes accepted instances on, turns the rest into rejections. */
final class InstanceFilterProcessor
        implements Processor<String, ReceivedInstance, String, Outcome<ReceivedInstance, InstanceRejected>> {

    static final String STAGE = "triage-streams/filter";
    private static final Logger log = LoggerFactory.getLogger(InstanceFilterProcessor.class);

    private final RuleSet rules;
    private ProcessorContext<String, Outcome<ReceivedInstance, InstanceRejected>> context;

    InstanceFilterProcessor(RuleSet rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public void init(ProcessorContext<String, Outcome<ReceivedInstance, InstanceRejected>> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, ReceivedInstance> record) {
        InstanceReceived instance = record.value().value();
        Optional<Rejection> rejection = rules.evaluate(instance);
        if (rejection.isEmpty()) {
            context.forward(record.withValue(Outcome.mainValue(record.value())));
            return;
        }
        Rejection r = rejection.get();
        log.trace("Instance {} of study {} rejected by rule {}: {}", instance.getSopInstanceUid(),
                instance.getStudyInstanceUid(), r.ruleId(), r.reason());
        context.forward(record.withValue(Outcome.sideValue(rejected(instance, r, context.currentSystemTimeMs(), STAGE))));
    }

    /** The rejection event for {@code instance}; {@code nowMs} is wall-clock decision time. */
    static InstanceRejected rejected(InstanceReceived instance, Rejection rejection, long nowMs, String stage) {
        return InstanceRejected.newBuilder()
                .setInstance(instance)
                .setStudyInstanceUid(instance.getStudyInstanceUid())
                .setSopInstanceUid(instance.getSopInstanceUid())
                .setReasonCode(rejection.reason())
                .setRuleId(rejection.ruleId())
                .setMessage(rejection.message())
                .setRejectedAt(Instant.ofEpochMilli(nowMs))
                .setStage(stage)
                .build();
    }
}
