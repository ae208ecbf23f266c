package io.rtr.standalone;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShutdownTest {

    @Test
    void closesTheLastStartedFirstAndGoesOnAfterAFailure() {
        List<String> closed = new ArrayList<>();
        Deque<AutoCloseable> running = new ArrayDeque<>();
        running.push(() -> closed.add("postgres"));
        running.push(() -> {
            closed.add("connect");
            throw new IllegalStateException("connect failed to stop");
        });
        running.push(() -> closed.add("http"));
        Exception failure = new IllegalStateException("did not stop cleanly");

        Shutdown.closeAll(running, failure);

        assertThat(closed).containsExactly("http", "connect", "postgres");
        assertThat(running).isEmpty();
        assertThat(failure.getSuppressed()).extracting(Throwable::getMessage).containsExactly("connect failed to stop");
    }

    @Test
    void givesUpWaitingForACloseThatHangsAndNamesIt() {
        CountDownLatch never = new CountDownLatch(1);

        assertThatThrownBy(() -> Shutdown.closeWithin(never::await, Duration.ofMillis(200), "pipeline"))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("pipeline did not stop");
    }

    @Test
    void passesOnTheFailureOfABoundedClose() {
        AutoCloseable failing = () -> {
            throw new IllegalStateException("Connect failed to stop");
        };

        assertThatThrownBy(() -> Shutdown.closeWithin(failing, Duration.ofSeconds(10), "pipeline"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Connect failed to stop");
    }
}
