package dev.streamclassify.kafka.testkit;

import dev.streamclassify.kafka.testkit.internal.FileTrees;
import dev.streamclassify.kafka.testkit.internal.KraftStorage;
import dev.streamclassify.kafka.testkit.internal.LocalPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft broker (combined broker and controller) running in this JVM from the Kafka jars,
 * so tests and the demo need neither Docker nor a Kafka download.
 *
 * <p>It listens on 127.0.0.1 only. {@link #start} returns once the broker answers clients. The instance is
 * thread-safe; {@link #close()} is idempotent.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** A port picked free can be taken before the broker binds it; a fresh pick almost always succeeds. */
    private static final int BIND_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SaslSsl security;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, Path dataDir, boolean ownsDataDir, SaslSsl security) {
        this.security = security;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** Starts a broker on a free port with a temporary data directory that {@link #close()} deletes. */
    public static EmbeddedKafkaBroker start() {
        return start(0, null);
    }

    /**
     * Starts a broker.
     *
     * @param port the client port, or 0 for a free one
     * @param dataDir where the broker keeps its logs, created if missing and kept on close so a later broker
     *     resumes from it; {@code null} for a temporary directory that {@link #close()} deletes
     * @throws org.apache.kafka.common.errors.TimeoutException if the broker does not answer within 60 s
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir) {
        return start(port, dataDir, null);
    }

    /**
     * Starts a broker whose client listener takes only TLS connections authenticated with SASL SCRAM (see
     * {@link SaslSsl}); clients connect with {@link SaslSsl#clientProperties(String)}. Otherwise as
     * {@link #start(int, Path)}; a restart on a kept data directory keeps the users it was formatted with.
     *
     * @param security {@code null} for a plaintext listener
     */
    public static EmbeddedKafkaBroker start(int port, Path dataDir, SaslSsl security) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 (any free port) or 1-65535, not " + port);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(port, dataDir, security);
            } catch (RuntimeException e) {
                if (port != 0 || attempt == BIND_ATTEMPTS || !causedByBindFailure(e)) {
                    throw e;
                }
                LOG.warn("A picked port was taken before the broker bound it; retrying ({})", e.toString());
            }
        }
    }

    private static EmbeddedKafkaBroker startOnce(int requestedPort, Path requestedDataDir, SaslSsl security) {
        long startNanos = System.nanoTime();
        boolean ownsDataDir = requestedDataDir == null;
        Path dataDir = ownsDataDir ? createTempDir() : createDirs(requestedDataDir);
        int port = requestedPort == 0 ? LocalPorts.pickFree() : requestedPort;
        int controllerPort = LocalPorts.pickFree();
        String bootstrapServers = HOST + ":" + port;
        KafkaRaftServer server = null;
        try {
            Properties props = brokerProperties(port, controllerPort, dataDir, security);
            LOG.debug("kafka-storage format: {}", KraftStorage.formatIfNew(props, dataDir,
                    security == null ? new String[0] : security.scramFormatArguments()));
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            awaitClusterAnswers(bootstrapServers, security == null ? Map.of() : security.clientProperties(SaslSsl.BROKER_USER));
            LOG.info("Embedded Kafka broker at {} (data in {}) started in {} ms", bootstrapServers, dataDir,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
            return new EmbeddedKafkaBroker(server, bootstrapServers, dataDir, ownsDataDir, security);
        } catch (RuntimeException e) {
            if (server != null) {
                shutdown(server);
            }
            if (ownsDataDir) {
                FileTrees.deleteRecursively(dataDir);
            }
            throw e;
        }
    }

    private static Properties brokerProperties(int port, int controllerPort, Path dataDir, SaslSsl security) {
        Properties p = new Properties();
        String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
        p.put("listeners", listener + "://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", listener + "://" + HOST + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", listener);
        if (security != null) {
            security.configureBroker(p, listener);
        }
        p.put("log.dirs", dataDir.toAbsolutePath().toString());
        // With one node, the default replication factor of 3 leaves groups and Streams hanging.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // As Testcontainers does: a first group or transaction then waits for 1 partition to load, not 50.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        // Applications create their topics deliberately, with their own partitions and configs.
        p.put("auto.create.topics.enable", "false");
        // The log cleaner's default 128 MB dedupe buffer is heap a test JVM would rather give the model.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        return p;
    }

    private static void awaitClusterAnswers(String bootstrapServers, Map<String, Object> client) {
        Map<String, Object> p = new java.util.HashMap<>(client);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            Await.until("the broker at " + bootstrapServers + " to answer", STARTUP_TIMEOUT, remaining -> {
                if (admin.describeCluster().nodes().get(remaining.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
                    throw new IllegalStateException("no broker registered yet");
                }
                return null;
            });
        }
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("kafka-testkit-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary data directory", e);
        }
    }

    private static Path createDirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the data directory " + dir, e);
        }
    }

    private static void shutdown(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String kind() {
        return EMBEDDED_KRAFT;
    }

    /** How clients must authenticate, if the listener is secured. */
    public java.util.Optional<SaslSsl> security() {
        return java.util.Optional.ofNullable(security);
    }

    /** The client port. */
    public int port() {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }

    /** Where the broker keeps its logs. */
    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the broker down, waits for it, then deletes the data directory if it was temporary. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long startNanos = System.nanoTime();
        try {
            shutdown(server);
        } finally {
            if (ownsDataDir) {
                FileTrees.deleteRecursively(dataDir);
            }
        }
        LOG.info("Embedded Kafka broker at {} stopped in {} ms", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers + "]";
    }
}
