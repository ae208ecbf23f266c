package io.rtr.standalone.pipeline;

import java.nio.file.Path;

/**
 * Where the pipeline stages of the standalone platform listen and keep their files; the defaults
 * are the demo's endpoints of ARCHITECTURE.md.
 *
 * @param dataDir the platform's data folder (blobs, spool, Connect offsets, Streams state, config)
 * @param host the interface every endpoint binds to
 * @param dicomPort the DICOM SCP port (C-ECHO, C-STORE)
 * @param aeTitle the SCP's AE title
 * @param httpPort the worklist page and API, STOW-RS, /health and /metrics
 * @param synthetic how many synthetic screening studies to send over C-STORE once everything runs
 */
public record PipelineConfig(Path dataDir, String host, int dicomPort, String aeTitle, int httpPort,
                             int synthetic) {

    /** Default DICOM port. */
    public static final int DEFAULT_DICOM_PORT = 11112;
    /** Default AE title. */
    public static final String DEFAULT_AE_TITLE = "RTR";
    /** Default HTTP port. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /** Synthetic studies the demo sends unless told otherwise. */
    public static final int DEFAULT_SYNTHETIC = 4;

    /** Validates the values. */
    public PipelineConfig {
        for (int port : new int[] {dicomPort, httpPort}) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 0..65535");
            }
        }
        if (synthetic < 0) {
            throw new IllegalArgumentException("--synthetic must be 0 or more, was " + synthetic);
        }
        if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) {
            throw new IllegalArgumentException("the AE title must have 1 to 16 characters, was '" + aeTitle + "'");
        }
    }

    /** The demo's defaults under {@code dataDir}. */
    public static PipelineConfig defaults(Path dataDir, String host) {
        return new PipelineConfig(dataDir, host, DEFAULT_DICOM_PORT, DEFAULT_AE_TITLE, DEFAULT_HTTP_PORT,
                DEFAULT_SYNTHETIC);
    }

    /** Free ports everywhere and no synthetic studies: for tests. */
    public static PipelineConfig forTests(Path dataDir) {
        return new PipelineConfig(dataDir, "127.0.0.1", 0, DEFAULT_AE_TITLE, 0, 0);
    }

    /** A copy sending {@code count} synthetic studies. */
    public PipelineConfig withSynthetic(int count) {
        return new PipelineConfig(dataDir, host, dicomPort, aeTitle, httpPort, count);
    }

    Path configDir() {
        return dataDir.resolve("config");
    }

    Path connectDir() {
        return dataDir.resolve("connect");
    }

    Path streamsDir() {
        return dataDir.resolve("streams");
    }
}
