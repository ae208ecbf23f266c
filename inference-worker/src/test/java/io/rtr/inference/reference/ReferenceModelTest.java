package io.rtr.inference.reference;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.inference.model.ModelDescriptor;
import io.rtr.inference.model.SavedModelScorer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceModelTest {

    @TempDir
    Path dir;

    @Test
    void extractsTheCommittedModelBitForBit() throws Exception {
        Path resources = Path.of(ReferenceModelTest.class.getResource("/reference-model/saved_model/saved_model.pb")
                .toURI()).getParent();
        Path extracted = ReferenceModel.extractTo(dir);
        assertThat(SavedModelScorer.digest(extracted)).isEqualTo(SavedModelScorer.digest(resources));
        assertThat(ModelDescriptor.load(dir.resolve(ModelDescriptor.FILE_NAME)))
                .isEqualTo(ModelDescriptor.load(resources.resolveSibling(ModelDescriptor.FILE_NAME)));
    }
}
