package io.rtr.standalone.audit;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Checks that a path is a TensorFlow SavedModel before anything is read or scored with it. */
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
}
