package io.rtr.standalone.audit;

import io.rtr.inference.model.ModelContractException;
import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Checks that a path is a TensorFlow SavedModel with its descriptor before anything is read or scored with it. */
final class SavedModelDir {

    private SavedModelDir() {
    }

    static Path require(String flag, String value) {
        Path dir;
        try {
            dir = Path.of(value);
        } catch (InvalidPathException e) {
            throw LogFailure.usage(flag + " '" + value + "' is not a valid path: give the folder of a SavedModel");
        }
        if (!Files.isDirectory(dir)) {
            throw LogFailure.usage(flag + " '" + value + "' is not a folder: give the folder of a SavedModel"
                    + " (the one holding saved_model.pb and variables/)");
        }
        if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
            throw LogFailure.usage(flag + " '" + value + "' is not a SavedModel: it has no saved_model.pb;"
                    + " export the model with tf.saved_model.save and give that folder");
        }
        return dir;
    }

    /**
     * Loads the model as the inference worker does: the descriptor beside the folder
     * ({@value ModelDescriptor#FILE_NAME}), then the SavedModel checked against it. Every way this
     * can fail is the user's input, so each is a one-line usage error naming the file and the fix.
     */
    static SavedModelScorer open(String flag, Path dir) {
        Path descriptorFile = ModelDescriptor.fileFor(dir);
        if (!Files.isRegularFile(descriptorFile)) {
            throw LogFailure.usage(flag + " '" + dir + "' has no model descriptor " + descriptorFile
                    + ": put the model's " + ModelDescriptor.FILE_NAME + " (name, version, signature, tensors,"
                    + " preprocessing, threshold) beside the SavedModel folder");
        }
        ModelDescriptor descriptor;
        try {
            descriptor = ModelDescriptor.load(descriptorFile);
        } catch (ModelContractException e) {
            throw LogFailure.usage(flag + " '" + dir + "': " + oneLine(e.getMessage()) + ": fix " + descriptorFile);
        }
        try {
            return SavedModelScorer.open(dir, descriptor);
        } catch (ModelContractException e) {
            throw LogFailure.usage(flag + " '" + dir + "': " + oneLine(e.getMessage()) + ": fix " + descriptorFile
                    + " or give the SavedModel it describes");
        } catch (RuntimeException e) {
            // TensorFlow reports an unreadable graph with its own exception types; to the user they all
            // mean that the folder does not hold a loadable SavedModel.
            throw LogFailure.usage(flag + " '" + dir + "' is not a loadable SavedModel (" + oneLine(String.valueOf(
                    e.getMessage())) + "): export the model again with tf.saved_model.save and give that folder");
        }
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }
}
