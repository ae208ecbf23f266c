package io.rtr.ingest;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encoding and decoding of the DICOM upper-layer PDUs (PS3.8 section 9.3) and DIMSE command sets
 * (PS3.7) that a storage SCP needs. Kept byte-level and allocation-light because the receive path
 * must keep up with dcmtk's storescp.
 */
final class Pdu {

    static final int ASSOCIATE_RQ = 0x01;
    static final int ASSOCIATE_AC = 0x02;
    static final int ASSOCIATE_RJ = 0x03;
    static final int P_DATA_TF = 0x04;
    static final int RELEASE_RQ = 0x05;
    static final int RELEASE_RP = 0x06;
    static final int ABORT = 0x07;

    static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    static final String VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";
    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
    /** Our implementation class UID (a 2.25 UUID-derived UID, so no registered root is needed). */
    static final String IMPLEMENTATION_CLASS_UID = "2.25.154407558898569328120505391076680032171";
    static final String IMPLEMENTATION_VERSION = "RTR_INGEST_01";

    // A-ASSOCIATE-RJ result / source / reason (PS3.8 table 9-21).
    static final int RJ_PERMANENT = 1;
    static final int RJ_TRANSIENT = 2;
    static final int RJ_SOURCE_USER = 1;
    static final int RJ_SOURCE_PROVIDER_ACSE = 2;
    static final int RJ_SOURCE_PROVIDER_PRESENTATION = 3;
    static final int RJ_USER_NO_REASON = 1;
    static final int RJ_USER_APPLICATION_CONTEXT_NOT_SUPPORTED = 2;
    static final int RJ_USER_CALLING_AE_NOT_RECOGNIZED = 3;
    static final int RJ_USER_CALLED_AE_NOT_RECOGNIZED = 7;
    static final int RJ_ACSE_PROTOCOL_VERSION_NOT_SUPPORTED = 2;
    static final int RJ_PRESENTATION_TEMPORARY_CONGESTION = 1;
    static final int RJ_PRESENTATION_LOCAL_LIMIT_EXCEEDED = 2;

    // A-ABORT source / reason (PS3.8 table 9-26).
    static final int ABORT_SOURCE_PROVIDER = 2;
    static final int ABORT_UNRECOGNIZED_PDU = 1;
    static final int ABORT_UNEXPECTED_PDU = 2;
    static final int ABORT_INVALID_PDU_PARAMETER = 6;

    // Presentation context results (PS3.8 table 9-18).
    static final int PC_ACCEPTANCE = 0;
    static final int PC_ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
    static final int PC_TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;

    // DIMSE command fields and statuses (PS3.7).
    static final int C_STORE_RQ = 0x0001;
    static final int C_STORE_RSP = 0x8001;
    static final int C_ECHO_RQ = 0x0030;
    static final int C_ECHO_RSP = 0x8030;
    static final int NO_DATA_SET = 0x0101;
    static final int STATUS_SUCCESS = 0x0000;
    static final int STATUS_PROCESSING_FAILURE = 0x0110;
    static final int STATUS_OUT_OF_RESOURCES = 0xA700;
    static final int STATUS_DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900;
    static final int STATUS_CANNOT_UNDERSTAND = 0xC000;

    private Pdu() {
    }

    /** One proposed presentation context of an A-ASSOCIATE-RQ. */
    record ProposedContext(int id, String abstractSyntax, List<String> transferSyntaxes) {
    }

    /** The parts of an A-ASSOCIATE-RQ the acceptor decides on. */
    record AssociateRequest(int protocolVersion, String calledAe, String callingAe, String applicationContext,
                            List<ProposedContext> contexts, long peerMaxPduLength) {
    }

    /** A presentation context as answered in the A-ASSOCIATE-AC. */
    record AcceptedContext(int id, int result, String transferSyntax) {
    }

    /** The command-set fields the SCP acts on. */
    record Command(int commandField, int messageId, int dataSetType, String affectedSopClassUid,
                   String affectedSopInstanceUid) {

        boolean hasDataSet() {
            return dataSetType != NO_DATA_SET;
        }
    }

