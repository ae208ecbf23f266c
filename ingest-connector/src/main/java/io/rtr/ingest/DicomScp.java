package io.rtr.ingest;

import io.rtr.schemas.RejectReason;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DICOM C-ECHO / C-STORE service class provider: accepts associations on a TCP port, streams each
 * received object into a file and asks a {@link Receiver} whether it is durably kept before
 * answering the C-STORE.
 *
 * <p>The association and DIMSE layers are our own rather than PixelMed's
 * {@code StorageSOPClassSCP}: that class always answers Success once the file is written (no
 * failure status, no error comment, no size limit, no fsync before the answer), cannot refuse a
 * calling AE before accepting, and its receive handler type is package-private. PixelMed still
 * parses every data set (see {@link DicomMetadataExtractor}).
 */
public final class DicomScp implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DicomScp.class);

    /** Transfer syntaxes accepted as sent; the pixel data stays encoded as the sender chose. */
    static final List<String> SUPPORTED_TRANSFER_SYNTAXES = List.of(
            Pdu.EXPLICIT_VR_LITTLE_ENDIAN,
            Pdu.IMPLICIT_VR_LITTLE_ENDIAN,
            "1.2.840.10008.1.2.1.99", // deflated explicit VR little endian
            "1.2.840.10008.1.2.4.50", // JPEG baseline
            "1.2.840.10008.1.2.4.51", // JPEG extended
            "1.2.840.10008.1.2.4.57", // JPEG lossless
            "1.2.840.10008.1.2.4.70", // JPEG lossless, first-order prediction
            "1.2.840.10008.1.2.4.80", // JPEG-LS lossless
            "1.2.840.10008.1.2.4.81", // JPEG-LS near-lossless
            "1.2.840.10008.1.2.4.90", // JPEG 2000 lossless
            "1.2.840.10008.1.2.4.91", // JPEG 2000
            "1.2.840.10008.1.2.5"); // RLE lossless

    /** Storage SOP classes all live under this root (PS3.4 annex B). */
    private static final String STORAGE_SOP_CLASS_ROOT = "1.2.840.10008.5.1.4.1.1.";
    /** Largest A-ASSOCIATE-RQ we read; real ones are a few kB even with 128 contexts. */
    private static final int MAX_ASSOCIATE_RQ_LENGTH = 1 << 20;
    /** How long a new connection may take to send its A-ASSOCIATE-RQ. */
    private static final int ASSOCIATE_RQ_TIMEOUT_MS = 10_000;
    /** Extra threads beyond the association limit, used only to answer A-ASSOCIATE-RJ. */
    private static final int REJECTING_THREADS = 4;

    /**
     * How the SCP listens and what it accepts.
     *
     * @param host address to bind, e.g. 127.0.0.1 or 0.0.0.0
     * @param port TCP port; 0 picks a free one (see {@link DicomScp#port()})
     * @param aeTitle our AE title; associations calling another one are rejected
     * @param allowedCallingAes calling AE titles accepted; empty accepts any
     * @param maxAssociations associations served at once; more are rejected as transient
     * @param maxObjectBytes largest data set accepted; larger ones get a failure status
     * @param maxPduLength largest P-DATA-TF PDU we ask peers to send
     * @param idleTimeout how long an association may stay silent before it is aborted
     */
    public record Settings(String host, int port, String aeTitle, Set<String> allowedCallingAes,
                           int maxAssociations, long maxObjectBytes, int maxPduLength, Duration idleTimeout) {

        /** Validates and copies. */
        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(aeTitle, "aeTitle");
            allowedCallingAes = Set.copyOf(allowedCallingAes);
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not in 0..65535");
            }
            if (maxAssociations < 1 || maxObjectBytes < 1 || maxPduLength < 4096) {
                throw new IllegalArgumentException("limits must be positive and maxPduLength >= 4096");
            }
        }
    }

    /**
     * Where one incoming object is written: its file, and the stream that fills it (which the
     * receiver may have made to see the bytes as they go by).
     */
    public record IncomingFile(Path file, OutputStream stream) {
    }

    /**
     * A data set received completely into {@link #file()}, with what the association said about it.
     *
     * @param incoming the file and the (closed) stream it was written through; null when none was created
     */
    public record ReceivedObject(IncomingFile incoming, long sizeBytes, String callingAe, String calledAe,
                                 String sopClassUid, String sopInstanceUid, String transferSyntaxUid) {

        /** The file holding the object (Part 10 header and data set), or null when none was created. */
        public Path file() {
            return incoming == null ? null : incoming.file();
        }
    }

    /**
     * The C-STORE answer decided by a {@link Receiver}.
     *
     * @param status DIMSE status (0 = success)
     * @param errorComment sent as Error Comment (0000,0902) on failure; no patient data
     */
    public record StoreResult(int status, String errorComment) {

        private static final StoreResult SUCCESS = new StoreResult(Pdu.STATUS_SUCCESS, null);

        /** Success: the object is durable. */
        public static StoreResult success() {
            return SUCCESS;
        }

        /** Failure 0xC000 "cannot understand": the data set is not valid DICOM. */
        public static StoreResult cannotUnderstand(String comment) {
            return new StoreResult(Pdu.STATUS_CANNOT_UNDERSTAND, comment);
        }

        /** Failure 0xA900: the data set lacks what its SOP class requires (e.g. SOP Instance UID). */
        public static StoreResult dataSetDoesNotMatchSopClass(String comment) {
            return new StoreResult(Pdu.STATUS_DATA_SET_DOES_NOT_MATCH_SOP_CLASS, comment);
        }

        /** Failure 0xA700: we cannot keep it now (too large, disk full); the sender may retry later. */
        public static StoreResult outOfResources(String comment) {
            return new StoreResult(Pdu.STATUS_OUT_OF_RESOURCES, comment);
        }

        /** Failure 0x0110 "processing failure": something on our side broke. */
        public static StoreResult processingFailure(String comment) {
            return new StoreResult(Pdu.STATUS_PROCESSING_FAILURE, comment);
        }

        /** Whether the status is Success. */
        public boolean isSuccess() {
            return status == Pdu.STATUS_SUCCESS;
        }
    }

    /** Where received objects go; called from association threads, so implementations are thread-safe. */
    public interface Receiver {

        /** A new, empty file on the same file system as the durable store, for one incoming object. */
        Path newIncomingFile() throws IOException;

        /**
         * Like {@link #newIncomingFile()}, knowing the association's AE titles, so that a store can
         * create the file under its final name and skip a rename (and its fsync) at commit, and give
         * a stream of its own that sees the bytes as they are written (to checksum them on the way).
         */
        default IncomingFile newIncomingFile(String callingAe, String calledAe) throws IOException {
            Path file = newIncomingFile();
            return new IncomingFile(file, Files.newOutputStream(file));
        }

        /**
         * Validates and durably keeps a complete object; the C-STORE is answered with the result only
         * after this returns. Unless the result is Success (the file may then be the durable entry
         * itself), the SCP deletes {@code object.file()} afterwards if it still exists.
         */
        StoreResult store(ReceivedObject object);

        /**
         * An object that was (partly) received but not kept: too large, or the association ended
         * before its last fragment. {@code object.file()} may already be gone.
         */
        void discarded(ReceivedObject object, RejectReason reason, String message);

        /**
         * Why new associations must be refused right now (back-pressure: disk nearly full, Kafka not
         * acknowledging), or null to accept them. Called once per association request.
         */
        default String admissionRefusal() {
            return null;
        }
    }

    private final Settings settings;
    private final Receiver receiver;
    private final ServerSocket serverSocket;
    private final ThreadPoolExecutor workers;
    private final Semaphore associationSlots;
    private final Set<Socket> openSockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger associationCounter = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closed;

    private DicomScp(Settings settings, Receiver receiver) throws IOException {
        this.settings = settings;
        this.receiver = receiver;
        this.associationSlots = new Semaphore(settings.maxAssociations());
        this.serverSocket = new ServerSocket();
        // Accepted sockets inherit the buffer size; large ones keep the window open for 0.5 MB objects.
        serverSocket.setReceiveBufferSize(256 * 1024);
        serverSocket.setReuseAddress(true);
        try {
            serverSocket.bind(new InetSocketAddress(InetAddress.getByName(settings.host()), settings.port()), 128);
        } catch (IOException e) {
            serverSocket.close();
            throw new IOException("cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        AtomicInteger threadIds = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, settings.maxAssociations() + REJECTING_THREADS, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "dicom-scp-" + settings.aeTitle() + "-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.acceptor = new Thread(this::acceptLoop, "dicom-scp-accept-" + settings.aeTitle());
        acceptor.setDaemon(true);
    }

    /** Binds the port and starts serving; {@link #close()} stops. */
    public static DicomScp start(Settings settings, Receiver receiver) throws IOException {
        DicomScp scp = new DicomScp(settings, Objects.requireNonNull(receiver, "receiver"));
        scp.acceptor.start();
        LOG.info("DICOM SCP {} listening on {}:{} (max {} associations, max object {} bytes)", settings.aeTitle(),
                settings.host(), scp.port(), settings.maxAssociations(), settings.maxObjectBytes());
        return scp;
    }

    /** The bound port (useful when {@link Settings#port()} was 0). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The settings this SCP runs with. */
    public Settings settings() {
        return settings;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("DICOM SCP {}: accept failed, no new associations until restart: {}",
                            settings.aeTitle(), e.toString());
                }
                return;
            }
            try {
                // Nagle + delayed ACK cost 40 ms per C-STORE response (measured: 36x slower).
                socket.setTcpNoDelay(true);
                workers.execute(() -> serve(socket));
            } catch (RejectedExecutionException | SocketException e) {
                LOG.warn("DICOM SCP {}: dropped connection from {}: too many connections at once",
                        settings.aeTitle(), socket.getRemoteSocketAddress());
                closeQuietly(socket);
            }
        }
    }

    private void serve(Socket socket) {
        openSockets.add(socket);
        int number = associationCounter.incrementAndGet();
        try (socket) {
            new Association(socket, number).run();
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("association {} from {} ended: {}", number, socket.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            openSockets.remove(socket);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(serverSocket);
        for (Socket socket : openSockets) {
            closeQuietly(socket);
        }
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("DICOM SCP {}: association threads still running 10 s after close", settings.aeTitle());
            }
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("DICOM SCP {} on port {} stopped", settings.aeTitle(), serverSocket.getLocalPort());
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing to give resources back; the peer already sees the connection end.
        }
    }

    /** Chooses the transfer syntax for a proposed context, or null when none is acceptable. */
    static String chooseTransferSyntax(List<String> proposed) {
        // Explicit VR little endian first when offered: it keeps VRs, so private tags survive.
        if (proposed.contains(Pdu.EXPLICIT_VR_LITTLE_ENDIAN)) {
            return Pdu.EXPLICIT_VR_LITTLE_ENDIAN;
        }
        for (String ts : proposed) {
            if (SUPPORTED_TRANSFER_SYNTAXES.contains(ts)) {
                return ts;
            }
        }
        return null;
    }

    static boolean isAcceptedAbstractSyntax(String uid) {
        return uid.equals(Pdu.VERIFICATION_SOP_CLASS) || uid.startsWith(STORAGE_SOP_CLASS_ROOT);
    }

    /** One connection: association negotiation, then DIMSE until release or abort. */
    private final class Association {

        private final Socket socket;
        private final int number;
        private final DataInputStream in;
        private final OutputStream out;
        private final String[] transferSyntaxById = new String[256];
        private Pdu.AssociateRequest request;
        private byte[] pdu = new byte[64 * 1024];
        private byte[] commandBytes = new byte[1024];
        private int commandLength;
        private Pdu.Command pendingCommand;
        private int pendingContextId;
        private IncomingObject incoming;
        private boolean slotHeld;

        Association(Socket socket, int number) throws IOException {
            this.socket = socket;
            this.number = number;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            this.out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        }

        void run() throws IOException {
            try {
                if (negotiate()) {
                    dimseLoop();
                }
            } finally {
                if (slotHeld) {
                    associationSlots.release();
                }
                if (incoming != null) {
                    incoming.abandon("the association ended before the last fragment of the object");
                }
            }
        }

        /** Reads the A-ASSOCIATE-RQ and answers it; true when the association is established. */
        private boolean negotiate() throws IOException {
            // A peer gets little time to send its request (like the ARTIM timer), so that idle or
            // junk connections cannot hold threads for the whole association idle timeout.
            socket.setSoTimeout((int) Math.min(ASSOCIATE_RQ_TIMEOUT_MS, settings.idleTimeout().toMillis()));
            int type;
            int length;
            try {
                type = in.read();
                if (type < 0) {
                    return false; // port probe: connected and closed without a byte
                }
                in.readByte();
                length = in.readInt();
            } catch (EOFException | SocketTimeoutException e) {
                LOG.warn("association {} from {}: no complete A-ASSOCIATE-RQ header (closed, or silent for {} ms);"
                        + " nothing stored", number, remote(), socket.getSoTimeout());
                return false;
            }
            if (type != Pdu.ASSOCIATE_RQ || length < 68 || length > MAX_ASSOCIATE_RQ_LENGTH) {
                LOG.warn("association {} from {}: not a DICOM association request (first PDU type 0x{}, length {});"
                        + " aborted, check that the sender speaks DICOM to this port", number, remote(),
                        Integer.toHexString(type), length);
                send(Pdu.abort(Pdu.ABORT_UNRECOGNIZED_PDU));
                return false;
            }
            byte[] body = new byte[length];
            Pdu.readFully(in, body, length);
            try {
                request = Pdu.parseAssociateRequest(body);
            } catch (IllegalArgumentException e) {
                LOG.warn("association {} from {}: malformed A-ASSOCIATE-RQ ({}); aborted", number, remote(), e.getMessage());
                send(Pdu.abort(Pdu.ABORT_INVALID_PDU_PARAMETER));
                return false;
            }
            if ((request.protocolVersion() & 1) == 0) {
                return reject(Pdu.RJ_PERMANENT, Pdu.RJ_SOURCE_PROVIDER_ACSE, Pdu.RJ_ACSE_PROTOCOL_VERSION_NOT_SUPPORTED,
                        "protocol version " + request.protocolVersion() + " is not supported");
            }
            if (!request.applicationContext().equals(Pdu.APPLICATION_CONTEXT)) {
                return reject(Pdu.RJ_PERMANENT, Pdu.RJ_SOURCE_USER, Pdu.RJ_USER_APPLICATION_CONTEXT_NOT_SUPPORTED,
                        "application context " + request.applicationContext() + " is not DICOM's");
            }
            if (!request.calledAe().equals(settings.aeTitle())) {
                return reject(Pdu.RJ_PERMANENT, Pdu.RJ_SOURCE_USER, Pdu.RJ_USER_CALLED_AE_NOT_RECOGNIZED,
                        "called AE title '" + request.calledAe() + "' is not ours ('" + settings.aeTitle()
                                + "'); configure the sender to call " + settings.aeTitle());
            }
            if (!settings.allowedCallingAes().isEmpty() && !settings.allowedCallingAes().contains(request.callingAe())) {
                return reject(Pdu.RJ_PERMANENT, Pdu.RJ_SOURCE_USER, Pdu.RJ_USER_CALLING_AE_NOT_RECOGNIZED,
                        "calling AE title '" + request.callingAe() + "' is not in the allow-list;"
                                + " add it to the configuration if this sender is legitimate");
            }
            String refusal = receiver.admissionRefusal();
            if (refusal != null) {
                // Refuse before anything is sent rather than accept what cannot be kept.
                return reject(Pdu.RJ_TRANSIENT, Pdu.RJ_SOURCE_PROVIDER_PRESENTATION,
                        Pdu.RJ_PRESENTATION_TEMPORARY_CONGESTION, "not accepting objects now: " + refusal
                                + "; the sender should retry later");
            }
            if (closed || !associationSlots.tryAcquire()) {
                return reject(Pdu.RJ_TRANSIENT, Pdu.RJ_SOURCE_PROVIDER_PRESENTATION,
                        Pdu.RJ_PRESENTATION_LOCAL_LIMIT_EXCEEDED,
                        settings.maxAssociations() + " associations already open; the sender should retry later");
            }
            slotHeld = true;
            List<Pdu.AcceptedContext> answers = new ArrayList<>(request.contexts().size());
            for (Pdu.ProposedContext pc : request.contexts()) {
                if (!isAcceptedAbstractSyntax(pc.abstractSyntax())) {
                    answers.add(new Pdu.AcceptedContext(pc.id(), Pdu.PC_ABSTRACT_SYNTAX_NOT_SUPPORTED,
                            pc.transferSyntaxes().get(0)));
                    continue;
                }
                String ts = chooseTransferSyntax(pc.transferSyntaxes());
                if (ts == null) {
                    answers.add(new Pdu.AcceptedContext(pc.id(), Pdu.PC_TRANSFER_SYNTAXES_NOT_SUPPORTED,
                            pc.transferSyntaxes().get(0)));
                } else {
                    transferSyntaxById[pc.id()] = ts;
                    answers.add(new Pdu.AcceptedContext(pc.id(), Pdu.PC_ACCEPTANCE, ts));
                }
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, settings.idleTimeout().toMillis()));
            send(Pdu.associateAccept(request, answers, settings.maxPduLength()));
            LOG.debug("association {} from {} ({} -> {}) accepted", number, remote(), request.callingAe(),
                    request.calledAe());
            return true;
        }

        private boolean reject(int result, int source, int reason, String why) throws IOException {
            LOG.warn("association {} from {} (calling AE '{}'): rejected: {}", number, remote(),
                    request.callingAe(), why);
            send(Pdu.associateReject(result, source, reason));
            return false;
        }

        private void dimseLoop() throws IOException {
            while (true) {
                int type;
                int length;
                try {
                    type = in.read();
                    if (type < 0) {
                        LOG.debug("association {}: peer closed the connection without release", number);
                        return;
                    }
                    in.readByte();
                    length = in.readInt();
                } catch (SocketTimeoutException e) {
                    LOG.warn("association {} from {}: idle for {}; aborted", number, remote(), settings.idleTimeout());
                    send(Pdu.abort(0));
                    return;
                }
                switch (type) {
                    case Pdu.P_DATA_TF -> {
                        if (length < 6 || length > Math.max(settings.maxPduLength(), 16 * 1024 * 1024)) {
                            LOG.warn("association {} from {}: P-DATA-TF of {} bytes; aborted", number, remote(), length);
                            send(Pdu.abort(Pdu.ABORT_INVALID_PDU_PARAMETER));
                            return;
                        }
                        if (pdu.length < length) {
                            pdu = new byte[length];
                        }
                        Pdu.readFully(in, pdu, length);
                        if (!onPData(length)) {
                            return;
                        }
                    }
                    case Pdu.RELEASE_RQ -> {
                        in.skipNBytes(length);
                        send(Pdu.releaseResponse());
                        LOG.debug("association {} released", number);
                        return;
                    }
                    case Pdu.ABORT -> {
                        LOG.info("association {} from {}: aborted by the sender", number, remote());
                        return;
                    }
                    default -> {
                        LOG.warn("association {} from {}: unexpected PDU type 0x{}; aborted", number, remote(),
                                Integer.toHexString(type));
                        send(Pdu.abort(Pdu.ABORT_UNEXPECTED_PDU));
                        return;
                    }
                }
            }
        }

        /** Handles the PDVs of one P-DATA-TF; false when the association was aborted. */
        private boolean onPData(int length) throws IOException {
            int pos = 0;
            while (pos < length) {
                if (pos + 6 > length) {
                    return abortMalformed("PDV header past the end of the PDU");
                }
                int pdvLength = ((pdu[pos] & 0xff) << 24) | ((pdu[pos + 1] & 0xff) << 16)
                        | ((pdu[pos + 2] & 0xff) << 8) | (pdu[pos + 3] & 0xff);
                if (pdvLength < 2 || pos + 4 + pdvLength > length) {
                    return abortMalformed("PDV length " + pdvLength + " does not fit the PDU");
                }
                int contextId = pdu[pos + 4] & 0xff;
                int control = pdu[pos + 5];
                int dataStart = pos + 6;
                int dataLength = pdvLength - 2;
                boolean command = (control & 0x01) != 0;
                boolean last = (control & 0x02) != 0;
                if (transferSyntaxById[contextId] == null) {
                    return abortMalformed("PDV on presentation context " + contextId + " that was not accepted");
                }
                if (command) {
                    if (!onCommandFragment(contextId, dataStart, dataLength, last)) {
                        return false;
                    }
                } else if (!onDataFragment(dataStart, dataLength, last)) {
                    return false;
                }
                pos += 4 + pdvLength;
            }
            return true;
        }

        private boolean onCommandFragment(int contextId, int start, int length, boolean last) throws IOException {
            if (incoming != null) {
                return abortMalformed("command fragment before the previous data set was complete");
            }
            if (commandLength + length > 64 * 1024) {
                return abortMalformed("command set larger than 64 KiB");
            }
            if (commandBytes.length < commandLength + length) {
                commandBytes = Arrays.copyOf(commandBytes, Math.max(commandBytes.length * 2, commandLength + length));
            }
            System.arraycopy(pdu, start, commandBytes, commandLength, length);
            commandLength += length;
            if (!last) {
                return true;
            }
            Pdu.Command cmd;
            try {
                cmd = Pdu.parseCommand(commandBytes, commandLength);
            } catch (IllegalArgumentException e) {
                return abortMalformed("unreadable command set: " + e.getMessage());
            } finally {
                commandLength = 0;
            }
            switch (cmd.commandField()) {
                case Pdu.C_ECHO_RQ -> {
                    send(Pdu.commandPdu(contextId, Pdu.responseCommand(Pdu.C_ECHO_RSP, cmd.messageId(),
                            cmd.affectedSopClassUid(), null, Pdu.STATUS_SUCCESS, null)));
                    return true;
                }
                case Pdu.C_STORE_RQ -> {
                    if (!cmd.hasDataSet()) {
                        return abortMalformed("C-STORE-RQ without a data set");
                    }
                    pendingCommand = cmd;
                    pendingContextId = contextId;
                    incoming = new IncomingObject(cmd, transferSyntaxById[contextId]);
                    return true;
                }
                default -> {
                    return abortMalformed("unsupported DIMSE command 0x" + Integer.toHexString(cmd.commandField())
                            + "; this SCP offers C-ECHO and C-STORE only");
                }
            }
        }

        private boolean onDataFragment(int start, int length, boolean last) throws IOException {
            if (incoming == null) {
                return abortMalformed("data fragment without a preceding C-STORE-RQ");
            }
            incoming.write(pdu, start, length);
            if (!last) {
                return true;
            }
            IncomingObject object = incoming;
            incoming = null;
            StoreResult result = object.finish();
            Pdu.Command cmd = pendingCommand;
            pendingCommand = null;
            send(Pdu.commandPdu(pendingContextId, Pdu.responseCommand(Pdu.C_STORE_RSP, cmd.messageId(),
                    cmd.affectedSopClassUid(), cmd.affectedSopInstanceUid(), result.status(), result.errorComment())));
            return true;
        }

        private boolean abortMalformed(String why) throws IOException {
            LOG.warn("association {} from {} (calling AE '{}'): {}; aborted", number, remote(),
                    request.callingAe(), why);
            send(Pdu.abort(Pdu.ABORT_INVALID_PDU_PARAMETER));
            return false;
        }

        private void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        private Object remote() {
            return socket.getRemoteSocketAddress();
        }

        /** The data set of one C-STORE as it streams in. */
        private final class IncomingObject {

            private final Pdu.Command command;
            private final String transferSyntax;
            private IncomingFile file;
            private OutputStream stream;
            private long dataSetBytes;
            private boolean tooLarge;
            private String failure;

            IncomingObject(Pdu.Command command, String transferSyntax) {
                this.command = command;
                this.transferSyntax = transferSyntax;
            }

            void write(byte[] bytes, int offset, int length) {
                dataSetBytes += length;
                if (tooLarge || failure != null) {
                    return; // keep reading the PDUs so that we can still answer with a status
                }
                if (dataSetBytes > settings.maxObjectBytes()) {
                    tooLarge = true;
                    closeAndDelete();
                    return;
                }
                try {
                    if (stream == null) {
                        open();
                    }
                    stream.write(bytes, offset, length);
                } catch (IOException e) {
                    failure = "cannot write the incoming object: " + e.getMessage();
                    LOG.error("association {}: {}; answering processing failure, check the spool disk", number, failure);
                    closeAndDelete();
                }
            }

            StoreResult finish() {
                ReceivedObject object = receivedObject();
                if (tooLarge) {
                    String message = "object of at least " + dataSetBytes + " bytes exceeds the limit of "
                            + settings.maxObjectBytes();
                    LOG.warn("association {} (calling AE '{}'): SOP instance {} refused: {}", number,
                            request.callingAe(), command.affectedSopInstanceUid(), message);
                    receiver.discarded(object, RejectReason.OBJECT_TOO_LARGE, message);
                    return StoreResult.outOfResources("object exceeds " + settings.maxObjectBytes() + " bytes");
                }
                if (failure != null) {
                    return StoreResult.processingFailure("cannot write the object on the receiver");
                }
                try {
                    if (stream == null) {
                        open(); // a data set of zero bytes: still hand it over so that it is rejected with a reason
                    }
                    stream.close();
                } catch (IOException e) {
                    LOG.error("association {}: cannot finish writing SOP instance {}: {}", number,
                            command.affectedSopInstanceUid(), e.toString());
                    closeAndDelete();
                    return StoreResult.processingFailure("cannot write the object on the receiver");
                }
                StoreResult result = null;
                try {
                    result = receiver.store(receivedObject());
                    return result;
                } catch (RuntimeException e) {
                    LOG.error("association {}: storing SOP instance {} failed; answered processing failure",
                            number, command.affectedSopInstanceUid(), e);
                    return StoreResult.processingFailure("receiver failed: " + e.getClass().getSimpleName());
                } finally {
                    if (result == null || !result.isSuccess()) {
                        deleteIfPresent();
                    }
                }
            }

            private void open() throws IOException {
                file = receiver.newIncomingFile(request.callingAe(), request.calledAe());
                // Coalesces small PDVs (16 KiB PDUs are common) into fewer writes; large ones pass straight through.
                stream = new BufferedOutputStream(file.stream(), 64 * 1024);
                stream.write(Pdu.part10Header(command.affectedSopClassUid(), command.affectedSopInstanceUid(),
                        transferSyntax));
            }

            void abandon(String why) {
                closeAndDelete();
                LOG.warn("association {} (calling AE '{}'): SOP instance {} not stored: {}", number,
                        request.callingAe(), command.affectedSopInstanceUid(), why);
                receiver.discarded(receivedObject(), RejectReason.MALFORMED_DICOM, why);
            }

            private ReceivedObject receivedObject() {
                return new ReceivedObject(file, dataSetBytes, request.callingAe(), request.calledAe(),
                        command.affectedSopClassUid(), command.affectedSopInstanceUid(), transferSyntax);
            }

            private void closeAndDelete() {
                if (stream != null) {
                    try {
                        stream.close();
                    } catch (IOException e) {
                        // the file is deleted next; its content no longer matters
                    }
                }
                deleteIfPresent();
            }

            private void deleteIfPresent() {
                if (file != null) {
                    try {
                        Files.deleteIfExists(file.file());
                    } catch (IOException e) {
                        LOG.warn("cannot delete incoming file {}: {}", file.file(), e.toString());
                    }
                }
            }
        }
    }
}
