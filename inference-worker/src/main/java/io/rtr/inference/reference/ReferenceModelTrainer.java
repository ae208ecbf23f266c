package io.rtr.inference.reference;

import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import io.rtr.inference.phantom.PhantomGenerator;
import io.rtr.inference.phantom.PhantomGenerator.Laterality;
import io.rtr.inference.phantom.PhantomGenerator.Lesion;
import io.rtr.inference.phantom.PhantomGenerator.Phantom;
import io.rtr.inference.phantom.PhantomGenerator.View;
import io.rtr.inference.pixels.PixelPreprocessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.MaxPool;
import org.tensorflow.types.TFloat32;

/**
 * Trains the reference model on synthetic phantoms and exports it as a SavedModel plus descriptor.
 *
 * <p>A small CNN (two conv 3x3 + ReLU + max-pool blocks, one more conv 3x3 + ReLU, global max and
 * mean pooling, one dense unit, sigmoid) is built in graph mode with TensorFlow Java's {@code Ops}; gradients come from
 * {@code tf.gradients} and Adam is applied with {@code tf.train.applyAdam}, so no
 * tensorflow-framework is needed. Training and held-out images are rendered by
 * {@link PhantomGenerator} at 128x104 and go through the same {@link PixelPreprocessor} the worker
 * uses, so training and serving see identical inputs. It prints the loss per epoch and the AUC on a
 * held-out synthetic set.
 *
 * <p>The model is for synthetic data only; it is not a medical device.
 *
 * <p>Rebuild the committed model (about 4-5 minutes on 2 shared CPU cores), from the repository root:
 * <pre>
 * mvn -q -o -pl inference-worker -am install -DskipTests
 * mvn -q -o -pl inference-worker exec:java \
 *     -Dexec.mainClass=io.rtr.inference.reference.ReferenceModelTrainer \
 *     -Dexec.args="inference-worker/src/main/resources/reference-model"
 * </pre>
 * Optional further arguments: training images (default 6000), epochs (default 30), seed (default 1).
 */
public final class ReferenceModelTrainer {

    /** Model input edge in pixels. */
    static final int SIZE = 64;
    /** Phantoms are rendered at this size: the 1024x832 aspect ratio, small enough to be quick. */
    static final int RENDER_ROWS = 128;
    static final int RENDER_COLUMNS = 104;
    /** Held-out images start at this seed; training seeds stay far below it. */
    public static final long HELD_OUT_SEED = 1_000_000_000L;

    /** Validation images (for the decision threshold) start here; never used for training or AUC. */
    static final long VALIDATION_SEED = 500_000_000L;

    /** Filters of the three conv layers of the reference network. */
    private static final int[] CHANNELS = {12, 24, 32};
    private static final int BATCH = 32;
    private static final int HELD_OUT = 400;
    private static final int VALIDATION = 400;
    private static final float LEARNING_RATE = 0.003f;
    /** Share of epochs after which the learning rate drops tenfold, to settle into a minimum. */
    private static final double DECAY_AT = 0.7;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;

    private ReferenceModelTrainer() {
    }

    /** Arguments: output folder, [training images], [epochs], [seed]. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ReferenceModelTrainer OUTPUT_DIR [TRAIN_IMAGES] [EPOCHS] [SEED]");
            System.exit(2);
        }
        Path out = Paths.get(args[0]);
        int trainImages = args.length > 1 ? Integer.parseInt(args[1]) : 6000;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        train(out, trainImages, epochs, seed);
    }

    /** The descriptor the trainer writes; the worker reads the same from the exported folder. */
    public static ModelDescriptor descriptor(double threshold) {
        return descriptor("rtr-reference-cnn", "1.0.0", SIZE, SIZE, threshold);
    }

    /** A descriptor of the reference network's contract (tensors, preprocessing) at another name and size. */
    private static ModelDescriptor descriptor(String name, String version, int height, int width, double threshold) {
        return new ModelDescriptor(name, version, "serving_default", "image",
                new long[] {-1, height, width, 1}, "DT_FLOAT", "score", "DT_FLOAT",
                PixelPreprocessor.Normalization.WINDOW, 0.5, 99.5, PixelPreprocessor.Flip.CHEST_WALL_LEFT, threshold);
    }

