package dev.streamclassify.kafka.testkit;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * Starts the broker chosen by the {@value #SETTING} system property (or the {@value #ENV} environment
 * variable): {@code auto} (default), {@code embedded} or {@code container}.
 */
public final class KafkaBrokers {

    /** System property that chooses the broker; it wins over {@link #ENV}. */
    public static final String SETTING = "kafka.broker";

    /** Environment variable that chooses the broker when {@link #SETTING} is not set. */
    public static final String ENV = "KAFKA_BROKER";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokers.class);

    /** Which broker to start. */
    public enum Mode {
        /** A container where Docker is available, otherwise the embedded broker. */
        AUTO,
        /** Always {@link EmbeddedKafkaBroker}. */
        EMBEDDED,
        /** Always {@link ContainerKafkaBroker}; fails without Docker rather than fall back. */
        CONTAINER;

        /**
         * Parses {@code auto}, {@code embedded} or {@code container}, ignoring case and surrounding blanks.
         *
         * @throws IllegalArgumentException naming {@value KafkaBrokers#SETTING} for any other value
         */
        public static Mode parse(String value) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        SETTING + " must be auto, embedded or container, not '" + value + "'", e);
            }
        }
    }

    private KafkaBrokers() {
    }

    /** The mode set by {@value #SETTING} or {@value #ENV}, {@link Mode#AUTO} if neither is set. */
    public static Mode configuredMode() {
        String value = System.getProperty(SETTING);
        if (value == null || value.isBlank()) {
            value = System.getenv(ENV);
        }
        return value == null || value.isBlank() ? Mode.AUTO : Mode.parse(value);
    }

    /** Starts the broker chosen by {@link #configuredMode()}. */
    public static KafkaBroker start() {
        return start(configuredMode());
    }

    /**
     * Starts a broker of the given mode; the caller owns it.
     *
     * @throws IllegalStateException for {@link Mode#CONTAINER} when there is no Docker environment
     */
    public static KafkaBroker start(Mode mode) {
        switch (mode) {
            case EMBEDDED:
                LOG.info("{}=embedded: starting an in-JVM KRaft broker", SETTING);
                return EmbeddedKafkaBroker.start();
            case CONTAINER:
                if (!dockerAvailable()) {
                    throw new IllegalStateException(SETTING + "=container, but no Docker environment is available;"
                            + " start Docker or use " + SETTING + "=embedded or auto");
                }
                LOG.info("{}=container: starting {}", SETTING, ContainerKafkaBroker.DEFAULT_IMAGE);
                return ContainerKafkaBroker.start();
            case AUTO:
                if (dockerAvailable()) {
                    LOG.info("{}=auto: Docker is available, starting {}", SETTING, ContainerKafkaBroker.DEFAULT_IMAGE);
                    return ContainerKafkaBroker.start();
                }
                LOG.info("{}=auto: no Docker environment, starting an in-JVM KRaft broker", SETTING);
                return EmbeddedKafkaBroker.start();
            default:
                throw new AssertionError(mode);
        }
    }

    /** Whether Testcontainers finds a Docker environment; it caches the answer for the JVM. */
    public static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }
}
