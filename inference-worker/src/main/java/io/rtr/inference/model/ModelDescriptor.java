package io.rtr.inference.model;

import io.rtr.inference.pixels.PixelPreprocessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What the worker must know about a SavedModel that the SavedModel itself does not say: which
 * signature and tensors to use, the preprocessing the model was trained with, and the decision
 * threshold. Stored as a small properties file next to the model, e.g.
 *
 * <pre>
 * model.name=rtr-reference-cnn
 * model.version=1.0.0
 * signature=serving_default
 * input.name=image
 * input.shape=-1,64,64,1
 * input.dtype=DT_FLOAT
 * output.name=score
 * output.dtype=DT_FLOAT
 * preprocess.normalization=window
 * preprocess.percentile.low=0.5
 * preprocess.percentile.high=99.5
 * preprocess.flip=chest-wall-left
 * threshold=0.5
 * </pre>
 *
 * @param inputShape {@code [-1, height, width, 1]}: any batch size, one grayscale channel
 */
public record ModelDescriptor(String modelName, String modelVersion, String signature, String inputName,
                              long[] inputShape, String inputDtype, String outputName, String outputDtype,
                              PixelPreprocessor.Normalization normalization, double lowPercentile,
                              double highPercentile, PixelPreprocessor.Flip flip, double threshold) {

    /** File name of the descriptor beside a model directory. */
    public static final String FILE_NAME = "rtr-model.properties";

    public ModelDescriptor {
        require(modelName, "model.name");
        require(modelVersion, "model.version");
        require(signature, "signature");
        require(inputName, "input.name");
        require(inputDtype, "input.dtype");
        require(outputName, "output.name");
        require(outputDtype, "output.dtype");
        Objects.requireNonNull(normalization, "preprocess.normalization");
        Objects.requireNonNull(flip, "preprocess.flip");
        if (inputShape == null || inputShape.length != 4 || inputShape[0] != -1 || inputShape[1] < 1
                || inputShape[2] < 1 || inputShape[3] != 1) {
            throw new ModelContractException("input.shape must be -1,height,width,1 (any batch, one channel), got "
                    + (inputShape == null ? "nothing" : Arrays.toString(inputShape)));
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new ModelContractException("threshold must be in 0..1, got " + threshold);
        }
        inputShape = inputShape.clone();
    }

    /** Model input height in pixels. */
    public int height() {
        return (int) inputShape[1];
    }

    /** Model input width in pixels. */
    public int width() {
        return (int) inputShape[2];
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The preprocessing options this model was trained with. */
    public PixelPreprocessor.Options preprocessing() {
        return new PixelPreprocessor.Options(height(), width(), normalization, lowPercentile, highPercentile, flip);
    }

    /** Where the descriptor of the SavedModel folder {@code modelDir} lives: beside the folder. */
    public static Path fileFor(Path modelDir) {
        return modelDir.toAbsolutePath().resolveSibling(FILE_NAME);
    }

    /** Reads a descriptor file; errors name the file and the key. */
    public static ModelDescriptor load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ModelContractException("cannot read model descriptor " + file + ": " + e.getMessage(), e);
        }
        return fromProperties(properties, file.toString());
    }

    /** Reads a descriptor from a stream, e.g. a class-path resource; {@code source} names it in errors. */
    public static ModelDescriptor load(InputStream in, String source) throws IOException {
        Properties properties = new Properties();
        properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        return fromProperties(properties, source);
    }

    /** Parses the keys shown in the class comment. */
    public static ModelDescriptor fromProperties(Properties p, String source) {
        try {
            return new ModelDescriptor(
                    p.getProperty("model.name"),
                    p.getProperty("model.version"),
                    p.getProperty("signature", "serving_default"),
                    p.getProperty("input.name"),
                    parseShape(p.getProperty("input.shape")),
                    p.getProperty("input.dtype", "DT_FLOAT"),
                    p.getProperty("output.name"),
                    p.getProperty("output.dtype", "DT_FLOAT"),
                    parseNormalization(p.getProperty("preprocess.normalization", "window")),
                    Double.parseDouble(p.getProperty("preprocess.percentile.low", "0.5")),
                    Double.parseDouble(p.getProperty("preprocess.percentile.high", "99.5")),
                    parseFlip(p.getProperty("preprocess.flip", "none")),
                    Double.parseDouble(p.getProperty("threshold", "0.5")));
        } catch (ModelContractException | IllegalArgumentException e) {
            throw new ModelContractException("model descriptor " + source + " is invalid: " + e.getMessage(), e);
        }
    }

    /** The descriptor as properties, in the format {@link #fromProperties} reads. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("model.name", modelName);
        p.setProperty("model.version", modelVersion);
        p.setProperty("signature", signature);
        p.setProperty("input.name", inputName);
        p.setProperty("input.shape", Arrays.stream(inputShape).mapToObj(Long::toString).collect(Collectors.joining(",")));
        p.setProperty("input.dtype", inputDtype);
        p.setProperty("output.name", outputName);
        p.setProperty("output.dtype", outputDtype);
        p.setProperty("preprocess.normalization", normalization.name().toLowerCase(Locale.ROOT));
        p.setProperty("preprocess.percentile.low", Double.toString(lowPercentile));
        p.setProperty("preprocess.percentile.high", Double.toString(highPercentile));
        p.setProperty("preprocess.flip", flip.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        p.setProperty("threshold", Double.toString(threshold));
        return p;
    }

    /** Writes the descriptor with a comment line on top. */
    public void store(Path file, String comment) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            toProperties().store(new OutputStreamWriter(out, StandardCharsets.UTF_8), comment);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelDescriptor d && toProperties().equals(d.toProperties());
    }

    @Override
    public int hashCode() {
        return toProperties().hashCode();
    }

    @Override
    public String toString() {
        return "ModelDescriptor" + new TreeMap<>(toProperties());
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new ModelContractException("'" + key + "' is missing");
        }
    }

    private static long[] parseShape(String text) {
        if (text == null || text.isBlank()) {
            throw new ModelContractException("'input.shape' is missing");
        }
        return Arrays.stream(text.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
    }

    private static PixelPreprocessor.Normalization parseNormalization(String text) {
        return PixelPreprocessor.Normalization.valueOf(text.trim().toUpperCase(Locale.ROOT));
    }

    private static PixelPreprocessor.Flip parseFlip(String text) {
        return PixelPreprocessor.Flip.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
