package io.rtr.inference.reference;

import io.rtr.inference.model.ModelDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The reference model shipped inside this module's jar (synthetic phantoms only, not a medical
 * device), copied out to a folder because TensorFlow loads SavedModels from the file system only.
 */
public final class ReferenceModel {

    /** Class-path folder holding {@code saved_model/} and the descriptor. */
    public static final String RESOURCE_ROOT = "/reference-model/";

    // The exporter's fixed layout; the trainer writes exactly these files.
    private static final List<String> FILES = List.of(
            ModelDescriptor.FILE_NAME,
            "saved_model/saved_model.pb",
            "saved_model/variables/variables.index",
            "saved_model/variables/variables.data-00000-of-00001");

    private ReferenceModel() {
    }

    /**
     * Copies the model into {@code dir} (replacing what is there) and returns the SavedModel folder,
     * ready for {@code SavedModelScorer.open(path)}.
     */
    public static Path extractTo(Path dir) throws IOException {
        for (String name : FILES) {
            Path target = dir.resolve(name);
            Files.createDirectories(target.getParent());
            try (InputStream in = ReferenceModel.class.getResourceAsStream(RESOURCE_ROOT + name)) {
                if (in == null) {
                    throw new IOException("reference model resource " + RESOURCE_ROOT + name
                            + " is missing from the class path; rebuild it with ReferenceModelTrainer");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir.resolve("saved_model");
    }
}
