package io.rtr.worklist.sink;

import io.rtr.schemas.WorklistEntry;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryException;
import io.rtr.schemas.serde.AvroDeserializer;
import io.rtr.worklist.db.ArchivePurger;
import io.rtr.worklist.db.SqlErrors;
import io.rtr.worklist.db.SqlFailure;
import io.rtr.worklist.db.WorklistChange;
import io.rtr.worklist.db.WorklistSchema;
import io.rtr.worklist.db.WorklistWriter;
import io.rtr.worklist.db.WriteResult;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code rtr.worklist} records into Postgres through a {@link WorklistWriter}.
 *
 * <p>Values must arrive as the raw Confluent-wire-format bytes ({@code value.converter =
 * org.apache.kafka.connect.converters.ByteArrayConverter}) and are decoded here with the
 * {@code schemas} module's {@link AvroDeserializer}. Why not an Avro converter: Confluent's
 * AvroConverter is not available from Maven Central, and a converter would turn the record into a
 * Connect Struct only for this task to map it back; decoding into the generated
 * {@link WorklistEntry} keeps one schema-resolution path for every RTR consumer and makes a
 * record that cannot be decoded a per-record dead letter instead of a converter failure.
 *
 * <p>Failures: a retriable database failure (see {@link SqlErrors}) makes Connect redeliver the
 * same records after a growing backoff ({@link RetriableException} and {@code context.timeout})
 * up to max.retries times, then fails the task; redelivery is safe because upserts are
 * version-guarded and archiving is idempotent. A record that can never be written (not
 * decodable, key and value disagree, breaks a constraint) goes to the errant record reporter,
 * i.e. the dead-letter topic of {@code errors.deadletterqueue.topic.name}.
 *
 * <p>Every put() commits before it returns, so the default flush/preCommit (commit what was put)
 * is exactly right and nothing is buffered across calls.
 *
 * <p>Unless archive.retention.ms is -1, the task also purges archived rows past the retention on a
 * thread of its own ({@link ArchivePurgeSchedule}, {@link ArchivePurger}): once at start, then every
 * archive.purge.interval.ms. Every task schedules it and an advisory lock lets one run at a time.
 */
