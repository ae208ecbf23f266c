package io.rtr.inference.pipeline;

import com.pixelmed.dicom.DicomException;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.inference.pixels.PixelPreprocessor;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches, verifies, decodes and preprocesses the images of submitted studies on a bounded pool
 * while the caller keeps collecting, then scores all of them in batches of at most
 * {@code batchMaxSize} images across studies, one session run per batch.
 *
 * <p>Each image is decoded straight into its slot of a batch buffer (image {@code i} of a round
 * goes to buffer {@code i / batchMaxSize}), so there is no copy between decoding and the model, and
 * the buffers are kept for the next round. Every pool thread owns one read buffer and one
 * {@link PixelPreprocessor}, whose working memory is reused too. Not thread-safe: one caller submits and scores.
 */
public final class ScoringPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScoringPipeline.class);

    /**
     * What became of one submitted study.
     *
     * @param imageScores one score per instance, in the study's instance order; null when not scored
     * @param failure     why the study could not be scored; null when it was
     * @param latencyNanos from submission to the end of the last model run holding one of its images
     */
    public record StudyOutcome(StudyAssembled study, float[] imageScores, UnscorableStudyException failure,
                               long latencyNanos) {
        /** Whether the study has scores (otherwise it belongs in the dead-letter topic). */
        public boolean scored() {
            return failure == null;
        }
    }

    /** A pool thread's reusable read buffer and preprocessor. */
    private record Decoder(BlobFetcher.Blob blob, PixelPreprocessor preprocessor) {
    }

    private static final class Job {
        final StudyAssembled study;
        final int firstImage;
        final int images;
        final long submittedNanos;
        final UnscorableStudyException failure;

        Job(StudyAssembled study, int firstImage, int images, long submittedNanos, UnscorableStudyException failure) {
            this.study = study;
            this.firstImage = firstImage;
            this.images = images;
            this.submittedNanos = submittedNanos;
            this.failure = failure;
        }
    }

    private final SavedModelScorer scorer;
    private final BlobFetcher fetcher;
    private final int batchMaxSize;
    private final int imageSize;
    private final ExecutorService pool;
    private final ThreadLocal<Decoder> decoders;
    private final List<float[]> buffers = new ArrayList<>();
    private final List<Future<?>> decodes = new ArrayList<>();
    private final List<Job> jobs = new ArrayList<>();
    private float[] batchScores;
    private int images;

    /**
     * @param decodeThreads size of the fetch/decode pool; more than the cores buys nothing because
     *                      decoding is CPU-bound once the blob is in the page cache
     */
    public ScoringPipeline(SavedModelScorer scorer, BlobFetcher fetcher, int decodeThreads, int batchMaxSize) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        if (decodeThreads < 1 || batchMaxSize < 1) {
            throw new IllegalArgumentException("decode threads and batch size must be at least 1, got "
                    + decodeThreads + " and " + batchMaxSize);
        }
        this.batchMaxSize = batchMaxSize;
        this.imageSize = scorer.imageSize();
        this.batchScores = new float[batchMaxSize];
        PixelPreprocessor.Options options = scorer.descriptor().preprocessing();
        this.decoders = ThreadLocal.withInitial(() -> new Decoder(new BlobFetcher.Blob(),
                new PixelPreprocessor(options)));
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "rtr-decode-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(decodeThreads, threads);
    }

    /** Images submitted and not yet scored. */
    public int pendingImages() {
        return images;
    }

    /** Studies submitted and not yet scored. */
    public int pendingStudies() {
        return jobs.size();
    }

    /** Starts fetching and decoding the study's images in the background. */
    public void submit(StudyAssembled study) {
        long now = System.nanoTime();
        List<InstanceReceived> instances = study.getInstances();
        if (instances.isEmpty()) {
            jobs.add(new Job(study, images, 0, now, new UnscorableStudyException(UnscorableReason.NO_IMAGES,
                    "study " + study.getStudyInstanceUid() + " revision " + study.getRevision() + " lists no instances")));
            return;
        }
        jobs.add(new Job(study, images, instances.size(), now, null));
        for (InstanceReceived instance : instances) {
            int index = images++;
            int batch = index / batchMaxSize;
            while (buffers.size() <= batch) {
                buffers.add(new float[batchMaxSize * imageSize]);
            }
            float[] buffer = buffers.get(batch);
            int offset = (index % batchMaxSize) * imageSize;
            decodes.add(pool.submit(() -> {
                decodeInto(instance, buffer, offset);
                return null;
            }));
        }
    }

    /**
     * Waits for every submitted image, scores them and returns one outcome per submitted study in
     * submission order; the pipeline is empty afterwards. A model failure is thrown (it says nothing
     * about the studies) and leaves the round in place, so the caller may call this again.
     */
    public List<StudyOutcome> scoreAll() throws InterruptedException {
        UnscorableStudyException[] failures = new UnscorableStudyException[images];
        float[] scores = new float[images];
        long[] scoredAt = new long[images];
        for (int first = 0, batch = 0; first < images; first += batchMaxSize, batch++) {
            int count = Math.min(batchMaxSize, images - first);
            // Only this batch's images are awaited: later ones keep decoding while the model runs.
            for (int i = first; i < first + count; i++) {
                failures[i] = await(decodes.get(i));
            }
            scorer.score(buffers.get(batch), count, batchScores);
            long now = System.nanoTime();
            System.arraycopy(batchScores, 0, scores, first, count);
            Arrays.fill(scoredAt, first, first + count, now);
        }
        List<StudyOutcome> outcomes = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            UnscorableStudyException failure = job.failure;
            for (int i = job.firstImage; failure == null && i < job.firstImage + job.images; i++) {
                failure = failures[i];
            }
            if (failure != null) {
                outcomes.add(new StudyOutcome(job.study, null, failure, 0));
            } else {
                float[] studyScores = Arrays.copyOfRange(scores, job.firstImage, job.firstImage + job.images);
                outcomes.add(new StudyOutcome(job.study, studyScores, null,
                        scoredAt[job.firstImage + job.images - 1] - job.submittedNanos));
            }
        }
        clear();
        LOG.debug("scored {} studies", outcomes.size());
        return outcomes;
    }

    /**
     * Forgets everything submitted, e.g. after a rebalance took the partitions away. Waits for
     * decodes already running, because they write into buffers the next round reuses.
     */
    public void discard() {
        for (Future<?> decode : decodes) {
            decode.cancel(false);
        }
        for (Future<?> decode : decodes) {
            try {
                if (!decode.isCancelled()) {
                    decode.get();
                }
            } catch (ExecutionException | CancellationException e) {
                // The round is being thrown away; its failures no longer matter.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        clear();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private void clear() {
        decodes.clear();
        jobs.clear();
        images = 0;
    }

    private static UnscorableStudyException await(Future<?> decode) throws InterruptedException {
        try {
            decode.get();
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnscorableStudyException u) {
                return u;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("decoding failed unexpectedly", e.getCause());
        }
    }

    private void decodeInto(InstanceReceived instance, float[] buffer, int offset) throws UnscorableStudyException {
        Decoder decoder = decoders.get();
        try {
            fetcher.fetch(instance.getBlobUri(), instance.getSha256(), decoder.blob());
        } catch (UnscorableStudyException e) {
            throw new UnscorableStudyException(e.reason(), where(instance) + e.getMessage(), e);
        }
        try {
            decoder.preprocessor().preprocess(decoder.blob().bytes(), decoder.blob().length(), buffer, offset);
        } catch (DicomException | IOException | RuntimeException e) {
            // PixelMed reports damaged input with whatever exception its parser hits; all of them
            // mean the same for us: these bytes are not an image we can score.
            throw new UnscorableStudyException(UnscorableReason.PIXELS_UNDECODABLE, where(instance) + "blob "
                    + instance.getBlobUri() + " is not a decodable grayscale DICOM image: " + e, e);
        }
    }

    /** Built only when an image fails, so that the per-image path allocates no message. */
    private static String where(InstanceReceived instance) {
        return "study " + instance.getStudyInstanceUid() + " instance " + instance.getSopInstanceUid() + ": ";
    }
}
