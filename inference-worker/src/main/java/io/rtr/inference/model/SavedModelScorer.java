package io.rtr.inference.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * A TensorFlow SavedModel checked against its {@link ModelDescriptor} at start-up and scoring
 * batches of preprocessed images ([N, H, W, 1] floats) in one session run each. Thread-safe: TF
 * sessions accept concurrent runs and this class holds no per-call state.
 */
public final class SavedModelScorer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SavedModelScorer.class);

    private final SavedModelBundle bundle;
    private final ModelDescriptor descriptor;
    private final String digest;
    private final String inputTensor;
    private final String outputTensor;
    private final String device;

    private SavedModelScorer(SavedModelBundle bundle, ModelDescriptor descriptor, String digest, String inputTensor,
                             String outputTensor, String device) {
        this.bundle = bundle;
        this.descriptor = descriptor;
        this.digest = digest;
        this.inputTensor = inputTensor;
        this.outputTensor = outputTensor;
        this.device = device;
    }

    /** Opens {@code modelDir} with the descriptor found beside it ({@value ModelDescriptor#FILE_NAME}). */
    public static SavedModelScorer open(Path modelDir) {
        return open(modelDir, ModelDescriptor.load(ModelDescriptor.fileFor(modelDir)));
    }

    /**
     * Loads the SavedModel (tag "serve"), checks it against the descriptor, digests it and runs one
     * traced warm-up batch to learn (and log) the device it runs on.
     *
     * @throws ModelContractException when the model is missing or does not match the descriptor
     */
    public static SavedModelScorer open(Path modelDir, ModelDescriptor descriptor) {
        return open(modelDir, descriptor, ConfigProto.getDefaultInstance());
    }

    /**
     * As {@link #open(Path, ModelDescriptor)}, with a session configuration (device counts, GPU
     * options, thread pools) applied when the session is created; TensorFlow cannot change it later.
     */
    public static SavedModelScorer open(Path modelDir, ModelDescriptor descriptor, ConfigProto sessionConfig) {
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(sessionConfig, "sessionConfig");
        if (!Files.isRegularFile(modelDir.resolve("saved_model.pb"))) {
            throw new ModelContractException("no SavedModel at " + modelDir.toAbsolutePath()
                    + " (saved_model.pb missing); set the model path to a SavedModel directory");
        }
        String digest = digest(modelDir);
        SavedModelBundle bundle = SavedModelBundle.loader(modelDir.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
                .withConfigProto(sessionConfig).load();
        try {
            Signature signature = check(bundle, descriptor, modelDir);
            String input = signature.getInputs().get(descriptor.inputName()).name;
            String output = signature.getOutputs().get(descriptor.outputName()).name;
            String device = warmUp(bundle, descriptor, input, output);
            LOG.info("model {} {} loaded from {} (sha256 {}), signature '{}', input {} {}, runs on {}",
                    descriptor.modelName(), descriptor.modelVersion(), modelDir.toAbsolutePath(), digest,
                    descriptor.signature(), descriptor.inputName(), Arrays.toString(descriptor.inputShape()), device);
            return new SavedModelScorer(bundle, descriptor, digest, input, output, device);
        } catch (RuntimeException e) {
            bundle.close();
            throw e;
        }
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** SHA-256 of the model directory, see {@link #digest(Path)}. */
    public String digest() {
        return digest;
    }

    /** The TensorFlow device the model's ops ran on during warm-up, e.g. {@code /device:CPU:0}. */
    public String device() {
        return device;
    }

    /** Number of floats per image in a batch buffer. */
    public int imageSize() {
        return descriptor.height() * descriptor.width();
    }

    /**
     * Scores the first {@code count} images of {@code batch} (each {@link #imageSize()} floats, row by
     * row) in one session run and writes one probability per image into {@code scores}.
     */
    public void score(float[] batch, int count, float[] scores) {
        int size = imageSize();
        if (count < 1 || (long) count * size > batch.length || scores.length < count) {
            throw new IllegalArgumentException("batch of " + count + " images needs " + (long) count * size
                    + " input floats and " + count + " score slots, got " + batch.length + " and " + scores.length);
        }
        Shape shape = Shape.of(count, descriptor.height(), descriptor.width(), 1);
        try (TFloat32 input = TFloat32.tensorOf(shape, DataBuffers.of(batch, true, false).narrow((long) count * size));
             Result result = bundle.session().runner().feed(inputTensor, input).fetch(outputTensor).run()) {
            TFloat32 output = (TFloat32) result.get(0);
            if (output.shape().size() != count) {
                throw new ModelContractException("model returned " + output.shape() + " for a batch of " + count
                        + "; descriptor output '" + descriptor.outputName() + "' must give one score per image");
            }
            output.asRawTensor().data().asFloats().read(scores, 0, count);
        }
    }

    /** Convenience form of {@link #score(float[], int, float[])} that allocates the result. */
    public float[] score(float[] batch, int count) {
        float[] scores = new float[count];
        score(batch, count, scores);
        return scores;
    }

    @Override
    public void close() {
        bundle.close();
    }

    /**
     * SHA-256 over the directory's regular files in sorted relative-path order ('/' separators); for
     * each file the path in UTF-8, a 0 byte, its length as 8 big-endian bytes, then its content. Stable
     * across machines and copies, and changes when any file is renamed, added or edited.
     */
    public static String digest(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            TreeSet<String> paths = walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (String relative : paths) {
                Path file = dir.resolve(relative);
                sha.update(relative.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(ByteBuffer.allocate(8).putLong(Files.size(file)).array());
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
                    while (in.read(buffer) >= 0) {
                        // DigestInputStream feeds the digest as we read.
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot digest model directory " + dir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static Signature check(SavedModelBundle bundle, ModelDescriptor d, Path modelDir) {
        Signature signature = null;
        List<String> names = new ArrayList<>();
        for (Signature s : bundle.signatures()) {
            names.add(s.key());
            if (s.key().equals(d.signature())) {
                signature = s;
            }
        }
        String where = "model " + modelDir.toAbsolutePath() + " does not match its descriptor: ";
        if (signature == null) {
            throw new ModelContractException(where + "the model has signatures " + names
                    + ", the descriptor expects signature '" + d.signature() + "'");
        }
        Map<String, Signature.TensorDescription> inputs = signature.getInputs();
        Map<String, Signature.TensorDescription> outputs = signature.getOutputs();
        String has = "the model's signature '" + d.signature() + "' has inputs " + describe(inputs)
                + " and outputs " + describe(outputs);
        Signature.TensorDescription in = inputs.get(d.inputName());
        if (in == null) {
            throw new ModelContractException(where + has + ", the descriptor expects input '" + d.inputName() + "'");
        }
        if (!in.dataType.name().equals(d.inputDtype()) || !shapeAccepts(in.shape, d.inputShape())) {
            throw new ModelContractException(where + has + ", the descriptor expects input '" + d.inputName()
                    + "' " + d.inputDtype() + " " + Arrays.toString(d.inputShape()));
        }
        Signature.TensorDescription out = outputs.get(d.outputName());
        if (out == null) {
            throw new ModelContractException(where + has + ", the descriptor expects output '" + d.outputName() + "'");
        }
        boolean oneScorePerImage = out.shape.isUnknown() || out.shape.numDimensions() == 1
                || (out.shape.numDimensions() == 2 && out.shape.get(1) == 1);
        if (!out.dataType.name().equals(d.outputDtype()) || !oneScorePerImage) {
            throw new ModelContractException(where + has + ", the descriptor expects output '" + d.outputName()
                    + "' " + d.outputDtype() + " [-1] or [-1, 1] (one score per image)");
        }
        return signature;
    }

    /** A model dimension of -1 accepts anything; a fixed batch size does not, because batches vary. */
    private static boolean shapeAccepts(Shape model, long[] expected) {
        if (model.isUnknown()) {
            return true;
        }
        if (model.numDimensions() != expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (model.get(i) != -1 && model.get(i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Map<String, Signature.TensorDescription> tensors) {
        return tensors.entrySet().stream()
                .map(e -> "'" + e.getKey() + "' " + e.getValue().dataType.name() + " " + e.getValue().shape)
                .sorted()
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** One traced run of a blank image: proves the graph runs and tells which device it used. */
    private static String warmUp(SavedModelBundle bundle, ModelDescriptor d, String input, String output) {
        RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
        try (TFloat32 blank = TFloat32.tensorOf(Shape.of(1, d.height(), d.width(), 1));
             Result result = bundle.session().runner().feed(input, blank).fetch(output).setOptions(trace)
                     .runAndFetchMetadata()) {
            RunMetadata metadata = result.getMetadata().orElse(null);
            if (metadata == null || metadata.getStepStats().getDevStatsCount() == 0) {
                return "unknown device";
            }
            return metadata.getStepStats().getDevStatsList().stream()
                    .map(s -> s.getDevice().replaceFirst("^/job:[^/]*/replica:\\d+/task:\\d+", ""))
                    .distinct()
                    .collect(Collectors.joining(", "));
        }
    }
}
