package dev.streamclassify.kafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamclassify.kafka.testkit.internal.LocalPorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerLifecycleTest {

    @Test
    void startsOnTheRequestedFixedPort() {
        int port = LocalPorts.pickFree();

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(port, null)) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            Topics.create(broker.bootstrapServers(), List.of(new NewTopic("fixed-port", 1, (short) 1)));
        }
    }

    @Test
    void deletesItsTemporaryDataDirectoryOnClose() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        Path dataDir = broker.dataDir();
        assertThat(dataDir.resolve("meta.properties")).exists();

        broker.close();
        broker.close();

        assertThat(dataDir).doesNotExist();
    }

    @Test
    void resumesTopicsAndRecordsFromAKeptDataDirectory(@TempDir Path dataDir) throws Exception {
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(0, dataDir)) {
            Topics.create(first.bootstrapServers(), List.of(new NewTopic("kept", 1, (short) 1)));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, first.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "k", "before restart")).get();
            }
        }
        assertThat(dataDir.resolve("meta.properties")).exists();

        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(0, dataDir);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, second.bootstrapServers()));
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, second.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG, "resume",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                        new StringDeserializer(), new StringDeserializer())) {
            assertThat(admin.listTopics().names().get()).contains("kept");
            consumer.subscribe(Set.of("kept"));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            assertThat(values).containsExactly("before restart");
        }
    }

    @Test
    void failsNamingThePortWhenTheFixedPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> EmbeddedKafkaBroker.start(taken.getLocalPort(), null))
                    .hasStackTraceContaining(String.valueOf(taken.getLocalPort()));
        }
    }

    @Test
    void rejectsAPortOutOfRange() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.start(70_000, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("70000");
    }
}
