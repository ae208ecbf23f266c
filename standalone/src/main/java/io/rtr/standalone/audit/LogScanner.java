package io.rtr.standalone.audit;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads offset ranges of partitions with a consumer that never joins a group: no {@code group.id},
 * {@code assign} + {@code seek} only, nothing committed, so an audit leaves no trace on the cluster
 * and cannot take partitions away from the running pipeline. Shows a progress bar with rate and
 * ETA and stops early, keeping what it read, when the {@link Interruption} fires.
 */
final class LogScanner implements AutoCloseable {

    /** How long metadata calls wait before the cluster is declared unreachable. */
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);
    /** A scan that reads nothing for this long while records are still expected has lost the broker. */
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    /** One partition's offsets to read, {@code from} inclusive, {@code to} exclusive. */
    record Range(TopicPartition partition, long from, long to) {
        long size() {
            return Math.max(0, to - from);
        }
    }

    /** What a scan did; {@code interrupted} means Ctrl-C stopped it before the end of its ranges. */
    record Stats(long scanned, long total, boolean interrupted, long elapsedNanos) {
        double perMinute() {
            return elapsedNanos == 0 ? 0 : scanned * 60e9 / elapsedNanos;
        }
    }

    private final String bootstrap;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PrintStream progressOut;
    private final Interruption interruption;

    /**
     * @param progressOut where the progress bar goes (stderr), or null for none
     */
    LogScanner(String bootstrap, PrintStream progressOut, Interruption interruption) {
        this.bootstrap = bootstrap;
        this.progressOut = progressOut;
        this.interruption = interruption;
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "rtr-audit");
        // No group.id: the consumer is never a group member, so it cannot commit nor rebalance anyone.
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // Read-only: looking up a mistyped --topic on a broker that creates topics on first use
        // would otherwise leave an empty topic of that name behind instead of failing.
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // The inference worker writes transactionally: aborted scores never happened, so never show them.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Only consulted when retention deletes records under a running scan: what is gone cannot be
        // audited, so go on from the new log start instead of failing the whole scan.
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(METADATA_TIMEOUT.toMillis()));
        try {
            consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw LogFailure.usage("--bootstrap '" + bootstrap + "' is not usable (" + e.getMessage()
                    + "): give HOST:PORT of a Kafka broker, e.g. 127.0.0.1:9092");
        }
        interruption.onInterrupt(consumer::wakeup);
    }

    /** The partition the default partitioner gives {@code key}: murmur2 of its UTF-8 bytes, made positive, modulo the count. */
    static int partitionForKey(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The partitions of {@code topic}; a missing topic is a one-line failure naming it. */
    List<TopicPartition> partitions(String topic) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw unreachable();
        }
        if (infos == null || infos.isEmpty()) {
            throw LogFailure.failed("topic '" + topic + "' does not exist on " + bootstrap
                    + ": check the name (rtr.instances, rtr.instances.rejected, rtr.studies, rtr.scores, rtr.worklist,"
                    + " rtr.worklist.actions) or point --bootstrap at the right cluster");
        }
        List<TopicPartition> partitions = new ArrayList<>();
        infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
        return partitions;
    }

    /** The partition of {@code topic} holding {@code key} (all study-scoped topics are keyed by StudyInstanceUID). */
    TopicPartition partitionOf(String topic, String key) {
        return new TopicPartition(topic, partitionForKey(key, partitions(topic).size()));
    }

    /** Everything currently in the partitions, from the log start to the last committed offset. */
    List<Range> whole(Collection<TopicPartition> partitions) {
        return window(partitions, null, null);
    }

    /**
     * The offsets of records timestamped in [{@code from}, {@code to}), found with
     * {@code offsetsForTimes}: it returns the first offset whose timestamp is at or after a time, so
     * the range is exact when timestamps grow with offsets (LogAppendTime, or one producer per key in
     * time order, which is how the pipeline writes); callers filter by timestamp as well so that a
     * record written out of time order inside the range is not reported outside the window.
     */
    List<Range> window(Collection<TopicPartition> partitions, Instant from, Instant to) {
        try {
            assignOnly(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            Map<TopicPartition, OffsetAndTimestamp> starts = from == null ? Map.of()
                    : consumer.offsetsForTimes(timestamps(partitions, from), METADATA_TIMEOUT);
            Map<TopicPartition, OffsetAndTimestamp> ends = to == null ? Map.of()
                    : consumer.offsetsForTimes(timestamps(partitions, to), METADATA_TIMEOUT);
            Map<TopicPartition, Long> begin = from == null
                    ? consumer.beginningOffsets(partitions, METADATA_TIMEOUT) : Map.of();
            List<Range> ranges = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                long last = end.get(tp);
                OffsetAndTimestamp start = from == null ? null : starts.get(tp);
                long first = from == null ? begin.get(tp) : start == null ? last : start.offset();
                OffsetAndTimestamp stop = ends.get(tp);
                ranges.add(new Range(tp, first, stop == null ? last : Math.min(stop.offset(), last)));
            }
            return ranges;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw unreachable();
        }
    }

    /** The timestamp of the first record of each partition, when there is one: used to tell the user what time range the topic covers. */
    Map<TopicPartition, Long> firstTimestamps(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> first = new HashMap<>();
        assignOnly(partitions);
        consumer.offsetsForTimes(timestamps(partitions, Instant.EPOCH), METADATA_TIMEOUT)
                .forEach((tp, found) -> {
                    if (found != null) {
                        first.put(tp, found.timestamp());
                    }
                });
        return first;
    }

    /**
     * Offset lookups under read_committed also update the last stable offset of the partitions, and
     * the client warns for every partition not assigned; so the partitions looked up are assigned
     * first (assignment alone fetches nothing).
     */
    private void assignOnly(Collection<TopicPartition> partitions) {
        consumer.assign(partitions);
        consumer.resume(partitions);
    }

    private static Map<TopicPartition, Long> timestamps(Collection<TopicPartition> partitions, Instant at) {
        Map<TopicPartition, Long> query = new LinkedHashMap<>();
        partitions.forEach(tp -> query.put(tp, at.toEpochMilli()));
        return query;
    }

    /**
     * Reads every record of {@code ranges} into {@code sink}, in offset order per partition, with a
     * progress bar named {@code task}. Returns early, not throwing, when interrupted.
     */
    Stats scan(String task, List<Range> ranges, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        Map<TopicPartition, Long> remaining = new HashMap<>();
        long total = 0;
        for (Range range : ranges) {
            if (range.size() > 0) {
                remaining.put(range.partition(), range.to());
                total += range.size();
            }
        }
        long started = System.nanoTime();
        long scanned = 0;
        boolean interrupted = interruption.requested();
        if (remaining.isEmpty() || interrupted) {
            return new Stats(0, total, interrupted, 0);
        }
        assignOnly(remaining.keySet());
        for (Range range : ranges) {
            if (remaining.containsKey(range.partition())) {
                consumer.seek(range.partition(), range.from());
            }
        }
        try (ProgressBar bar = progressBar(task, total)) {
            long lastProgress = System.nanoTime();
            polling:
            while (!remaining.isEmpty()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                long before = scanned;
                for (TopicPartition tp : records.partitions()) {
                    Long end = remaining.get(tp);
                    if (end == null) {
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                        // Checked per record: a poll returns up to 10,000, and Ctrl-C should not wait for them.
                        if (interruption.requested()) {
                            interrupted = true;
                            break polling;
                        }
                        if (record.offset() >= end) {
                            break;
                        }
                        sink.accept(record);
                        scanned++;
                    }
                }
                if (bar != null) {
                    bar.stepTo(scanned);
                }
                // Compaction and transaction markers leave gaps, so a partition is done when its
                // position passed the end, not when the count of records read matches.
                List<TopicPartition> done = new ArrayList<>();
                remaining.forEach((tp, end) -> {
                    if (consumer.position(tp) >= end) {
                        done.add(tp);
                    }
                });
                if (!done.isEmpty()) {
                    consumer.pause(done);
                    done.forEach(remaining::remove);
                }
                if (scanned != before || !done.isEmpty()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                    throw LogFailure.failed("no record arrived from " + bootstrap + " for "
                            + STALL_TIMEOUT.toSeconds() + " s while reading " + remaining.keySet()
                            + ": check that the broker is up, then run again");
                }
            }
            if (bar != null) {
                bar.stepTo(scanned);
            }
        } catch (WakeupException e) {
            interrupted = true;
        }
        return new Stats(scanned, total, interrupted, System.nanoTime() - started);
    }

    /** A progress bar on the scanner's progress stream, or null when it shows none; also used for the replay's scoring. */
    ProgressBar progressBar(String task, long total) {
        if (progressOut == null) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                // A fixed width: asking the terminal for its size needs a TTY, which pipes and tests lack.
                .setConsumer(new ConsoleProgressBarConsumer(progressOut, 110))
                .setUpdateIntervalMillis(500)
                .setUnit(" ev", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .build();
    }

    private LogFailure unreachable() {
        return LogFailure.failed("cannot reach Kafka at " + bootstrap + " within " + METADATA_TIMEOUT.toSeconds()
                + " s: start the demo (./rtr demo) or pass --bootstrap HOST:PORT of a running broker");
    }

    @Override
    public void close() {
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (WakeupException e) {
            // A Ctrl-C that arrived after the last poll; the consumer is closed regardless.
        }
    }
}
