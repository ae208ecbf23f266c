package io.rtr.standalone.pipeline;

import io.rtr.worklist.api.WorklistPoolConfig;
import java.nio.file.Path;
import java.util.Map;

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
 * @param apiPoolSize connections of the worklist API's pool ({@code pool.max.size} of
 *     {@link WorklistPoolConfig}; the other pool settings keep their defaults)
 */
public record PipelineConfig(Path dataDir, String host, int dicomPort, String aeTitle, int httpPort,
                             int synthetic, int apiPoolSize) {

    /** Default DICOM port. */
    public static final int DEFAULT_DICOM_PORT = 11112;
    /** Default AE title. */
    public static final String DEFAULT_AE_TITLE = "RTR";
    /** Default HTTP port. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /** Synthetic studies the demo sends unless told otherwise. */
    public static final int DEFAULT_SYNTHETIC = 4;
    /** Default size of the worklist API's connection pool. */
    public static final int DEFAULT_API_POOL_SIZE = WorklistPoolConfig.POOL_MAX_SIZE_DEFAULT;

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
        if (apiPoolSize < 1 || apiPoolSize > 1000) {
            throw new IllegalArgumentException("--api-pool-size must be 1 to 1000, was " + apiPoolSize);
        }
        if (aeTitle == null || aeTitle.isBlank() || aeTitle.length() > 16) {
            throw new IllegalArgumentException("the AE title must have 1 to 16 characters, was '" + aeTitle + "'");
        }
    }

    /** The demo's defaults under {@code dataDir}. */
    public static PipelineConfig defaults(Path dataDir, String host) {
        return new PipelineConfig(dataDir, host, DEFAULT_DICOM_PORT, DEFAULT_AE_TITLE, DEFAULT_HTTP_PORT,
                DEFAULT_SYNTHETIC, DEFAULT_API_POOL_SIZE);
    }

    /** Free ports everywhere and no synthetic studies: for tests. */
    public static PipelineConfig forTests(Path dataDir) {
        return new PipelineConfig(dataDir, "127.0.0.1", 0, DEFAULT_AE_TITLE, 0, 0, DEFAULT_API_POOL_SIZE);
    }

    /** A copy sending {@code count} synthetic studies. */
    public PipelineConfig withSynthetic(int count) {
        return new PipelineConfig(dataDir, host, dicomPort, aeTitle, httpPort, count, apiPoolSize);
    }

    /** The worklist API's pool settings. */
    WorklistPoolConfig apiPool() {
        return new WorklistPoolConfig(Map.of(WorklistPoolConfig.POOL_MAX_SIZE_CONFIG, Integer.toString(apiPoolSize)));
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
