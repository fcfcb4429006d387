package dev.streamclassify.kafka.testkit;

/**
 * A running single-node Kafka broker that clients reach at {@link #bootstrapServers()}.
 *
 * <p>Both implementations behave alike for clients: replication factors of 1 for the internal topics, no
 * group rebalance delay, and no topic auto-creation, so code under test must create its topics (see
 * {@link Topics}). The owner closes it; {@link #close()} is idempotent and stops the broker.
 */
public interface KafkaBroker extends AutoCloseable {

    /** {@link #kind()} of a broker running in this JVM from the Kafka jars. */
    String EMBEDDED_KRAFT = "embedded-kraft";

    /** {@link #kind()} of a broker running in a Docker container. */
    String TESTCONTAINERS = "testcontainers";

    /** {@code host:port} for the {@code bootstrap.servers} client setting. */
    String bootstrapServers();

    /** {@value #EMBEDDED_KRAFT} or {@value #TESTCONTAINERS}. */
    String kind();

    /** Stops the broker and releases its storage unless it was given a data directory to keep. */
    @Override
    void close();
}
