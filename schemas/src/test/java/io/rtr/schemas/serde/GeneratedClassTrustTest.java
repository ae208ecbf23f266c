package io.rtr.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.OrderContext;
import io.rtr.schemas.PriorityClass;
import io.rtr.schemas.Topics;
import org.apache.avro.util.ClassSecurityValidator;
import org.junit.jupiter.api.Test;

class GeneratedClassTrustTest {

    @Test
    void trustsEveryGeneratedClassOfTheTargetPackageButNothingElse() {
        new AvroDeserializer<>(InstanceReceived.class);
        ClassSecurityValidator.ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();

        assertThat(global.isTrusted(InstanceReceived.class)).isTrue();
        assertThat(global.isTrusted(OrderContext.class)).isTrue();
        assertThat(global.isTrusted(PriorityClass.class)).isTrue();
        assertThat(global.isTrusted(Topics.class)).as("hand-written class in the same package").isFalse();
        assertThat(global.isTrusted(ProcessBuilder.class)).isFalse();
    }

    @Test
    void trustIsAddedAgainWhenTheApplicationReplacedTheGlobalPredicate() {
        ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
        try {
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT);

            new AvroDeserializer<>(InstanceReceived.class);

            assertThat(ClassSecurityValidator.getGlobal().isTrusted(InstanceReceived.class)).isTrue();
        } finally {
            ClassSecurityValidator.setGlobal(before);
        }
    }
}
