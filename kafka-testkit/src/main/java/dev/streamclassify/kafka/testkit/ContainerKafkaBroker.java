package dev.streamclassify.kafka.testkit;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node KRaft broker in a Docker container (Testcontainers), for machines that have Docker and for
 * checking that nothing depends on the broker sharing the test JVM.
 *
 * <p>Configured like {@link EmbeddedKafkaBroker}: internal topics with one replica, no rebalance delay, no
 * topic auto-creation. The instance is thread-safe; {@link #close()} is idempotent and removes the container.
 */
public final class ContainerKafkaBroker implements KafkaBroker {

    /** The Apache Kafka image used by {@link #start()}. */
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

    private static final Logger LOG = LoggerFactory.getLogger(ContainerKafkaBroker.class);

    private final KafkaContainer container;
    private final String bootstrapServers;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ContainerKafkaBroker(KafkaContainer container) {
        this.container = container;
        this.bootstrapServers = container.getBootstrapServers();
    }

    /** Starts {@value #DEFAULT_IMAGE}. */
    public static ContainerKafkaBroker start() {
        return start(DEFAULT_IMAGE);
    }

    /**
     * Starts the given Apache Kafka image ({@code apache/kafka} or {@code apache/kafka-native}).
     *
     * @throws IllegalStateException if there is no Docker environment or the container does not start
     */
    public static ContainerKafkaBroker start(String image) {
        long startNanos = System.nanoTime();
        // Testcontainers already gives the offsets topic one partition and one replica, and no rebalance delay.
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image))
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
        try {
            container.start();
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        ContainerKafkaBroker broker = new ContainerKafkaBroker(container);
        LOG.info("Kafka container {} at {} started in {} ms", image, broker.bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        return broker;
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String kind() {
        return TESTCONTAINERS;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            container.close();
        }
    }

    @Override
    public String toString() {
        return "ContainerKafkaBroker[" + bootstrapServers + "]";
    }
}
