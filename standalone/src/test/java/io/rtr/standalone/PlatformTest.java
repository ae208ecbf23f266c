package io.rtr.standalone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlatformTest {

    @Test
    void refusesToStartOnAPortInUseBeforeStartingAnything(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            PlatformConfig config = PlatformConfig.forTests(dir).withRegistryPort(taken.getLocalPort());

            assertThatThrownBy(() -> Platform.start(config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Schema registry port " + taken.getLocalPort())
                    .hasMessageContaining("already in use");
        }
        assertThat(dir.resolve("kafka")).doesNotExist();
    }
}
