package dev.streamclassify.streams;

import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.service.BrokerConnectivity;
import dev.streamclassify.service.HttpEndpoints;
import dev.streamclassify.model.backbone.NativeBuild;
import dev.streamclassify.service.JavaCppMetrics;
import dev.streamclassify.service.Probe;
import dev.streamclassify.service.StartupRetry;
import dev.streamclassify.streams.batching.BatchSettings;
import dev.streamclassify.streams.batching.MicroBatcher;
import dev.streamclassify.streams.inference.InferenceLanes;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.config.internal.BoundedRocksDbMemory;
import dev.streamclassify.streams.features.ImageFeatureCache;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import dev.streamclassify.streams.metrics.Nd4jMemoryMetrics;
import dev.streamclassify.streams.models.ActiveModel;
import dev.streamclassify.streams.models.ModelHolder;
import dev.streamclassify.streams.models.ModelWatcher;
import dev.streamclassify.streams.models.RolloutHolder;
import dev.streamclassify.streams.quality.QualityMetrics;
import dev.streamclassify.streams.quality.QualitySettings;
import dev.streamclassify.streams.quality.QualityTopology;
import dev.streamclassify.streams.quality.promotion.PromotionTopology;
import dev.streamclassify.streams.topology.ClassifyTopics;
import dev.streamclassify.streams.topology.ClassifyTopology;
import dev.streamclassify.streams.topology.ErrorHandling;
import dev.streamclassify.streams.topology.TopicSetup;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The classification service: Kafka Streams topology, model watcher, metrics and HTTP endpoints, started and
 * stopped together. The backbone is injected and stays with its owner ({@link #main} loads and closes the configured
 * one). {@link #start()} and {@link #close()} may be called from any thread; close is idempotent.
 */
public final class StreamsApp implements AutoCloseable {

    /** How long a graceful stop may take before Kafka Streams gives up on committing. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    static final Duration TOPIC_SETUP_TIMEOUT = Duration.ofSeconds(10);
    /** How often readiness asks the broker, and how long a start-up step waits before it tries again. */
    static final Duration BROKER_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** Gauge of the RocksDB budget in use (setting rocksdb.memory.max.bytes); absent when that is 0. */
    public static final String ROCKSDB_MEMORY = "classify.rocksdb.memory";

    private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
    private static final Set<KafkaStreams.State> DEAD = Set.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR,
            KafkaStreams.State.NOT_RUNNING);

    private final StreamsAppConfig config;
    private final ClassifyTopics topics;
    private final PrometheusMeterRegistry registry;
    private final ClassifyMetrics metrics;
    private final ModelHolder models;
    private final RolloutHolder rollouts;
    private final ModelWatcher watcher;
    private final InferenceLanes lanes;
    private final Topology topology;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final JvmGcMetrics gcMetrics;
    private final CountDownLatch failed = new CountDownLatch(1);
    private final CountDownLatch closing = new CountDownLatch(1);
    private final BrokerConnectivity broker;
    private volatile HttpEndpoints http;
    private boolean started;
    private boolean closed;
    private volatile boolean stopping;

    public StreamsApp(StreamsAppConfig config, Backbone backbone) {
        this(config, backbone, Clock.systemUTC());
    }

    public StreamsApp(StreamsAppConfig config, Backbone backbone, Clock clock) {
        this.config = config;
        this.topics = ClassifyTopics.from(config);
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("application", config.applicationId());
        this.metrics = new ClassifyMetrics(registry);
        NativeBuild build = NativeBuild.current();
        LOG.info("nd4j native build {} (oneDNN: {}); backbone {} runs on {} ({})", build.classifier(), build.oneDnn(),
                backbone.info().name(), backbone.inference().path(), backbone.inference().detail());
        metrics.runtime(build.classifier(), build.oneDnn(), backbone.inference().path());
        this.models = new ModelHolder(clock);
        this.broker = new BrokerConnectivity(config.adminProperties(), BROKER_CHECK_INTERVAL, clock);
        this.rollouts = new RolloutHolder(clock);
        this.lanes = config.inferenceLanes() == 0 ? InferenceLanes.inline() : InferenceLanes.start(config.inferenceLanes());
        this.watcher = new ModelWatcher(new ModelWatcher.Settings(config.modelsTopic(), config.modelName(), config.batchMaxSize(),
                config.modelTrust(System.getenv())), config.consumerProperties(), backbone, models, rollouts, metrics, lanes);

        Map<String, Object> props = config.streamsProperties();
        ErrorHandling.configure(props, topics.deadLetters().name(), metrics);
        StreamsConfig streamsConfig = new StreamsConfig(props);
        var quality = new ClassifyTopology.Quality(QualitySettings.from(config), new QualityMetrics(registry), clock,
                QualityTopology.Forwarding.from(config), PromotionTopology.setup(config, models, rollouts, registry, clock));
        var featureCache = new ImageFeatureCache(config.featureCacheMaxEntries(), config.featureCacheMaxBytes(), registry);
        this.topology = ClassifyTopology.build(topics, new MicroBatcher(BatchSettings.from(config), models, rollouts, metrics, clock, featureCache, lanes),
                Optional.of(quality), streamsConfig);
        this.streams = new KafkaStreams(topology, streamsConfig);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("Stream thread died; shutting the client down so that /health turns 503", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR) {
                failed.countDown();
            }
        });

        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        this.gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new JavaCppMetrics().bindTo(registry);
        new Nd4jMemoryMetrics().bindTo(registry);
        if (config.rocksDbMemoryMaxBytes() > 0) {
            long budget = config.rocksDbMemoryMaxBytes();
            Gauge.builder(ROCKSDB_MEMORY, () -> BoundedRocksDbMemory.usage(budget).orElse(0)).baseUnit("bytes")
                    .description("Native memory of the RocksDB stores' shared budget in use: blocks, index and filters, memtables")
                    .register(registry);
        }
    }

    /** Serves HTTP, creates missing topics (if configured), then starts the model watcher and the stream threads. */
    public StreamsApp start() {
        synchronized (this) {
            if (closed || started) {
                throw new IllegalStateException(closed ? "closed" : "already started");
            }
            started = true;
            LOG.info("Starting with {}", config.describe());
            http = HttpEndpoints.start(config.http(), registry::scrape, this::health, this::readiness);
            broker.start();
        }
        // outside the lock: while the broker is unreachable this waits (and says so), and close() may still end it
        if (config.createTopics()) {
            try {
                if (!StartupRetry.until("create topics", config.bootstrapServers(), BROKER_CHECK_INTERVAL, closing,
                        () -> TopicSetup.createMissing(config.adminProperties(), TopicSetup.required(config), TOPIC_SETUP_TIMEOUT))) {
                    return this;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return this;
            }
        }
        TopicSetup.alignBufferChangelog(config.adminProperties(), config, TOPIC_SETUP_TIMEOUT);
        synchronized (this) {
            if (!closed) {
                watcher.start();
                if (models.current().isEmpty()) {
                    // without a model every image would wait in the buffer: bound it by not reading input at all
                    streams.pause();
                    LOG.info("Input paused until a version of model {} is loaded", config.modelName());
                    Thread gate = new Thread(this::resumeOnceAModelServes, "input-gate");
                    gate.setDaemon(true);
                    gate.start();
                }
                streams.start();
            }
        }
        return this;
    }

    private void resumeOnceAModelServes() {
        try {
            while (!stopping && models.awaitModel(Duration.ofSeconds(1)).isEmpty()) {
                // keep waiting: a model may take long to be published
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!stopping) {
            streams.resume();
            LOG.info("Input resumed: {} serves", models.current().map(ActiveModel::id).orElse("a model"));
        }
    }

    /** True while input is not read because no model version has been loaded yet. */
    public boolean inputPaused() {
        return streams.isPaused();
    }

    /** Up while the process runs, unless Kafka Streams has failed or stopped or the model watcher died. */
    public Probe health() {
        KafkaStreams.State state = streams.state();
        if (DEAD.contains(state)) {
            return Probe.down("kafka streams is " + state);
        }
        return watcher.failure().map(t -> Probe.down("model watcher stopped: " + t))
                .orElseGet(() -> Probe.up("kafka streams is " + state));
    }

    /** Ready when Kafka Streams runs, the broker answers, and a model version is loaded. */
    public Probe readiness() {
        KafkaStreams.State state = streams.state();
        Optional<ActiveModel> model = models.current();
        if (state != KafkaStreams.State.RUNNING) {
            return Probe.down("kafka streams is " + state);
        }
        Probe kafka = broker.probe();
        if (!kafka.ok()) {
            // Kafka Streams stays RUNNING while its broker is away: it can neither read images nor write predictions
            return kafka;
        }
        return model.map(m -> Probe.up("serving " + m.id()))
                .orElseGet(() -> Probe.down("no version of model " + config.modelName() + " loaded yet"));
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public Optional<ActiveModel> currentModel() {
        return models.current();
    }

    /** Blocks until a model version serves or {@code timeout} passes. */
    public Optional<ActiveModel> awaitModel(Duration timeout) throws InterruptedException {
        return watcher.awaitModel(timeout);
    }

    /** The port actually bound (useful with {@code http.port=0}); -1 before {@link #start()}. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    public ClassifyTopics topics() {
        return topics;
    }

    public Topology topology() {
        return topology;
    }

    /** Blocks until Kafka Streams fails for good (state ERROR); a clean {@link #close()} does not count. */
    public void awaitFailure() throws InterruptedException {
        failed.await();
    }

    /**
     * Stops the stream threads first (committing what they forwarded), then the watcher, then releases the model,
     * the meters and the HTTP server.
     */
    @Override
    public void close() {
        closing.countDown();
        synchronized (this) {
            closeLocked();
        }
    }

    private void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        LOG.info("Stopping");
        streams.close(CLOSE_TIMEOUT);
        watcher.close();
        lanes.close();
        broker.close();
        models.close();
        rollouts.close();
        streamsMetrics.close();
        gcMetrics.close();
        if (http != null) {
            http.close();
        }
        registry.close();
        LOG.info("Stopped");
    }

    /**
     * {@code StreamsApp [--config app.properties] | --settings-markdown}. Exits with 2 on a bad configuration or
     * backbone, with 1 if Kafka Streams fails; SIGTERM stops it cleanly.
     */
    public static void main(String[] args) throws InterruptedException {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--settings-markdown")) {
                System.out.print(StreamsAppConfig.markdownTable());
                return;
            } else if (a.equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                configFile = Path.of(a.substring("--config=".length()));
            } else {
                System.err.println("usage: StreamsApp [--config app.properties] | --settings-markdown");
                System.exit(2);
            }
        }
        StreamsAppConfig config;
        try {
            config = StreamsAppConfig.load(Optional.ofNullable(configFile));
        } catch (ConfigException e) {
            System.err.println("Invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Backbone backbone;
        try {
            backbone = Backbones.load(config.backbone());
        } catch (IOException | RuntimeException e) {
            LOG.error("Cannot load backbone '{}' (setting {})", config.backbone(), StreamsAppConfig.BACKBONE, e);
            System.exit(2);
            return;
        }
        LOG.info("Backbone {} ({}), features cut at {}: {} values", backbone.info().name(), backbone.info().fingerprint(),
                backbone.info().cutLayer(), backbone.info().featureSize());
        StreamsApp app;
        try {
            app = new StreamsApp(config, backbone);
        } catch (ConfigException e) {
            backbone.close();
            System.err.println("Invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (backbone) {
                app.close();
            }
        }, "streams-app-shutdown"));
        app.start();
        app.awaitFailure();
        LOG.error("Kafka Streams failed; exiting");
        System.exit(1);
    }
}