    /** Replaces {@code savedModel} with the session's graph and variables, serving {@code image -> score}. */
    private static void export(Path savedModel, Session session, Operand<TFloat32> image, Operand<TFloat32> score)
            throws IOException {
        deleteRecursively(savedModel);
        Files.createDirectories(savedModel.getParent());
        Signature signature = Signature.builder().key("serving_default").input("image", image)
                .output("score", score).build();
        SavedModelBundle.exporter(savedModel.toString()).withSession(session).withSignature(signature).export();
    }

    /**
     * Exports the reference network's graph, built by the same code, at another input size and with
     * {@code widen} times its filters, with seeded random weights and no training, plus a descriptor
     * naming it a timing model. It exists so that benchmarks can run a model whose compute is sized
     * like a production screening model's; its scores mean nothing and it must never score studies.
     *
     * @return the number of floating-point operations (multiply and add counted apart) per image of
     *         its convolutions, which are nearly all of its compute
     */
    public static long exportTimingModel(Path out, int height, int width, int widen, long seed) throws IOException {
        int[] channels = Arrays.stream(CHANNELS).map(c -> c * widen).toArray();
        Path savedModel = out.resolve("saved_model");
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class,
                    Placeholder.shape(Shape.of(-1, height, width, 1)));
            Operand<TFloat32> score = tf.withName("score").math.sigmoid(
                    Network.logits(tf, image, new SplittableRandom(seed), new ArrayList<>(), channels));
            session.initialize();
            export(savedModel, session, image, score);
        }
        descriptor("rtr-timing-model-not-a-classifier", "random-weights-seed-" + seed, height, width, 0.5)
                .store(out.resolve(ModelDescriptor.FILE_NAME), "TIMING MODEL for benchmarks: the reference network"
                        + " widened " + widen + "x at " + height + "x" + width + ", random weights, never trained;"
                        + " its scores mean nothing");
        long pixels = (long) height * width;
        long quarter = (long) (height / 2) * (width / 2);
        long sixteenth = (long) (height / 4) * (width / 4);
        return 2 * 9 * (pixels * channels[0] + quarter * channels[0] * channels[1]
                + sixteenth * channels[1] * channels[2]);
    }

    /**
     * One labelled example: which phantom to render for a seed. Half are clean; lesions alternate
     * between masses and calcification clusters; view and side vary.
     */
    static Phantom example(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
        int kind = r.nextInt(4);
        Lesion lesion = kind < 2 ? Lesion.NONE : (kind == 2 ? Lesion.MASS : Lesion.CALCIFICATIONS);
        Laterality side = r.nextBoolean() ? Laterality.L : Laterality.R;
        View view = r.nextBoolean() ? View.CC : View.MLO;
        return PhantomGenerator.render(RENDER_ROWS, RENDER_COLUMNS, side, view, lesion, seed);
    }

    /** The phantom as the preprocessor sees a decoded MG object written by the generator. */
    static PixelPreprocessor.Image asImage(Phantom p) {
        int[] stored = new int[p.pixels().length];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = p.pixels()[i] & 0xFFFF;
        }
        return new PixelPreprocessor.Image(p.rows(), p.columns(), stored, false, 1.0, 0.0,
                PhantomGenerator.WINDOW_CENTER, PhantomGenerator.WINDOW_WIDTH, p.laterality().name());
    }

    static void train(Path out, int trainImages, int epochs, long seed) throws IOException {
        long started = System.nanoTime();
        System.out.printf(Locale.ROOT, "TensorFlow %s; rendering %d training and %d held-out phantoms%n",
                TensorFlow.version(), trainImages, HELD_OUT);
        PixelPreprocessor preprocessor = new PixelPreprocessor(descriptor(0.5).preprocessing());
        int size = SIZE * SIZE;
        float[] trainX = new float[trainImages * size];
        float[] trainY = new float[trainImages];
        for (int i = 0; i < trainImages; i++) {
            Phantom p = example(seed * 10_000_000L + i);
            preprocessor.preprocess(asImage(p), trainX, i * size);
            trainY[i] = p.lesion() == Lesion.NONE ? 0f : 1f;
        }
        float[] heldX = new float[HELD_OUT * size];
        float[] heldY = new float[HELD_OUT];
        Lesion[] heldLesion = new Lesion[HELD_OUT];
        for (int i = 0; i < HELD_OUT; i++) {
            Phantom p = example(HELD_OUT_SEED + i);
            preprocessor.preprocess(asImage(p), heldX, i * size);
            heldY[i] = p.lesion() == Lesion.NONE ? 0f : 1f;
            heldLesion[i] = p.lesion();
        }
        float[] validationX = new float[VALIDATION * size];
        float[] validationY = new float[VALIDATION];
        for (int i = 0; i < VALIDATION; i++) {
            Phantom p = example(VALIDATION_SEED + i);
            preprocessor.preprocess(asImage(p), validationX, i * size);
            validationY[i] = p.lesion() == Lesion.NONE ? 0f : 1f;
        }
        System.out.printf(Locale.ROOT, "phantoms ready in %.1f s%n", (System.nanoTime() - started) / 1e9);

        Path savedModel = out.resolve("saved_model");
        try (Graph graph = new Graph(); Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Network net = new Network(tf, new SplittableRandom(seed));
            session.initialize();

            SplittableRandom shuffle = new SplittableRandom(seed + 1);
            int[] order = new int[trainImages];
            Arrays.setAll(order, i -> i);
            float[] batchX = new float[BATCH * size];
            float[] batchY = new float[BATCH];
            int step = 0;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                shuffle(order, shuffle);
                double lossSum = 0;
                int batches = 0;
                for (int start = 0; start + BATCH <= trainImages; start += BATCH) {
                    for (int b = 0; b < BATCH; b++) {
                        int i = order[start + b];
                        System.arraycopy(trainX, i * size, batchX, b * size, size);
                        batchY[b] = trainY[i];
                    }
                    step++;
                    float rate = epoch > Math.ceil(epochs * DECAY_AT) ? LEARNING_RATE / 10 : LEARNING_RATE;
                    lossSum += net.step(session, batchX, batchY, step, rate);
                    batches++;
                }
                float[] heldScores = net.predict(session, heldX, HELD_OUT);
                System.out.printf(Locale.ROOT, "epoch %2d  loss %.4f  held-out AUC %.4f  (%.0f s)%n", epoch,
                        lossSum / batches, auc(heldScores, heldY), (System.nanoTime() - started) / 1e9);
            }
            double threshold = youdenThreshold(net.predict(session, validationX, VALIDATION), validationY);
            System.out.printf(Locale.ROOT, "decision threshold %.3f (Youden's J on %d validation images)%n",
                    threshold, VALIDATION);
            float[] heldScores = net.predict(session, heldX, HELD_OUT);
            double auc = auc(heldScores, heldY);
            int[] total = new int[Lesion.values().length];
            int[] correct = new int[Lesion.values().length];
            for (int i = 0; i < HELD_OUT; i++) {
                boolean positive = heldY[i] > 0.5f;
                total[heldLesion[i].ordinal()]++;
                if (positive == (heldScores[i] >= threshold)) {
                    correct[heldLesion[i].ordinal()]++;
                }
            }
            int positives = total[Lesion.MASS.ordinal()] + total[Lesion.CALCIFICATIONS.ordinal()];
            System.out.printf(Locale.ROOT, "held-out: %d images, AUC %.4f; at threshold %.3f specificity %.3f,"
                            + " sensitivity %.3f (masses %d/%d, calcifications %d/%d)%n",
                    HELD_OUT, auc, threshold, correct[0] / (double) total[0],
                    (correct[1] + correct[2]) / (double) positives, correct[1], total[1], correct[2], total[2]);

            export(savedModel, session, net.image, net.score);
            descriptor(threshold).store(out.resolve(ModelDescriptor.FILE_NAME), String.format(Locale.ROOT,
                    "RTR reference model for synthetic phantoms (not a medical device); held-out AUC %.4f on %d images,"
                            + " trained on %d images x %d epochs, seed %d", auc, HELD_OUT, trainImages, epochs, seed));
        }
        System.out.printf(Locale.ROOT, "exported %s (sha256 %s) in %.1f s total%n", savedModel,
                SavedModelScorer.digest(savedModel), (System.nanoTime() - started) / 1e9);
    }

    /**
     * The threshold maximising sensitivity + specificity, halfway between the two scores it separates,
     * rounded to three decimals so that the descriptor stays readable.
     */
    static double youdenThreshold(float[] scores, float[] labels) {
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        double best = -1;
        double threshold = 0.5;
        long positives = 0;
        for (float label : labels) {
            positives += label > 0.5f ? 1 : 0;
        }
        long negatives = labels.length - positives;
        for (int k = 1; k < sorted.length; k++) {
            if (sorted[k] == sorted[k - 1]) {
                continue;
            }
            double t = (sorted[k] + sorted[k - 1]) / 2.0;
            long tp = 0;
            long tn = 0;
            for (int i = 0; i < scores.length; i++) {
                boolean positive = labels[i] > 0.5f;
                if (positive && scores[i] >= t) {
                    tp++;
                } else if (!positive && scores[i] < t) {
                    tn++;
                }
            }
            double j = tp / (double) positives + tn / (double) negatives;
            if (j > best) {
                best = j;
                threshold = t;
            }
        }
        return Math.round(threshold * 1000) / 1000.0;
    }

    /** Area under the ROC curve as the Mann-Whitney U statistic; ties count half. */
    static double auc(float[] scores, float[] labels) {
        Integer[] idx = new Integer[scores.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, Comparator.comparingDouble(i -> scores[i]));
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[idx[k]] > 0.5f) {
                    rankSumPositive += rank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = scores.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / (positives * (double) negatives);
    }

    private static void shuffle(int[] a, SplittableRandom r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The graph: forward pass, loss, gradients and one Adam update op per variable. */
    private static final class Network {
        final Placeholder<TFloat32> image;
        final Operand<TFloat32> score;
        private final Placeholder<TFloat32> label;
        private final Placeholder<TFloat32> beta1Power;
        private final Placeholder<TFloat32> beta2Power;
        private final Placeholder<TFloat32> learningRate;
        private final Operand<TFloat32> loss;
        private final List<Op> updates = new ArrayList<>();

        Network(Ops tf, SplittableRandom init) {
            image = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, SIZE, SIZE, 1)));
            label = tf.withName("label").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
            beta1Power = tf.withName("beta1_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            beta2Power = tf.withName("beta2_power").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
            learningRate = tf.withName("learning_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));

            List<Variable<TFloat32>> weights = new ArrayList<>();
            Operand<TFloat32> logits = logits(tf, image, init, weights, CHANNELS);
            score = tf.withName("score").math.sigmoid(logits);

            // Numerically stable sigmoid cross-entropy: max(z, 0) - z*y + log(1 + exp(-|z|)).
            Operand<TFloat32> perImage = tf.math.add(
                    tf.math.sub(tf.math.maximum(logits, tf.zerosLike(logits)), tf.math.mul(logits, label)),
                    tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(logits)))));
            loss = tf.withName("loss").math.mean(perImage, tf.constant(new int[] {0, 1}));

            Gradients gradients = tf.gradients(loss, weights);
            for (int i = 0; i < weights.size(); i++) {
                Variable<TFloat32> w = weights.get(i);
                Operand<TFloat32> zeros = tf.zerosLike(w);
                Variable<TFloat32> m = tf.variable(zeros);
                Variable<TFloat32> v = tf.variable(tf.zerosLike(w));
                updates.add(tf.train.applyAdam(w, m, v, beta1Power, beta2Power, learningRate,
                        tf.constant(BETA1), tf.constant(BETA2), tf.constant(1e-7f), gradients.<TFloat32>dy(i)));
            }
        }

        /**
         * The forward pass up to the logit: conv blocks of {@code channels[0]} and {@code channels[1]}
         * filters, a third conv of {@code channels[2]}, global max and mean pooling, one dense unit.
         */
        static Operand<TFloat32> logits(Ops tf, Operand<TFloat32> image, SplittableRandom init,
                                        List<Variable<TFloat32>> weights, int[] channels) {
            Variable<TFloat32> w1 = weight(tf, "conv1_kernel", init, weights, 3, 3, 1, channels[0]);
            Variable<TFloat32> b1 = weight(tf, "conv1_bias", null, weights, channels[0]);
            Variable<TFloat32> w2 = weight(tf, "conv2_kernel", init, weights, 3, 3, channels[0], channels[1]);
            Variable<TFloat32> b2 = weight(tf, "conv2_bias", null, weights, channels[1]);
            Variable<TFloat32> w3 = weight(tf, "conv3_kernel", init, weights, 3, 3, channels[1], channels[2]);
            Variable<TFloat32> b3 = weight(tf, "conv3_bias", null, weights, channels[2]);
            Variable<TFloat32> wd = weight(tf, "dense_kernel", init, weights, 2L * channels[2], 1);
            Variable<TFloat32> bd = weight(tf, "dense_bias", null, weights, 1);

            Operand<TFloat32> h = block(tf, image, w1, b1);
            h = block(tf, h, w2, b2);
            // One more conv without pooling widens the view to tell a mass from a patch of dense tissue.
            h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, w3, List.of(1L, 1L, 1L, 1L), "SAME"), b3));
            // Global max finds "a lesion anywhere"; the mean gives the max a background to compare with.
            Operand<TFloat32> pooled = tf.concat(List.of(
                    tf.reduceMax(h, tf.constant(new int[] {1, 2})),
                    tf.math.mean(h, tf.constant(new int[] {1, 2}))), tf.constant(1));
            return tf.nn.biasAdd(tf.linalg.matMul(pooled, wd), bd);
        }

        private static Operand<TFloat32> block(Ops tf, Operand<TFloat32> in, Variable<TFloat32> kernel,
                                               Variable<TFloat32> bias) {
            Operand<TFloat32> conv = tf.nn.conv2d(in, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
            Operand<TFloat32> relu = tf.nn.relu(tf.nn.biasAdd(conv, bias));
            return tf.nn.maxPool(relu, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}),
                    "VALID", MaxPool.dataFormat("NHWC"));
        }

        /** He-initialised from a seeded Java RNG (or zeros when {@code init} is null), for reproducibility. */
        private static Variable<TFloat32> weight(Ops tf, String name, SplittableRandom init,
                                                 List<Variable<TFloat32>> all, long... shape) {
            Shape s = Shape.of(shape);
            float[] values = new float[(int) s.size()];
            if (init != null) {
                long fanIn = 1;
                for (int i = 0; i < shape.length - 1; i++) {
                    fanIn *= shape[i];
                }
                double std = Math.sqrt(2.0 / fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (init.nextGaussian() * std);
                }
            }
            Variable<TFloat32> v = tf.withName(name).variable(tf.constant(s, DataBuffers.of(values, true, false)));
            all.add(v);
            return v;
        }

        double step(Session session, float[] x, float[] y, int step, float rate) {
            try (TFloat32 xs = TFloat32.tensorOf(Shape.of(y.length, SIZE, SIZE, 1), DataBuffers.of(x, true, false));
                 TFloat32 ys = TFloat32.tensorOf(Shape.of(y.length, 1), DataBuffers.of(y, true, false));
                 TFloat32 p1 = TFloat32.scalarOf((float) Math.pow(BETA1, step));
                 TFloat32 p2 = TFloat32.scalarOf((float) Math.pow(BETA2, step));
                 TFloat32 lr = TFloat32.scalarOf(rate)) {
                Session.Runner runner = session.runner().feed(image, xs).feed(label, ys)
                        .feed(beta1Power, p1).feed(beta2Power, p2).feed(learningRate, lr).fetch(loss);
                updates.forEach(runner::addTarget);
                try (Result result = runner.run()) {
                    return ((TFloat32) result.get(0)).getFloat();
                }
            }
        }

        float[] predict(Session session, float[] x, int count) {
            float[] scores = new float[count];
            int size = SIZE * SIZE;
            for (int start = 0; start < count; start += 100) {
                int n = Math.min(100, count - start);
                float[] slice = Arrays.copyOfRange(x, start * size, (start + n) * size);
                try (TFloat32 xs = TFloat32.tensorOf(Shape.of(n, SIZE, SIZE, 1), DataBuffers.of(slice, true, false));
                     Result result = session.runner().feed(image, xs).fetch(score).run()) {
                    ((TFloat32) result.get(0)).asRawTensor().data().asFloats().read(scores, start, n);
                }
            }
            return scores;
        }
    }
}
