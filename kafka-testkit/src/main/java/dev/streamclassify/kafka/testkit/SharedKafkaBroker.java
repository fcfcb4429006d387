package dev.streamclassify.kafka.testkit;

/**
 * One broker per JVM, started by {@link KafkaBrokers#start()} on first use and closed by a shutdown hook, so
 * every test class of a module shares a broker's start-up cost. Tests sharing it should use their own topic
 * names and consumer groups. Thread-safe.
 */
public final class SharedKafkaBroker {

    private static KafkaBroker broker;
    private static RuntimeException startFailure;

    private SharedKafkaBroker() {
    }

    /** The shared broker's {@code bootstrap.servers}, starting the broker if this is the first call. */
    public static String bootstrapServers() {
        return get().bootstrapServers();
    }

    /**
     * The shared broker, starting it if this is the first call. Closing the returned view does nothing.
     *
     * @throws IllegalStateException if the broker could not start, on this and every later call
     */
    public static synchronized KafkaBroker get() {
        if (startFailure != null) {
            throw new IllegalStateException("The shared Kafka broker failed to start", startFailure);
        }
        if (broker == null) {
            KafkaBroker started;
            try {
                started = KafkaBrokers.start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw new IllegalStateException("The shared Kafka broker failed to start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kafka-testkit-shared-broker-stop"));
            broker = new Unclosable(started);
        }
        return broker;
    }

    private static final class Unclosable implements KafkaBroker {
        private final KafkaBroker delegate;

        Unclosable(KafkaBroker delegate) {
            this.delegate = delegate;
        }

        @Override
        public String bootstrapServers() {
            return delegate.bootstrapServers();
        }

        @Override
        public String kind() {
            return delegate.kind();
        }

        @Override
        public void close() {
            // the shutdown hook owns the broker
        }

        @Override
        public String toString() {
            return "Shared" + delegate;
        }
    }
}
