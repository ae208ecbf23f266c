package io.rtr.ingest;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A deliberately low-level SCU for the tests: it can send what a real SCU never would (truncated
 * objects, junk, half an object) and reads the SCP's answers byte by byte.
 */
final class RawScu implements Closeable {

    static final int CONTEXT_ID = 1;
    static final int ECHO_CONTEXT_ID = 3;

    /** One PDU as received. */
    record Response(int type, byte[] body) {
    }

    /** The status and error comment of a DIMSE response. */
    record Status(int status, String errorComment) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int messageId;

    RawScu(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Response readPdu() throws IOException {
        int type = in.readUnsignedByte();
        in.readByte();
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return new Response(type, body);
    }

    /** Sends an A-ASSOCIATE-RQ proposing MG storage and verification, both explicit VR LE. */
    Response associate(String callingAe, String calledAe) throws IOException {
        ByteArrayOutputStream items = new ByteArrayOutputStream();
        item(items, 0x10, ascii(Pdu.APPLICATION_CONTEXT));
        items.writeBytes(context(CONTEXT_ID, TestDicom.MG_FOR_PRESENTATION));
        items.writeBytes(context(ECHO_CONTEXT_ID, Pdu.VERIFICATION_SOP_CLASS));
        ByteArrayOutputStream user = new ByteArrayOutputStream();
        item(user, 0x51, ByteBuffer.allocate(4).putInt(16384).array());
        item(user, 0x52, ascii("1.2.3.4.5"));
        item(items, 0x50, user.toByteArray());
        byte[] variable = items.toByteArray();
        ByteBuffer pdu = ByteBuffer.allocate(6 + 68 + variable.length);
        pdu.put((byte) 1).put((byte) 0).putInt(68 + variable.length).putShort((short) 1).putShort((short) 0);
        pdu.put(ae(calledAe)).put(ae(callingAe)).put(new byte[32]).put(variable);
        sendRaw(pdu.array());
        return readPdu();
    }

    Status echo() throws IOException {
        byte[] cmd = command(Pdu.VERIFICATION_SOP_CLASS, Pdu.C_ECHO_RQ, Pdu.NO_DATA_SET, null);
        sendRaw(pData(ECHO_CONTEXT_ID, cmd, true, true));
        return readStatus();
    }

    /** Sends the command and the first {@code sendBytes} of the data set (all when -1). */
    void sendStore(String sopInstanceUid, byte[] dataSet, int sendBytes, boolean last) throws IOException {
        sendRaw(pData(CONTEXT_ID, command(TestDicom.MG_FOR_PRESENTATION, Pdu.C_STORE_RQ, 0, sopInstanceUid), true, true));
        int total = sendBytes < 0 ? dataSet.length : sendBytes;
        int pos = 0;
        do {
            int n = Math.min(16000, total - pos);
            byte[] chunk = Arrays.copyOfRange(dataSet, pos, pos + n);
            pos += n;
            sendRaw(pData(CONTEXT_ID, chunk, false, last && pos == total));
        } while (pos < total);
    }

    Status store(String sopInstanceUid, byte[] dataSet) throws IOException {
        sendStore(sopInstanceUid, dataSet, -1, true);
        return readStatus();
    }

    Response release() throws IOException {
        sendRaw(new byte[] {5, 0, 0, 0, 0, 4, 0, 0, 0, 0});
        return readPdu();
    }

    Status readStatus() throws IOException {
        Response r = readPdu();
        if (r.type() != Pdu.P_DATA_TF) {
            throw new IOException("expected P-DATA-TF, got PDU type " + r.type());
        }
        ByteBuffer b = ByteBuffer.wrap(r.body()).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 6; // one PDV: length(4) + context(1) + control(1)
        int status = -1;
        String comment = null;
        while (pos + 8 <= r.body().length) {
            int element = b.getShort(pos + 2) & 0xffff;
            int len = b.getInt(pos + 4);
            if (element == 0x0900) {
                status = b.getShort(pos + 8) & 0xffff;
            } else if (element == 0x0902) {
                comment = new String(r.body(), pos + 8, len, StandardCharsets.US_ASCII).strip();
            }
            pos += 8 + len;
        }
        return new Status(status, comment);
    }

    private byte[] command(String sopClass, int field, int dataSetType, String sopInstance) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        element(e, 0x0002, uid(sopClass));
        element(e, 0x0100, us(field));
        element(e, 0x0110, us(++messageId));
        if (field == Pdu.C_STORE_RQ) {
            element(e, 0x0700, us(0));
        }
        element(e, 0x0800, us(dataSetType));
        if (sopInstance != null) {
            element(e, 0x1000, uid(sopInstance));
        }
        byte[] body = e.toByteArray();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        element(all, 0x0000, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(body.length).array());
        all.writeBytes(body);
        return all.toByteArray();
    }

    private static byte[] pData(int contextId, byte[] value, boolean command, boolean last) {
        ByteBuffer b = ByteBuffer.allocate(12 + value.length);
        b.put((byte) 4).put((byte) 0).putInt(6 + value.length).putInt(2 + value.length).put((byte) contextId)
                .put((byte) ((command ? 1 : 0) | (last ? 2 : 0))).put(value);
        return b.array();
    }

    private static byte[] context(int id, String abstractSyntax) {
        ByteArrayOutputStream pc = new ByteArrayOutputStream();
        pc.write(id);
        pc.writeBytes(new byte[3]);
        item(pc, 0x30, ascii(abstractSyntax));
        item(pc, 0x40, ascii(Pdu.EXPLICIT_VR_LITTLE_ENDIAN));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        item(out, 0x20, pc.toByteArray());
        return out.toByteArray();
    }

    private static void item(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(0);
        out.write(value.length >> 8);
        out.write(value.length & 0xff);
        out.writeBytes(value);
    }

    private static void element(ByteArrayOutputStream out, int element, byte[] value) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0)
                .putShort((short) element).putInt(value.length).array());
        out.writeBytes(value);
    }

    private static byte[] us(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8)};
    }

    private static byte[] uid(String uid) {
        byte[] b = ascii(uid);
        return b.length % 2 == 0 ? b : Arrays.copyOf(b, b.length + 1);
    }

    private static byte[] ae(String ae) {
        byte[] f = new byte[16];
        Arrays.fill(f, (byte) ' ');
        byte[] v = ascii(ae);
        System.arraycopy(v, 0, f, 0, v.length);
        return f;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
