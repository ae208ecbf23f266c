package io.rtr.standalone.audit;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.ReadingAction;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The decision chain of one study, read from the six study-scoped topics. They are all keyed by
 * StudyInstanceUID with the default partitioner, so only the key's partition of each is scanned
 * ({@link LogScanner#partitionForKey}); records of other studies there are skipped by comparing key
 * bytes, before any Avro decoding.
 */
final class StudyAudit {

    /** The chain, in time order, and what was scanned to find it. */
    record Result(String studyInstanceUid, List<AuditEvent> events, Map<String, Integer> partitions,
                  LogScanner.Stats stats) {
    }

    private final LogScanner scanner;
    private final AuditTopics topics;
    private final Map<String, Object> serdeConfig;

    StudyAudit(LogScanner scanner, AuditTopics topics, String registryUrl) {
        this.scanner = scanner;
        this.topics = topics;
        this.serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    }

    Result audit(String studyInstanceUid) {
        byte[] key = studyInstanceUid.getBytes(StandardCharsets.UTF_8);
        List<String> names = topics.inPipelineOrder();
        Map<String, Integer> partitions = new LinkedHashMap<>();
        List<TopicPartition> toScan = new ArrayList<>();
        for (String topic : names) {
            TopicPartition tp = scanner.partitionOf(topic, studyInstanceUid);
            partitions.put(topic, tp.partition());
            toScan.add(tp);
        }
        Decoders decoders = new Decoders(serdeConfig);
        List<AuditEvent> events = new ArrayList<>();
        LogScanner.Stats stats = scanner.scan("audit " + abbreviate(studyInstanceUid), scanner.whole(toScan), record -> {
            if (Arrays.equals(record.key(), key)) {
                int stage = names.indexOf(record.topic());
                AuditEvent event;
                try {
                    event = decoders.event(stage, record);
                } catch (SerializationException e) {
                    // An audit shows a record it cannot read instead of hiding it or giving up on the study.
                    event = new AuditEvent(Instant.ofEpochMilli(record.timestamp()), stage, record.topic(),
                            record.partition(), record.offset(), "UNDECODABLE", Map.of("error", e.getMessage()),
                            "cannot decode: " + e.getMessage());
                }
                if (event != null) {
                    events.add(event);
                }
            }
        });
        events.sort(Comparator.comparing(AuditEvent::time).thenComparingInt(AuditEvent::stage)
                .thenComparingLong(AuditEvent::offset));
        return new Result(studyInstanceUid, List.copyOf(events), partitions, stats);
    }

    private static String abbreviate(String uid) {
        return uid.length() <= 24 ? uid : "..." + uid.substring(uid.length() - 21);
    }

    /** One deserializer per event type, configured once for the whole scan (each caches its schemas). */
    private static final class Decoders {
        private final AvroDeserializer<InstanceReceived> instances;
        private final AvroDeserializer<InstanceRejected> rejections;
        private final AvroDeserializer<StudyAssembled> studies;
        private final AvroDeserializer<StudyScored> scores;
        private final AvroDeserializer<WorklistEntry> worklist;
        private final AvroDeserializer<ReadingAction> actions;

        Decoders(Map<String, Object> config) {
            instances = configured(InstanceReceived.class, config);
            rejections = configured(InstanceRejected.class, config);
            studies = configured(StudyAssembled.class, config);
            scores = configured(StudyScored.class, config);
            worklist = configured(WorklistEntry.class, config);
            actions = configured(ReadingAction.class, config);
        }

        private static <T extends SpecificRecord> AvroDeserializer<T> configured(Class<T> type,
                                                                                Map<String, Object> config) {
            AvroDeserializer<T> deserializer = new AvroDeserializer<>(type);
            deserializer.configure(config, false);
            return deserializer;
        }

        AuditEvent event(int stage, ConsumerRecord<byte[], byte[]> record) {
            Instant time = Instant.ofEpochMilli(record.timestamp());
            Map<String, Object> fields = new LinkedHashMap<>();
            String type;
            String line;
            switch (stage) {
                case 0 -> {
                    InstanceReceived e = instances.deserialize(record);
                    if (e == null) {
                        return null;
                    }
                    type = "INSTANCE_RECEIVED";
                    fields.put("sopInstanceUid", e.getSopInstanceUid());
                    fields.put("seriesInstanceUid", e.getSeriesInstanceUid());
                    fields.put("callingAeTitle", e.getCallingAeTitle());
                    fields.put("calledAeTitle", e.getCalledAeTitle());
                    fields.put("source", e.getSource().name());
                    fields.put("sha256", e.getSha256());
                    fields.put("viewPosition", e.getViewPosition());
                    fields.put("imageLaterality", e.getImageLaterality());
                    fields.put("replacement", e.getReplacement());
                    fields.put("receivedAt", e.getReceivedAt().toString());
                    line = "sop " + e.getSopInstanceUid() + " from AE " + orDash(e.getCallingAeTitle())
                            + " (" + e.getSource() + ")" + (e.getReplacement() ? ", replacement" : "")
                            + ", sha256 " + e.getSha256();
                }
                case 1 -> {
                    InstanceRejected e = rejections.deserialize(record);
                    if (e == null) {
                        return null;
                    }
                    type = "INSTANCE_REJECTED";
                    fields.put("sopInstanceUid", e.getSopInstanceUid());
                    fields.put("reasonCode", e.getReasonCode().name());
                    fields.put("ruleId", e.getRuleId());
                    fields.put("stage", e.getStage());
                    fields.put("message", e.getMessage());
                    fields.put("rejectedAt", e.getRejectedAt().toString());
                    line = "sop " + orDash(e.getSopInstanceUid()) + " by rule " + orDash(e.getRuleId())
                            + " (" + e.getReasonCode() + ") at " + e.getStage() + ": " + e.getMessage();
                }
                case 2 -> {
                    StudyAssembled e = studies.deserialize(record);
                    if (e == null) {
                        return null;
                    }
                    type = "STUDY_ASSEMBLED";
                    List<String> sops = e.getInstances().stream().map(InstanceReceived::getSopInstanceUid).toList();
                    fields.put("revision", e.getRevision());
                    fields.put("completenessReason", e.getCompletenessReason().name());
                    fields.put("instanceCount", sops.size());
                    fields.put("sopInstanceUids", sops);
                    fields.put("accessionNumber", e.getAccessionNumber());
                    fields.put("orderPriority", e.getOrderContext() == null ? null
                            : e.getOrderContext().getOrderPriority().name());
                    fields.put("assembledAt", e.getAssembledAt().toString());
                    line = "revision " + e.getRevision() + ": " + e.getCompletenessReason() + ", " + sops.size()
                            + " instance(s)" + (e.getOrderContext() == null ? ", no order yet"
                            : ", order " + e.getOrderContext().getOrderPriority());
                }
                case 3 -> {
                    StudyScored e = scores.deserialize(record);
                    if (e == null) {
                        return null;
                    }
                    type = "STUDY_SCORED";
                    fields.put("studyRevision", e.getStudyRevision());
                    fields.put("modelName", e.getModelName());
                    fields.put("modelVersion", e.getModelVersion());
                    fields.put("modelSha256", e.getModelSha256());
                    fields.put("studyScore", e.getStudyScore());
                    fields.put("threshold", e.getThreshold());
                    fields.put("suspicious", e.getSuspicious());
                    fields.put("device", e.getDevice());
                    fields.put("scoredAt", e.getScoredAt().toString());
                    line = String.format(Locale.ROOT, "revision %d by %s %s (sha256 %s): score %.3f %s threshold %.3f%s, on %s",
                            e.getStudyRevision(), e.getModelName(), e.getModelVersion(), e.getModelSha256(),
                            e.getStudyScore(), e.getSuspicious() ? ">=" : "<", e.getThreshold(),
                            e.getSuspicious() ? " SUSPICIOUS" : "", e.getDevice());
                }
                case 4 -> {
                    WorklistEntry e = worklist.deserialize(record);
                    if (e == null) {
                        type = "WORKLIST_REMOVED";
                        line = "tombstone: the study left the worklists";
                    } else {
                        type = "WORKLIST_UPDATED";
                        fields.put("radiologistId", e.getRadiologistId());
                        fields.put("priorityClass", e.getPriorityClass().name());
                        fields.put("priorityScore", e.getPriorityScore());
                        fields.put("status", e.getStatus().name());
                        fields.put("claimedBy", e.getClaimedBy());
                        fields.put("studyRevision", e.getStudyRevision());
                        fields.put("version", e.getVersion());
                        fields.put("modelName", e.getModelName());
                        fields.put("modelVersion", e.getModelVersion());
                        fields.put("reasons", List.copyOf(e.getReasons()));
                        fields.put("updatedAt", e.getUpdatedAt().toString());
                        line = String.format(Locale.ROOT, "%s: %s priority %.3f, %s%s, revision %d, version %d%s",
                                e.getRadiologistId(), e.getPriorityClass(), e.getPriorityScore(), e.getStatus(),
                                e.getClaimedBy() == null ? "" : " by " + e.getClaimedBy(), e.getStudyRevision(),
                                e.getVersion(), e.getReasons().isEmpty() ? ""
                                        : " (" + String.join("; ", e.getReasons()) + ")");
                    }
                }
                case 5 -> {
                    ReadingAction e = actions.deserialize(record);
                    if (e == null) {
                        return null;
                    }
                    type = "READING_ACTION";
                    fields.put("actionId", e.getActionId());
                    fields.put("radiologistId", e.getRadiologistId());
                    fields.put("action", e.getAction().name());
                    fields.put("comment", e.getComment());
                    fields.put("at", e.getAt().toString());
                    line = e.getRadiologistId() + " " + e.getAction() + " (" + e.getActionId() + ")"
                            + (e.getComment() == null ? "" : ": \"" + e.getComment() + "\"");
                }
                default -> throw new IllegalArgumentException("not an audited topic: " + record.topic());
            }
            return new AuditEvent(time, stage, record.topic(), record.partition(), record.offset(), type,
                    fields, line);
        }

        private static String orDash(Object value) {
            return Objects.toString(value, "-");
        }
    }
}
