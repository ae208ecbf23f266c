package io.rtr.standalone.audit;

import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.schemas.serde.AvroSerdeConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A radiologist's worklist as it was at one moment, rebuilt from rtr.worklist: the latest entry
 * per study whose record timestamp is at or before that moment, a tombstone removing the study,
 * then only that radiologist's studies in reading order. Every study is followed, not only the
 * radiologist's, because a study reassigned to someone else must leave this queue.
 *
 * <p>rtr.worklist is compacted: once the cleaner has run, superseded entries are gone, so a moment
 * older than the topic's {@code min.compaction.lag.ms} may be rebuilt without studies that were
 * later updated; the live pipeline keeps that lag long enough for the audits it promises.
 */
final class WorklistAt {

    /** Reading order: priority class (declared most urgent first), then priority score high first, then longest waiting. */
    static final Comparator<WorklistEntry> READING_ORDER = readingOrder(WorklistEntry::getPriorityClass,
            WorklistEntry::getPriorityScore, WorklistEntry::getWaitingSince, WorklistEntry::getStudyInstanceUid);

    /** {@link #READING_ORDER} over anything that has the four ranking fields, e.g. an entry re-ranked with another score. */
    static <T> Comparator<T> readingOrder(Function<T, PriorityClass> priorityClass, Function<T, Double> priorityScore,
                                          Function<T, Instant> waitingSince, Function<T, String> studyInstanceUid) {
        return Comparator.comparingInt((T e) -> priorityClass.apply(e).ordinal())
                .thenComparing(priorityScore, Comparator.reverseOrder())
                .thenComparing(waitingSince)
                .thenComparing(studyInstanceUid);
    }

    /** The queue in reading order and what was scanned to rebuild it. */
    record Result(String radiologist, Instant at, List<WorklistEntry> queue, int studiesOnAnyWorklist,
                  LogScanner.Stats stats) {
    }

    private final LogScanner scanner;
    private final String topic;
    private final Map<String, Object> serdeConfig;

    WorklistAt(LogScanner scanner, String topic, String registryUrl) {
        this.scanner = scanner;
        this.topic = topic;
        this.serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
    }

    Result rebuild(String radiologist, Instant at) {
        Snapshot snapshot = snapshot(at);
        List<WorklistEntry> queue = new ArrayList<>(snapshot.queues().getOrDefault(radiologist, List.of()));
        return new Result(radiologist, at, List.copyOf(queue), snapshot.studiesOnAnyWorklist(), snapshot.stats());
    }

    /** Every radiologist's queue at one moment, each in reading order, and what was scanned to rebuild them. */
    record Snapshot(Instant at, Map<String, List<WorklistEntry>> queues, int studiesOnAnyWorklist,
                    LogScanner.Stats stats) {
    }

    /** Every radiologist's queue at {@code at}, keyed by radiologist id. */
    Snapshot snapshot(Instant at) {
        List<TopicPartition> partitions = scanner.partitions(topic);
        long atMillis = at.toEpochMilli();
        // Only the latest record per study matters, so keep records and decode the survivors once at the end.
        Map<String, ConsumerRecord<byte[], byte[]>> latest = new HashMap<>();
        LogScanner.Stats stats = scanner.scan("worklist at " + at, scanner.window(partitions, null,
                at.plusMillis(1)), record -> {
                    if (record.timestamp() > atMillis || record.key() == null) {
                        return;
                    }
                    String study = new String(record.key(), StandardCharsets.UTF_8);
                    if (record.value() == null) {
                        latest.remove(study);
                    } else {
                        latest.put(study, record);
                    }
                });
        AvroDeserializer<WorklistEntry> deserializer = new AvroDeserializer<>(WorklistEntry.class);
        deserializer.configure(serdeConfig, false);
        Map<String, List<WorklistEntry>> queues = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : latest.values()) {
            WorklistEntry entry = deserializer.deserialize(record);
            if (entry != null) {
                queues.computeIfAbsent(entry.getRadiologistId(), r -> new ArrayList<>()).add(entry);
            }
        }
        queues.values().forEach(queue -> queue.sort(READING_ORDER));
        return new Snapshot(at, queues, latest.size(), stats);
    }
}