public final class WorklistSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(WorklistSinkTask.class);

    private final SchemaRegistryClient registryOverride;
    private WorklistSinkConfig config;
    private WorklistWriter writer;
    private AvroDeserializer<WorklistEntry> deserializer;
    private ArchivePurgeSchedule purge;
    private int failedAttempts;

    /** For Connect to instantiate. */
    public WorklistSinkTask() {
        this(null);
    }

    /** Test seam: decodes with {@code registry} instead of one built from schema.registry.url. */
    WorklistSinkTask(SchemaRegistryClient registry) {
        this.registryOverride = registry;
    }

    @Override
    public String version() {
        return WorklistSinkConnector.VERSION;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new WorklistSinkConfig(props);
        if (registryOverride != null) {
            deserializer = new AvroDeserializer<>(WorklistEntry.class, registryOverride);
        } else {
            deserializer = new AvroDeserializer<>(WorklistEntry.class);
            deserializer.configure(config.serdeConfigs(), false);
        }
        if (config.autoMigrate()) {
            try {
                WorklistSchema.migrate(config.connectionUrl(), config.connectionProperties());
            } catch (RuntimeException e) {
                throw new ConnectException("Cannot apply the worklist migrations to " + config.connectionUrl()
                        + "; check the database is up and the user may create tables and roles, or apply them"
                        + " beforehand and set " + WorklistSinkConfig.AUTO_MIGRATE_CONFIG + "=false", e);
            }
        }
        writer = new WorklistWriter(config.connectionUrl(), config.connectionProperties());
        failedAttempts = 0;
        // Every task schedules the purge and an advisory lock lets one run at a time: no task is
        // special, so the purge keeps running whichever tasks Connect moves or restarts.
        config.archiveRetention().ifPresentOrElse(retention -> {
            purge = new ArchivePurgeSchedule(new ArchivePurger(config.connectionUrl(), config.connectionProperties()),
                    retention, config.archivePurgeBatchSize(), config.archivePurgeInterval());
            purge.start();
        }, () -> purge = null);
        log.info("Worklist sink task started, writing to {} in batches of {}; archived rows {}", config.connectionUrl(),
                config.batchSize(), config.archiveRetention().map(r -> "purged after " + r).orElse("kept forever"));
    }

    /** Test seam: the purge schedule, or null when archived rows are kept forever. */
    ArchivePurgeSchedule archivePurge() {
        return purge;
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        List<Decoded> decoded = decode(records);
        WriteResult total = WriteResult.EMPTY;
        try {
            for (int start = 0; start < decoded.size(); start += config.batchSize()) {
                List<Decoded> batch = decoded.subList(start, Math.min(decoded.size(), start + config.batchSize()));
                total = total.plus(writeBatch(batch));
            }
        } catch (SQLException e) {
            throw retryOrFail(e, records.size());
        }
        failedAttempts = 0;
        log.debug("Put {} records: {}", records.size(), total);
    }

    private WriteResult writeBatch(List<Decoded> batch) throws SQLException {
        List<WorklistChange> changes = new ArrayList<>(batch.size());
        for (Decoded d : batch) {
            changes.add(d.change());
        }
        try {
            return writer.write(changes);
        } catch (SQLException e) {
            if (SqlErrors.classify(e) != SqlFailure.BAD_RECORD) {
                throw e;
            }
            // The batch rolled back as a whole; find the culprits by writing one at a time so that
            // every good record still lands and only the bad ones are dead-lettered.
            log.debug("Batch of {} hit a bad record ({}), writing one by one", batch.size(), SqlErrors.describe(e));
            return writeOneByOne(batch);
        }
    }

    private WriteResult writeOneByOne(List<Decoded> batch) throws SQLException {
        WriteResult total = WriteResult.EMPTY;
        for (Decoded d : batch) {
            try {
                total = total.plus(writer.write(List.of(d.change())));
            } catch (SQLException e) {
                if (SqlErrors.classify(e) != SqlFailure.BAD_RECORD) {
                    throw e;
                }
                deadLetter(d.record(), new DataException("Postgres rejected " + d.change() + " ("
                        + SqlErrors.describe(e) + ")", e));
            }
        }
        return total;
    }

    private List<Decoded> decode(Collection<SinkRecord> records) {
        List<Decoded> decoded = new ArrayList<>(records.size());
        for (SinkRecord record : records) {
            WorklistChange change;
            try {
                change = toChange(record);
            } catch (SerializationException e) {
                if (SchemaRegistryException.retriableCause(e)) {
                    // The registry is down, not the record bad: the whole put() is retried.
                    throw retryOrFail(e, records.size());
                }
                deadLetter(record, e);
                continue;
            } catch (DataException e) {
                deadLetter(record, e);
                continue;
            }
            log.trace("Record {}-{}@{} is {}", record.topic(), record.kafkaPartition(), record.kafkaOffset(), change);
            decoded.add(new Decoded(record, change));
        }
        return decoded;
    }

    /** Maps one record to a change; package-private so the mapping rules are unit-tested. */
    WorklistChange toChange(SinkRecord record) {
        String key = keyOf(record);
        Object value = record.value();
        if (value == null) {
            if (key == null) {
                throw new DataException("tombstone without a key: no study to archive");
            }
            return WorklistChange.tombstone(key);
        }
        if (!(value instanceof byte[] bytes)) {
            // Every record has the same wrong type when this happens: a configuration error, not
            // a bad record, so the task stops instead of dead-lettering the whole topic.
            throw new ConnectException("value of " + record.topic() + " is a " + value.getClass().getName()
                    + ", not bytes: set value.converter=org.apache.kafka.connect.converters.ByteArrayConverter");
        }
        WorklistEntry entry = deserializer.deserialize(record.topic(),
                record.kafkaPartition() == null ? -1 : record.kafkaPartition(), record.kafkaOffset(), bytes);
        if (key != null && !key.equals(entry.getStudyInstanceUid())) {
            // Compaction and tombstones work by key; a row stored under another UID could never be removed.
            throw new DataException("record key " + key + " is not the entry's study UID "
                    + entry.getStudyInstanceUid());
        }
        return WorklistChange.upsert(entry);
    }

    private static String keyOf(SinkRecord record) {
        Object key = record.key();
        if (key == null) {
            return null;
        }
        if (key instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return key.toString();
    }

    private RuntimeException retryOrFail(Exception cause, int records) {
        SqlFailure kind = cause instanceof SQLException sql ? SqlErrors.classify(sql) : SqlFailure.RETRIABLE;
        String what = cause instanceof SQLException ? "Postgres at " + config.connectionUrl() : "the schema registry";
        String why = cause instanceof SQLException sql ? SqlErrors.describe(sql) : cause.getMessage();
        if (kind == SqlFailure.FATAL) {
            log.error("Cannot write worklist records to {}: {}. No record can be written until this is fixed"
                    + " (are the migrations applied, does the user own the tables?); the task stops.",
                    what, why);
            return new ConnectException("Permanent failure writing to " + what + ": " + why, cause);
        }
        if (failedAttempts >= config.maxRetries()) {
            log.error("Giving up on {} records after {} retries: {} still fails ({}). Bring it back and"
                    + " restart the task; nothing is lost, the records are redelivered from the committed offsets.",
                    records, failedAttempts, what, why);
            return new ConnectException("Gave up after " + failedAttempts + " retries; " + what + " failed: " + why,
                    cause);
        }
        failedAttempts++;
        Duration wait = config.backoffBefore(failedAttempts);
        log.warn("Retriable failure of {} ({}); retry {} of {} in {} ms", what, why, failedAttempts,
                config.maxRetries(), wait.toMillis());
        context.timeout(wait.toMillis());
        return new RetriableException("Retriable failure of " + what + ": " + why, cause);
    }

    private void deadLetter(SinkRecord record, Exception reason) {
        ErrantRecordReporter reporter = context.errantRecordReporter();
        if (reporter == null) {
            throw new ConnectException("Record " + record.topic() + "-" + record.kafkaPartition() + "@"
                    + record.kafkaOffset() + " cannot be written and this worker has no errant record"
                    + " reporter (configure errors.tolerance=all and errors.deadletterqueue.topic.name)", reason);
        }
        log.warn("Dead-lettering record {}-{}@{}: {}", record.topic(), record.kafkaPartition(),
                record.kafkaOffset(), reason.getMessage());
        // Not awaited: Connect waits for reported records before it commits their offsets.
        reporter.report(record, reason);
    }

    @Override
    public void stop() {
        if (purge != null) {
            purge.close();
            purge = null;
        }
        if (writer != null) {
            writer.close();
        }
        if (deserializer != null) {
            deserializer.close();
        }
        log.info("Worklist sink task stopped");
    }

    /** A record and the change it decodes to. */
    private record Decoded(SinkRecord record, WorklistChange change) {
    }
}
