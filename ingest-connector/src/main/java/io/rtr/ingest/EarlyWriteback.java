package io.rtr.ingest;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Linux to start writing a spool file's bytes to the disk while the rest of the object is
 * still arriving ({@code sync_file_range(SYNC_FILE_RANGE_WRITE)}: starts the writeback of a range
 * and returns without waiting), so that the fsync at commit, which the sender waits for, finds most
 * of the data written already. Durability does not depend on it: the commit's fsync still writes
 * and waits for everything; this only moves work earlier.
 *
 * <p>Measured here (C probe: 512 KiB in four 128 KiB pieces, 0.2 ms of work before each, 150 files,
 * 3 rounds): the wait after the last byte 0.86 to 0.91 ms without, 0.49 to 0.58 ms with.
 *
 * <p>The range is started through a file descriptor of its own, opened read-only (writeback works
 * on the file, not on a descriptor; Java does not expose a {@code FileChannel}'s). Where JNA's
 * native library cannot load or the platform is not Linux, every instance does nothing.
 */
final class EarlyWriteback implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EarlyWriteback.class);
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    /** Whether the calls can be made here; decided once. */
    private static final boolean AVAILABLE = load();

    private final Path file;
    /** The descriptor, -1 before the first range or after a failure or {@link #close}. */
    private int fd = -1;
    private boolean failed;

    private EarlyWriteback(Path file) {
        this.file = file;
    }

    /** Early writeback for {@code file}, or one that does nothing where it is not available. */
    static EarlyWriteback of(Path file) {
        return new EarlyWriteback(file);
    }

    /** Whether this JVM can start writeback early (Linux with JNA's native library). */
    static boolean available() {
        return AVAILABLE;
    }

    /**
     * Starts writing {@code length} bytes from {@code offset} to the disk, without waiting. Never
     * throws: after a failure (logged once per file) it stops trying for this file.
     */
    void start(long offset, long length) {
        if (!AVAILABLE || failed || length <= 0) {
            return;
        }
        if (fd < 0) {
            fd = LibC.open(file.toString(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                fail("open", Native.getLastError());
                return;
            }
        }
        if (LibC.sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) != 0) {
            fail("sync_file_range", Native.getLastError());
        }
    }

    private void fail(String call, int errno) {
        failed = true;
        LOG.debug("early writeback of {} stopped: {} failed with errno {}; the commit's fsync writes it all",
                file.getFileName(), call, errno);
        close();
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }

    private static boolean load() {
        try {
            if (!Platform.isLinux()) {
                LOG.info("spool: early writeback is Linux-only; each object's data is written by its commit's fsync");
                return false;
            }
            Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            return true;
        } catch (LinkageError | RuntimeException e) {
            // Also JNA missing from the class path (NoClassDefFoundError): the spool works without it.
            LOG.warn("spool: early writeback unavailable ({}); each object's data is written by its commit's"
                    + " fsync, which the sender then waits for longer", e.toString());
            return false;
        }
    }

    /** The C library's calls, bound directly (no interface proxy) by {@link #load}. */
    private static final class LibC {
        static native int open(String path, int flags);

        static native int close(int fd);

        static native int sync_file_range(int fd, long offset, long nbytes, int flags);
    }
}
