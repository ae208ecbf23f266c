package io.rtr.ingest;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceRejected;
import io.rtr.schemas.RejectReason;
import io.rtr.schemas.registry.SchemaRegistryClient;
import io.rtr.schemas.serde.AvroSerdeConfig;
import io.rtr.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts the DICOM SCP and turns spooled objects into events: {@link #poll()} copies each object to
 * the blob store and emits its InstanceReceived; {@link #commitRecord} removes the spool entry once
 * Kafka has the event. Entries left in the spool by a crash are emitted again on {@link #start}.
 *
 * <p>Values are serialized here, with the schemas module's {@link AvroSerializer}, into Confluent
 * wire-format bytes and passed through {@code ByteArrayConverter}: Confluent's AvroConverter is not
 * available, and converting to a Connect Struct and back would register a different schema (Connect
 * naming, no logical-type classes) than the SpecificRecord every consumer reads.
 */
public final class DicomSourceTask extends SourceTask {

    private static final Logger LOG = LoggerFactory.getLogger(DicomSourceTask.class);

    private final SchemaRegistryClient registryOverride;
    private final Deque<SpoolingReceiver.Spooled> backlog = new ArrayDeque<>();
    /** Emitted, not yet acknowledged; commitRecord runs on the producer's thread. */
    private final Map<SourceRecord, InFlight> inFlight = new ConcurrentHashMap<>();
    /** Digest of the newest emitted version per SOP instance, so a replacement is seen before the ack. */
    private final Map<String, String> emittedDigest = new ConcurrentHashMap<>();

    private DicomSourceConfig config;
    private Spool spool;
    private BlobStore blobs;
    private AckLedger ledger;
    private DicomMetadataExtractor extractor;
    private SpoolingReceiver receiver;
    private AvroSerializer<SpecificRecord> serializer;
    private DicomScp scp;
    private StowRsService stowService;
    private StowRsHttpServer stow;
    private Map<String, String> sourcePartition;

    private record InFlight(Spool.Entry entry, String sopInstanceUid, String sha256, long emittedNanos) {
    }

    /** For Connect, which instantiates tasks by class name. */
    public DicomSourceTask() {
        this(null);
    }

    /** Tests pass an in-memory registry here instead of a URL. */
    DicomSourceTask(SchemaRegistryClient registryOverride) {
        this.registryOverride = registryOverride;
    }

    @Override
    public String version() {
        return Version.VALUE;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new DicomSourceConfig(props);
        try {
            spool = new Spool(config.spoolDir());
            blobs = new BlobStore(config.blobDir());
            ledger = new AckLedger(config.spoolDir().resolve("acknowledged"));
            // Listed before the SCP starts, so that new arrivals come only through the receiver.
            for (Spool.Entry entry : spool.pending()) {
                backlog.add(new SpoolingReceiver.Spooled(entry));
            }
        } catch (IOException e) {
            throw new ConnectException("cannot open the spool in " + config.spoolDir() + " or the blob store in "
                    + config.blobDir() + ": " + e.getMessage(), e);
        }
        extractor = new DicomMetadataExtractor(config.pseudonymizer(), config.clinicByCallingAe());
        receiver = new SpoolingReceiver(spool, extractor, config.spoolMinFreeBytes());
        receiver.setDownstreamRefusal(this::kafkaRefusal);
        serializer = new AvroSerializer<>();
        Map<String, Object> serde = config.serdeConfig();
        if (registryOverride != null) {
            serde.put(AvroSerdeConfig.SCHEMA_REGISTRY_CLIENT_CONFIG, registryOverride);
        }
        serializer.configure(serde, false);
        DicomScp.Settings settings = config.scpSettings();
        sourcePartition = Map.of("scp", settings.aeTitle());
        try {
            scp = DicomScp.start(settings, receiver);
            stowService = new StowRsService(receiver, settings.maxObjectBytes(), config.stowMaxConcurrentRequests());
            if (config.stowEnabled()) {
                stow = StowRsHttpServer.start(config.stowHost(), config.stowPort(), stowService,
                        config.stowMaxConcurrentRequests());
            }
        } catch (IOException e) {
            if (scp != null) {
                scp.close();
            }
            throw new ConnectException(e.getMessage(), e);
        }
        LOG.info("DICOM source task started: {} spool entries from before the restart will be emitted again",
                backlog.size());
    }

    /** The port the SCP listens on (useful when configured as 0). */
    int port() {
        return scp.port();
    }

    /** The port STOW-RS listens on (useful when configured as 0); -1 when disabled. */
    int stowPort() {
        return stow == null ? -1 : stow.port();
    }

    /**
     * STOW-RS into this task's spool, for a process that holds the task and serves HTTP itself (the
     * standalone platform, with {@code stow.enabled=false}); null before {@link #start}.
     */
    public StowRsService stowService() {
        return stowService;
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        List<SourceRecord> records = new ArrayList<>();
        drainRejections(records);
        if (backlog.isEmpty()) {
            List<SpoolingReceiver.Spooled> fresh = new ArrayList<>();
            if (receiver.drainCommitted(fresh, config.batchMaxRecords()) == 0 && records.isEmpty()) {
                receiver.awaitActivity(config.pollWaitMs());
                drainRejections(records);
                receiver.drainCommitted(fresh, config.batchMaxRecords());
            }
            backlog.addAll(fresh);
        }
        List<SpoolingReceiver.Spooled> taken = new ArrayList<>();
        try {
            while (!backlog.isEmpty() && records.size() < config.batchMaxRecords()) {
                SpoolingReceiver.Spooled spooled = backlog.peekFirst();
                SourceRecord record = toRecord(spooled);
                // Removed only once turned into a record (or dropped), so a retriable failure retries it.
                backlog.removeFirst();
                if (record != null) {
                    records.add(record);
                    taken.add(spooled);
                }
            }
            // One fsync per blob folder for the whole batch, before any consumer can see an event.
            blobs.flush();
        } catch (IOException | RetriableException e) {
            rollBack(records, taken);
            throw e instanceof RetriableException r ? r
                    : new RetriableException("cannot make the blob store durable: " + e.getMessage(), e);
        }
        LOG.debug("poll: {} records, {} in flight", records.size(), inFlight.size());
        return records.isEmpty() ? null : records;
    }

    /** Undoes a poll that will not return its records: entries go back to the backlog, rejections to the queue. */
    private void rollBack(List<SourceRecord> records, List<SpoolingReceiver.Spooled> taken) {
        for (SourceRecord record : records) {
            InFlight f = inFlight.remove(record);
            if (f == null) {
                pendingRejections.add(record);
            } else {
                emittedDigest.remove(f.sopInstanceUid(), f.sha256());
            }
        }
        for (int i = taken.size() - 1; i >= 0; i--) {
            backlog.addFirst(taken.get(i));
        }
    }

    /** The event for one spool entry, or null when it needs none (a duplicate or an unreadable entry). */
    private SourceRecord toRecord(SpoolingReceiver.Spooled spooled) {
        Spool.Entry entry = spooled.entry();
        try {
            DicomMetadataExtractor.Parsed parsed = spooled.parse(extractor);
            DicomMetadataExtractor.Identity id = parsed.identity();
            // A link, not a copy: the spool entry is durable and never written again.
            BlobStore.StoredBlob blob = blobs.adopt(id.studyInstanceUid(), id.seriesInstanceUid(),
                    id.sopInstanceUid(), entry.file(), spooled.sha256());
            String previous = emittedDigest.get(id.sopInstanceUid());
            if (previous == null) {
                previous = ledger.acknowledgedDigest(id.sopInstanceUid()).orElse(null);
            }
            if (blob.sha256().equals(previous)) {
                LOG.debug("SOP instance {} received again with the same digest; no second event", id.sopInstanceUid());
                spool.remove(entry);
                return null;
            }
            InstanceReceived event = parsed.event(new DicomMetadataExtractor.Receipt(entry.callingAe(),
                    entry.calledAe(), entry.receivedAt(), entry.source()), blob, previous != null);
            byte[] value = serialize(config.topic(), event);
            SourceRecord record = new SourceRecord(sourcePartition, Map.of("spoolEntry", entry.id()), config.topic(),
                    null, Schema.STRING_SCHEMA, id.studyInstanceUid(), Schema.BYTES_SCHEMA, value,
                    entry.receivedAt().toEpochMilli());
            emittedDigest.put(id.sopInstanceUid(), blob.sha256());
            inFlight.put(record, new InFlight(entry, id.sopInstanceUid(), blob.sha256(), System.nanoTime()));
            return record;
        } catch (DicomMetadataExtractor.InvalidDicomException e) {
            // Checked before it was spooled, so this is damage on disk; keep the evidence in the log.
            LOG.error("spool entry {} is no longer a valid DICOM object ({}); dropping it with a rejection event",
                    entry.id(), e.getMessage());
            queueRejection(e.studyInstanceUid(), e.sopInstanceUid(), e.reason(), "spooled object unreadable: "
                    + e.getMessage());
            removeQuietly(entry);
            return null;
        } catch (IOException e) {
            throw new RetriableException("cannot move spool entry " + entry.id() + " to the blob store: "
                    + e.getMessage(), e);
        }
    }

    private final List<SourceRecord> pendingRejections = new ArrayList<>();

    private void queueRejection(String study, String sop, RejectReason reason, String message) {
        InstanceRejected rejection = InstanceRejected.newBuilder().setStudyInstanceUid(study).setSopInstanceUid(sop)
                .setReasonCode(reason).setMessage(message).setRejectedAt(Instant.now())
                .setStage(SpoolingReceiver.STAGE).build();
        pendingRejections.add(rejectionRecord(rejection));
    }

    private void drainRejections(List<SourceRecord> records) {
        records.addAll(pendingRejections);
        pendingRejections.clear();
        for (InstanceRejected rejection : receiver.drainRejections()) {
            records.add(rejectionRecord(rejection));
        }
    }

    private SourceRecord rejectionRecord(InstanceRejected rejection) {
        // Rejections are not spooled: nothing was accepted, so a crash loses only the audit record.
        return new SourceRecord(null, null, config.rejectedTopic(), null, Schema.OPTIONAL_STRING_SCHEMA,
                rejection.getStudyInstanceUid(), Schema.BYTES_SCHEMA, serialize(config.rejectedTopic(), rejection),
                rejection.getRejectedAt().toEpochMilli());
    }

    private byte[] serialize(String topic, SpecificRecord value) {
        try {
            return serializer.serialize(topic, value);
        } catch (SerializationException e) {
            // Usually the registry is unreachable; Connect calls poll() again and the entry is retried.
            throw new RetriableException("cannot serialize for " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Back-pressure from Kafka: the oldest unacknowledged event has waited too long. */
    private String kafkaRefusal() {
        long oldest = Long.MAX_VALUE;
        for (InFlight f : inFlight.values()) {
            oldest = Math.min(oldest, f.emittedNanos());
        }
        if (oldest == Long.MAX_VALUE) {
            return null;
        }
        long waitedMs = (System.nanoTime() - oldest) / 1_000_000;
        return waitedMs > config.unacknowledgedTimeoutMs()
                ? "Kafka has not acknowledged an event for " + waitedMs + " ms" : null;
    }

    @Override
    public void commitRecord(SourceRecord record, RecordMetadata metadata) {
        InFlight f = inFlight.remove(record);
        if (f == null) {
            return; // a rejection record: nothing spooled
        }
        try {
            ledger.recordAcknowledged(f.sopInstanceUid(), f.sha256());
            spool.remove(f.entry());
        } catch (IOException e) {
            LOG.error("cannot remove acknowledged spool entry {} (SOP instance {}): {}; it will be emitted again"
                    + " after a restart", f.entry().id(), f.sopInstanceUid(), e.toString());
        }
        emittedDigest.remove(f.sopInstanceUid(), f.sha256());
    }

    @Override
    public void stop() {
        if (stow != null) {
            stow.close();
        }
        if (scp != null) {
            scp.close();
        }
        if (serializer != null) {
            serializer.close();
        }
        if (spool != null) {
            try {
                spool.close();
            } catch (IOException e) {
                LOG.warn("DICOM source task: interrupted while closing the spool: {}", e.toString());
            }
        }
        LOG.info("DICOM source task stopped; {} events were not acknowledged and stay in the spool", inFlight.size());
    }

    private void removeQuietly(Spool.Entry entry) {
        try {
            spool.remove(entry);
        } catch (IOException e) {
            LOG.warn("cannot remove spool entry {}: {}", entry.id(), e.toString());
        }
    }
}
