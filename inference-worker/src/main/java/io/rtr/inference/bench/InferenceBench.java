package io.rtr.inference.bench;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.DicomInputStream;
import io.rtr.inference.InferenceWorkerConfig;
import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pipeline.BlobFetcher;
import io.rtr.inference.pipeline.ScoringPipeline;
import io.rtr.inference.pixels.PixelPreprocessor;
import io.rtr.inference.reference.ReferenceModel;
import io.rtr.inference.reference.ReferenceModelTrainer;
import io.rtr.schemas.CompletenessReason;
import io.rtr.schemas.IngestSource;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.StudyAssembled;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints studies/s and images/s of (a) the worker's scoring pipeline without Kafka (blob read,
 * SHA-256 check, DICOM decode, preprocessing on the decode pool, batching across studies, model)
 * on phantom MG files on disk, and (b) a bare TensorFlow loop feeding already-preprocessed batches
 * of the same size to the same session, in the same run, with the pipeline's overhead over the bare
 * loop, for each batch size of a sweep.
 *
 * <pre>
 * ./mvnw -q -pl inference-worker -am install -DskipTests
 * ./mvnw -q -pl inference-worker exec:java -Dexec.mainClass=io.rtr.inference.bench.InferenceBench \
 *     -Dexec.args="--studies 32 --threads 2 --batches 1,4,8,16,32 --size 512x416 --seconds 3"
 * </pre>
 *
 * Options: {@code --studies N} phantom studies of four views; {@code --threads T} decode threads
 * and TensorFlow intra-op threads; {@code --batches} the sweep; {@code --size RxC} phantom matrix;
 * {@code --seconds S} minimum time per measurement (worker and bare passes alternate);
 * {@code --model-dir} a SavedModel instead of the reference model; {@code --timing-model RxC} after
 * the reference sweep, a second sweep on a timing model: the reference network's graph at an RxC
 * input with {@code --timing-widen K} (default 2) times its filters and random weights, generated
 * for this run only, so that the model costs what a production screening model costs per image
 * and the overhead can be read where the model dominates; {@code --timing-batches} its sweep
 * (default: the same as {@code --batches}).
 */
public final class InferenceBench {

    private InferenceBench() {
    }

