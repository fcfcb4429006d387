package dev.streamclassify.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class SharedKafkaBrokerTest {

    @Test
    void startsOneBrokerPerJvmThatSurvivesClosingTheView() {
        KafkaBroker first = SharedKafkaBroker.get();
        first.close();

        assertThat(SharedKafkaBroker.get()).isSameAs(first);
        assertThat(SharedKafkaBroker.bootstrapServers()).isEqualTo(first.bootstrapServers());
        Topics.create(SharedKafkaBroker.bootstrapServers(), List.of(new NewTopic("shared", 1, (short) 1)));
    }
}