    /**
     * Parses the body (the bytes after the 6-byte header) of an A-ASSOCIATE-RQ.
     *
     * @throws IllegalArgumentException when the body is not a well-formed request
     */
    static AssociateRequest parseAssociateRequest(byte[] body) {
        if (body.length < 68) {
            throw new IllegalArgumentException("A-ASSOCIATE-RQ of " + body.length + " bytes is shorter than 68");
        }
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.BIG_ENDIAN);
        int version = buf.getShort(0) & 0xffff;
        String called = ascii(body, 4, 16).strip();
        String calling = ascii(body, 20, 16).strip();
        String applicationContext = null;
        List<ProposedContext> contexts = new ArrayList<>();
        long maxPdu = 0;
        int pos = 68;
        while (pos < body.length) {
            requireAvailable(body, pos, 4);
            int type = body[pos] & 0xff;
            int length = buf.getShort(pos + 2) & 0xffff;
            int start = pos + 4;
            requireAvailable(body, start, length);
            switch (type) {
                case 0x10 -> applicationContext = uid(body, start, length);
                case 0x20 -> contexts.add(parseProposedContext(body, buf, start, length));
                case 0x50 -> maxPdu = parseMaxPduLength(body, buf, start, length);
                default -> {
                    // Unknown items are skipped, as PS3.8 9.3.1 requires of an acceptor.
                }
            }
            pos = start + length;
        }
        if (applicationContext == null) {
            throw new IllegalArgumentException("A-ASSOCIATE-RQ without application context item");
        }
        return new AssociateRequest(version, called, calling, applicationContext, contexts, maxPdu);
    }

    private static ProposedContext parseProposedContext(byte[] body, ByteBuffer buf, int start, int length) {
        requireAvailable(body, start, 4);
        int id = body[start] & 0xff;
        String abstractSyntax = null;
        List<String> transferSyntaxes = new ArrayList<>();
        int pos = start + 4;
        int end = start + length;
        while (pos < end) {
            requireAvailable(body, pos, 4);
            int type = body[pos] & 0xff;
            int subLength = buf.getShort(pos + 2) & 0xffff;
            requireAvailable(body, pos + 4, subLength);
            if (type == 0x30) {
                abstractSyntax = uid(body, pos + 4, subLength);
            } else if (type == 0x40) {
                transferSyntaxes.add(uid(body, pos + 4, subLength));
            }
            pos += 4 + subLength;
        }
        if (abstractSyntax == null || transferSyntaxes.isEmpty()) {
            throw new IllegalArgumentException("presentation context " + id + " lacks an abstract or transfer syntax");
        }
        return new ProposedContext(id, abstractSyntax, List.copyOf(transferSyntaxes));
    }

    private static long parseMaxPduLength(byte[] body, ByteBuffer buf, int start, int length) {
        int pos = start;
        int end = start + length;
        while (pos < end) {
            requireAvailable(body, pos, 4);
            int type = body[pos] & 0xff;
            int subLength = buf.getShort(pos + 2) & 0xffff;
            requireAvailable(body, pos + 4, subLength);
            if (type == 0x51 && subLength == 4) {
                return buf.getInt(pos + 4) & 0xffffffffL;
            }
            pos += 4 + subLength;
        }
        return 0;
    }

    /** A complete A-ASSOCIATE-AC PDU. */
    static byte[] associateAccept(AssociateRequest rq, List<AcceptedContext> contexts, int maxPduWeReceive) {
        ByteArrayOutputStream items = new ByteArrayOutputStream(256);
        writeItem(items, 0x10, ascii(APPLICATION_CONTEXT));
        for (AcceptedContext pc : contexts) {
            byte[] ts = ascii(pc.transferSyntax());
            ByteArrayOutputStream item = new ByteArrayOutputStream(8 + ts.length);
            item.write(pc.id());
            item.write(0);
            item.write(pc.result());
            item.write(0);
            writeItem(item, 0x40, ts);
            writeItem(items, 0x21, item.toByteArray());
        }
        ByteArrayOutputStream user = new ByteArrayOutputStream(64);
        writeItem(user, 0x51, ByteBuffer.allocate(4).putInt(maxPduWeReceive).array());
        writeItem(user, 0x52, ascii(IMPLEMENTATION_CLASS_UID));
        writeItem(user, 0x55, ascii(IMPLEMENTATION_VERSION));
        writeItem(items, 0x50, user.toByteArray());

        byte[] variable = items.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(6 + 68 + variable.length);
        out.put((byte) ASSOCIATE_AC).put((byte) 0).putInt(68 + variable.length);
        out.putShort((short) 1).putShort((short) 0);
        out.put(aeField(rq.calledAe())).put(aeField(rq.callingAe()));
        out.put(new byte[32]);
        out.put(variable);
        return out.array();
    }

    /** A complete A-ASSOCIATE-RJ PDU. */
    static byte[] associateReject(int result, int source, int reason) {
        return new byte[] {ASSOCIATE_RJ, 0, 0, 0, 0, 4, 0, (byte) result, (byte) source, (byte) reason};
    }

    /** A complete A-ABORT PDU sent by the service provider. */
    static byte[] abort(int reason) {
        return new byte[] {ABORT, 0, 0, 0, 0, 4, 0, 0, (byte) ABORT_SOURCE_PROVIDER, (byte) reason};
    }

    /** A complete A-RELEASE-RP PDU. */
    static byte[] releaseResponse() {
        return new byte[] {RELEASE_RP, 0, 0, 0, 0, 4, 0, 0, 0, 0};
    }

    /** A P-DATA-TF PDU carrying one complete command set in one PDV. */
    static byte[] commandPdu(int presentationContextId, byte[] commandSet) {
        ByteBuffer out = ByteBuffer.allocate(6 + 6 + commandSet.length);
        out.put((byte) P_DATA_TF).put((byte) 0).putInt(6 + commandSet.length);
        out.putInt(2 + commandSet.length).put((byte) presentationContextId).put((byte) 0x03);
        out.put(commandSet);
        return out.array();
    }

    /**
     * Parses a command set (always implicit VR little endian, PS3.7 6.3.1).
     *
     * @throws IllegalArgumentException when an element runs past the end
     */
    static Command parseCommand(byte[] bytes, int length) {
        ByteBuffer buf = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int commandField = -1;
        int messageId = -1;
        int dataSetType = NO_DATA_SET;
        String sopClass = null;
        String sopInstance = null;
        int pos = 0;
        while (pos + 8 <= length) {
            int group = buf.getShort(pos) & 0xffff;
            int element = buf.getShort(pos + 2) & 0xffff;
            int valueLength = buf.getInt(pos + 4);
            int start = pos + 8;
            if (valueLength < 0 || start + valueLength > length) {
                throw new IllegalArgumentException("command element (" + Integer.toHexString(group) + ","
                        + Integer.toHexString(element) + ") runs past the end of the command set");
            }
            if (group == 0x0000) {
                switch (element) {
                    case 0x0002 -> sopClass = uid(bytes, start, valueLength);
                    case 0x0100 -> commandField = buf.getShort(start) & 0xffff;
                    case 0x0110 -> messageId = buf.getShort(start) & 0xffff;
                    case 0x0800 -> dataSetType = buf.getShort(start) & 0xffff;
                    case 0x1000 -> sopInstance = uid(bytes, start, valueLength);
                    default -> {
                        // other command elements (priority, move originator) do not change what we do
                    }
                }
            }
            pos = start + valueLength;
        }
        if (commandField < 0 || messageId < 0) {
            throw new IllegalArgumentException("command set without Command Field or Message ID");
        }
        return new Command(commandField, messageId, dataSetType, sopClass, sopInstance);
    }

    /** A response command set (implicit VR little endian) with an optional Error Comment. */
    static byte[] responseCommand(int commandField, int messageIdBeingRespondedTo, String affectedSopClassUid,
                                  String affectedSopInstanceUid, int status, String errorComment) {
        ByteArrayOutputStream elements = new ByteArrayOutputStream(160);
        if (affectedSopClassUid != null) {
            writeElement(elements, 0x0002, uidValue(affectedSopClassUid));
        }
        writeElement(elements, 0x0100, us(commandField));
        writeElement(elements, 0x0120, us(messageIdBeingRespondedTo));
        writeElement(elements, 0x0800, us(NO_DATA_SET));
        writeElement(elements, 0x0900, us(status));
        if (errorComment != null && !errorComment.isEmpty()) {
            // LO: at most 64 characters, padded with a space to even length.
            String lo = errorComment.length() > 64 ? errorComment.substring(0, 64) : errorComment;
            writeElement(elements, 0x0902, padded(ascii(lo), (byte) ' '));
        }
        if (affectedSopInstanceUid != null) {
            writeElement(elements, 0x1000, uidValue(affectedSopInstanceUid));
        }
        byte[] body = elements.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 12);
        writeElement(out, 0x0000, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
        out.writeBytes(body);
        return out.toByteArray();
    }

    /**
     * A DICOM Part 10 preamble, "DICM" and file meta information group (explicit VR little endian)
     * for an object received over the network, so that a spooled file is self-describing. It
     * depends only on the UIDs (no Source AE title), so the same data set always yields the same
     * bytes and digest whoever sends it.
     */
    static byte[] part10Header(String sopClassUid, String sopInstanceUid, String transferSyntaxUid) {
        ByteArrayOutputStream meta = new ByteArrayOutputStream(256);
        writeExplicit(meta, 0x0001, "OB", new byte[] {0, 1});
        writeExplicit(meta, 0x0002, "UI", uidValue(nullToEmpty(sopClassUid)));
        writeExplicit(meta, 0x0003, "UI", uidValue(nullToEmpty(sopInstanceUid)));
        writeExplicit(meta, 0x0010, "UI", uidValue(transferSyntaxUid));
        writeExplicit(meta, 0x0012, "UI", uidValue(IMPLEMENTATION_CLASS_UID));
        writeExplicit(meta, 0x0013, "SH", padded(ascii(IMPLEMENTATION_VERSION), (byte) ' '));
        byte[] group = meta.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(132 + 12 + group.length);
        out.writeBytes(new byte[128]);
        out.writeBytes(ascii("DICM"));
        writeExplicit(out, 0x0000, "UL",
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(group.length).array());
        out.writeBytes(group);
        return out.toByteArray();
    }

    static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }

    static byte[] ascii(String value) {
        return value.getBytes(StandardCharsets.US_ASCII);
    }

    static void readFully(InputStream in, byte[] buffer, int length) throws IOException {
        int read = 0;
        while (read < length) {
            int n = in.read(buffer, read, length - read);
            if (n < 0) {
                throw new EOFException("connection closed after " + read + " of " + length + " bytes");
            }
            read += n;
        }
    }

    private static String uid(byte[] bytes, int offset, int length) {
        int end = offset + length;
        // UIDs are padded with NUL (and some peers use a space) to even length.
        while (end > offset && (bytes[end - 1] == 0 || bytes[end - 1] == ' ')) {
            end--;
        }
        return ascii(bytes, offset, end - offset);
    }

    private static void requireAvailable(byte[] body, int pos, int length) {
        if (pos + length > body.length || length < 0) {
            throw new IllegalArgumentException("item at offset " + pos + " runs past the end of the PDU");
        }
    }

    private static byte[] aeField(String ae) {
        byte[] field = new byte[16];
        Arrays.fill(field, (byte) ' ');
        byte[] value = ascii(ae);
        System.arraycopy(value, 0, field, 0, Math.min(16, value.length));
        return field;
    }

    private static void writeItem(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write((value.length >> 8) & 0xff);
        out.write(value.length & 0xff);
        out.writeBytes(value);
    }

    private static void writeElement(ByteArrayOutputStream out, int element, byte[] value) {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.putShort((short) 0).putShort((short) element).putInt(value.length);
        out.writeBytes(header.array());
        out.writeBytes(value);
    }

    private static void writeExplicit(ByteArrayOutputStream out, int element, String vr, byte[] value) {
        ByteBuffer header;
        if (vr.equals("OB")) {
            header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            header.putShort((short) 2).putShort((short) element).put(ascii(vr)).putShort((short) 0).putInt(value.length);
        } else {
            header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            header.putShort((short) 2).putShort((short) element).put(ascii(vr)).putShort((short) value.length);
        }
        out.writeBytes(header.array());
        out.writeBytes(value);
    }

    private static byte[] us(int value) {
        return new byte[] {(byte) (value & 0xff), (byte) ((value >> 8) & 0xff)};
    }

    private static byte[] uidValue(String uid) {
        return padded(ascii(uid), (byte) 0);
    }

    private static byte[] padded(byte[] value, byte pad) {
        if (value.length % 2 == 0) {
            return value;
        }
        byte[] out = Arrays.copyOf(value, value.length + 1);
        out[value.length] = pad;
        return out;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