    public static void main(String[] args) throws Exception {
        // Before the first logger exists: logback reads this property once, when it starts.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "rtr-inference-logback.xml");
        }
        int studies = 32;
        int threads = Runtime.getRuntime().availableProcessors();
        int[] batches = {1, 4, 8, 16, 32};
        int rows = 512;
        int columns = 416;
        double seconds = 3;
        Path modelDir = null;
        int[] timingSize = null;
        int widen = 2;
        int[] timingBatches = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--studies" -> studies = Integer.parseInt(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--batches" -> batches = batchList(value);
                case "--size" -> {
                    int[] size = size(value);
                    rows = size[0];
                    columns = size[1];
                }
                case "--seconds" -> seconds = Double.parseDouble(value);
                case "--model-dir" -> modelDir = Path.of(value);
                case "--timing-model" -> timingSize = size(value);
                case "--timing-widen" -> widen = Integer.parseInt(value);
                case "--timing-batches" -> timingBatches = batchList(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        Path work = Files.createTempDirectory("rtr-inference-bench");
        try {
            if (modelDir == null) {
                modelDir = ReferenceModel.extractTo(work.resolve("model"));
            }
            List<StudyAssembled> events = writeStudies(work.resolve("blobs"), studies, rows, columns);
            run(modelDir, events, threads, batches, seconds, rows, columns);
            if (timingSize != null) {
                Path timing = work.resolve("timing-model");
                long flops = ReferenceModelTrainer.exportTimingModel(timing, timingSize[0], timingSize[1], widen, 1);
                System.out.printf(Locale.ROOT, "%ntiming model (random weights, for timing only, never a classifier):"
                        + " the reference network %dx wider at %dx%d input, %.2f GFLOP per image%n", widen,
                        timingSize[0], timingSize[1], flops / 1e9);
                run(timing.resolve("saved_model"), events, threads, timingBatches == null ? batches : timingBatches,
                        seconds, rows, columns);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int[] batchList(String value) {
        return Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static int[] size(String value) {
        String[] parts = value.toLowerCase(Locale.ROOT).split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    private static void run(Path modelDir, List<StudyAssembled> events, int threads, int[] batches, double seconds,
                            int rows, int columns) throws Exception {
        ModelDescriptor descriptor = ModelDescriptor.load(ModelDescriptor.fileFor(modelDir));
        try (SavedModelScorer scorer = SavedModelScorer.open(modelDir, descriptor,
                InferenceWorkerConfig.sessionConfig(InferenceWorkerConfig.Device.AUTO, true, "", threads, 0))) {
            int images = events.stream().mapToInt(e -> e.getInstances().size()).sum();
            float[][] preprocessed = preprocessAll(events, scorer);
            System.out.printf(Locale.ROOT, "model %s %s on %s; %d studies x 4 views = %d images of %dx%d (%.0f KB"
                            + " each); %d decode threads, %d TF intra-op threads; >= %.1f s per figure%n",
                    descriptor.modelName(), descriptor.modelVersion(), scorer.device(), events.size(), images, rows,
                    columns, Files.size(Path.of(URI.create(events.get(0).getInstances().get(0).getBlobUri())))
                            / 1024.0, threads, threads, seconds);
            stageCosts(events, scorer);
            System.out.printf(Locale.ROOT, "%6s | %12s %12s | %12s %12s | %9s | %s%n", "batch", "worker st/s",
                    "worker im/s", "bare-TF st/s", "bare-TF im/s", "overhead", "paired passes' overheads");
            for (int batch : batches) {
                Measurement m;
                List<float[]> batchBuffers = layOut(preprocessed, scorer.imageSize(), batch);
                // One pipeline per batch size for all passes, as one worker keeps one for its life.
                try (ScoringPipeline pipeline = new ScoringPipeline(scorer, new BlobFetcher(null), threads, batch)) {
                    m = measure(seconds, () -> pipelinePass(pipeline, events, batch),
                            () -> barePass(scorer, batchBuffers, images, batch));
                }
                // Both passes score the same number of images, so rates compare directly.
                double workerImages = images / m.workerSeconds();
                double bareImages = images / m.bareSeconds();
                System.out.printf(Locale.ROOT, "%6d | %12.1f %12.1f | %12.1f %12.1f | %8.1f%% | %6.1f%% .. %5.1f%%%n",
                        batch, workerImages / 4, workerImages, bareImages / 4, bareImages,
                        100.0 * (1 - workerImages / bareImages), 100 * m.lowestOverhead(), 100 * m.highestOverhead());
            }
        }
    }

    /** Mean seconds per pass of the worker and of the bare loop, and the range of the paired passes' overheads. */
    private record Measurement(double workerSeconds, double bareSeconds, double lowestOverhead,
                               double highestOverhead) {
    }

    /**
     * One warm-up pass each, then worker and bare passes alternate until each has run for
     * {@code seconds}. Alternating gives both the same share of whatever else the machine is doing
     * meanwhile, so that their ratio, the overhead, stays fair; the spread of the overheads of
     * adjacent pairs shows how much that other load moved the figures.
     */
    private static Measurement measure(double seconds, Pass worker, Pass bare) throws Exception {
        worker.run();
        bare.run();
        long workerNanos = 0;
        long bareNanos = 0;
        double lowest = Double.POSITIVE_INFINITY;
        double highest = Double.NEGATIVE_INFINITY;
        int passes = 0;
        do {
            long t0 = System.nanoTime();
            worker.run();
            long t1 = System.nanoTime();
            bare.run();
            long t2 = System.nanoTime();
            workerNanos += t1 - t0;
            bareNanos += t2 - t1;
            double overhead = 1 - (t2 - t1) / (double) (t1 - t0);
            lowest = Math.min(lowest, overhead);
            highest = Math.max(highest, overhead);
            passes++;
        } while (Math.min(workerNanos, bareNanos) < seconds * 1e9);
        return new Measurement(workerNanos / 1e9 / passes, bareNanos / 1e9 / passes, lowest, highest);
    }

    /** One pass of a benchmark. */
    @FunctionalInterface
    private interface Pass {
        void run() throws Exception;
    }

    /** The worker's path minus Kafka: rounds of whole studies filled up to the batch size, as the worker forms them. */
    private static void pipelinePass(ScoringPipeline pipeline, List<StudyAssembled> events, int batch)
            throws InterruptedException {
        for (StudyAssembled event : events) {
            pipeline.submit(event);
            if (pipeline.pendingImages() >= batch) {
                check(pipeline.scoreAll());
            }
        }
        if (pipeline.pendingStudies() > 0) {
            check(pipeline.scoreAll());
        }
    }

    private static void check(List<ScoringPipeline.StudyOutcome> outcomes) {
        for (ScoringPipeline.StudyOutcome outcome : outcomes) {
            if (!outcome.scored()) {
                throw new IllegalStateException("benchmark study not scored: " + outcome.failure().getMessage());
            }
        }
    }

    /** The same images, already preprocessed and laid out in batch buffers, through the same session. */
    private static void barePass(SavedModelScorer scorer, List<float[]> batchBuffers, int images, int batch) {
        float[] scores = new float[batch];
        for (int b = 0; b < batchBuffers.size(); b++) {
            scorer.score(batchBuffers.get(b), Math.min(batch, images - b * batch), scores);
        }
    }

    private static List<float[]> layOut(float[][] preprocessed, int size, int batch) {
        List<float[]> buffers = new ArrayList<>();
        for (int first = 0; first < preprocessed.length; first += batch) {
            float[] buffer = new float[batch * size];
            for (int i = 0; i < batch && first + i < preprocessed.length; i++) {
                System.arraycopy(preprocessed[first + i], 0, buffer, i * size, size);
            }
            buffers.add(buffer);
        }
        return buffers;
    }

    /**
     * Where the pipeline's time goes, per image on one thread: what the model run has to hide. The
     * PixelMed path is what compressed transfer syntaxes still take; native ones take the direct one.
     */
    private static void stageCosts(List<StudyAssembled> events, SavedModelScorer scorer) throws Exception {
        BlobFetcher fetcher = new BlobFetcher(null);
        BlobFetcher.Blob blob = new BlobFetcher.Blob();
        PixelPreprocessor preprocessor = new PixelPreprocessor(scorer.descriptor().preprocessing());
        float[] image = new float[scorer.imageSize()];
        long fetch = 0;
        long direct = 0;
        long parse = 0;
        long prepare = 0;
        int n = 0;
        // Five passes, the last one counted: the first ones warm up the JIT.
        for (int pass = 0; pass < 5; pass++) {
            fetch = 0;
            direct = 0;
            parse = 0;
            prepare = 0;
            n = 0;
            for (StudyAssembled event : events) {
                for (InstanceReceived instance : event.getInstances()) {
                    long t0 = System.nanoTime();
                    fetcher.fetch(instance.getBlobUri(), instance.getSha256(), blob);
                    long t1 = System.nanoTime();
                    preprocessor.preprocess(blob.bytes(), blob.length(), image, 0);
                    long t2 = System.nanoTime();
                    AttributeList list = new AttributeList();
                    try (DicomInputStream in = new DicomInputStream(new ByteArrayInputStream(blob.bytes(), 0,
                            blob.length()))) {
                        list.read(in);
                    }
                    long t3 = System.nanoTime();
                    preprocessor.preprocess(list, image, 0);
                    long t4 = System.nanoTime();
                    fetch += t1 - t0;
                    direct += t2 - t1;
                    parse += t3 - t2;
                    prepare += t4 - t3;
                    n++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "per image on one thread: read+SHA-256 %.3f ms, direct decode+preprocess %.3f ms"
                        + " (the worker's path for native little endian); PixelMed path: parse %.3f ms,"
                        + " decode+preprocess %.3f ms%n", fetch / 1e6 / n, direct / 1e6 / n, parse / 1e6 / n,
                prepare / 1e6 / n);
    }

    private static float[][] preprocessAll(List<StudyAssembled> events, SavedModelScorer scorer)
            throws IOException, DicomException {
        PixelPreprocessor preprocessor = new PixelPreprocessor(scorer.descriptor().preprocessing());
        List<float[]> all = new ArrayList<>();
        for (StudyAssembled event : events) {
            for (InstanceReceived instance : event.getInstances()) {
                AttributeList list = new AttributeList();
                list.read(Path.of(URI.create(instance.getBlobUri())).toFile());
                float[] image = new float[scorer.imageSize()];
                preprocessor.preprocess(list, image, 0);
                all.add(image);
            }
        }
        return all.toArray(new float[0][]);
    }

    private static List<StudyAssembled> writeStudies(Path dir, int count, int rows, int columns) throws IOException {
        List<StudyAssembled> events = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            long seed = 5_000_000_000L + s;
            // One study in four hides a lesion, roughly a triage workload's worst case.
            Lesion lesion = s % 4 == 0 ? Lesion.MASS : Lesion.NONE;
            List<Path> files = PhantomGenerator.writeStudy(dir.resolve("s" + s), seed, rows, columns, lesion,
                    Laterality.L, View.CC);
            String studyUid = PhantomGenerator.StudyIdentity.fromSeed(seed).studyInstanceUid();
            List<InstanceReceived> instances = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                byte[] bytes = Files.readAllBytes(files.get(i));
                instances.add(InstanceReceived.newBuilder()
                        .setStudyInstanceUid(studyUid)
                        .setSeriesInstanceUid(studyUid + "." + (i + 1))
                        .setSopInstanceUid(studyUid + "." + (i + 1) + ".1")
                        .setSopClassUid("1.2.840.10008.5.1.4.1.1.1.2")
                        .setTransferSyntaxUid("1.2.840.10008.1.2.1")
                        .setBlobUri(files.get(i).toUri().toString())
                        .setBlobSizeBytes(bytes.length)
                        .setSha256(BlobFetcher.sha256(bytes))
                        .setReceivedAt(Instant.now())
                        .setSource(IngestSource.OTHER)
                        .build());
            }
            events.add(StudyAssembled.newBuilder()
                    .setStudyInstanceUid(studyUid)
                    .setRevision(1)
                    .setCompletenessReason(CompletenessReason.EXPECTED_VIEWS_COMPLETE)
                    .setInstances(instances)
                    .setAssembledAt(Instant.now())
                    .build());
        }
        return events;
    }
}
