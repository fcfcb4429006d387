package dev.streamclassify.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void returnsTheFirstResultThatDoesNotThrow() {
        AtomicInteger calls = new AtomicInteger();

        String result = Await.until("third call", Duration.ofSeconds(10), remaining -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(calls).hasValue(3);
    }

    @Test
    void timesOutNamingWhatItWaitedForWithTheLastFailureAsCause() {
        assertThatThrownBy(() -> Await.until("the impossible", Duration.ofMillis(200), remaining -> {
            throw new IllegalStateException("still failing");
        }))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("the impossible")
                .hasRootCauseMessage("still failing");
    }
}
