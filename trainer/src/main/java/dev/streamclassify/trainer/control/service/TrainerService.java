package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.CommandParser;
import dev.streamclassify.trainer.control.intake.DataRoot;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.service.BrokerConnectivity;
import dev.streamclassify.service.HttpEndpoints;
import dev.streamclassify.service.Probe;
import dev.streamclassify.service.StartupRetry;
import dev.streamclassify.trainer.control.retrain.ModelCatalog;
import dev.streamclassify.trainer.control.retrain.NewImagesSchedule;
import dev.streamclassify.trainer.control.intake.RequestLog;
import dev.streamclassify.trainer.control.intake.StatusPublisher;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.publish.VersionWriter;
import dev.streamclassify.trainer.streampool.StreamPool;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code trainer serve}: runs control-topic commands and reports on the status topic (see {@link TrainerServiceConfig}
 * for the topics, DESIGN.md section 2 for the wire contract). Every command runs once per request id, one at a time,
 * and is committed only after its outcome is published. Serves {@code /metrics}, {@code /health} and {@code /ready}.
 *
 * <p>The backbone is injected and stays with its owner, who must keep it open until {@link #close()} returns.
 * {@link #start()} and {@link #close()} may be called from any thread; close is idempotent.
 */
public final class TrainerService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
    /** How often readiness asks the broker, and the wait between start-up attempts while it does not answer. */
    static final Duration BROKER_CHECK_INTERVAL = Duration.ofSeconds(2);
    /** One attempt of a start-up step; the step is retried until the broker answers. */
    static final Duration STARTUP_STEP_TIMEOUT = Duration.ofSeconds(10);

    private final TrainerServiceConfig config;
    private final Backbone backbone;
    private final Clock clock;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private TrainerMetrics metrics;
    private volatile ControlPlane control;
    private volatile HttpEndpoints http;
    private volatile BrokerConnectivity broker;
    private final CountDownLatch closing = new CountDownLatch(1);
    private boolean started;
    private boolean closed;

    public TrainerService(TrainerServiceConfig config, Backbone backbone, Clock clock) {
        this.config = config;
        this.backbone = backbone;
        this.clock = clock;
    }

    public TrainerService(TrainerServiceConfig config, Backbone backbone) {
        this(config, backbone, Clock.systemUTC());
    }

    /**
     * Creates missing topics, starts following the models and status topics, joins the control group and opens the
     * HTTP port. On failure everything started so far is closed again.
     */
    public synchronized void start() throws IOException, InterruptedException {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        LOG.info("Starting trainer service with backbone {} ({}), settings {}", backbone.info().name(),
                backbone.info().fingerprint(), config.describe());
        try {
            doStart();
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeResources();
            throw e;
        }
    }

    private void doStart() throws IOException, InterruptedException {
        metrics = new TrainerMetrics(registry, () -> control == null ? 0 : control.backlog());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        resources.push(gc);

        // first, so /health answers (and says why) while the broker is still unreachable
        http = HttpEndpoints.start(config.http(), registry::scrape, this::health, this::readiness);
        resources.push(http);
        Map<String, Object> consumerProperties = config.consumerProperties();
        Map<String, Object> producerProperties = config.producerProperties();
        Map<String, Object> adminProperties = config.adminProperties();
        broker = new BrokerConnectivity(adminProperties, BROKER_CHECK_INTERVAL, clock).start();
        resources.push(broker);
        Admin admin = Admin.create(adminProperties);
        resources.push(admin);
        if (config.createTopics()) {
            awaitBroker("create topics", () -> TrainerTopics.create(admin, config, STARTUP_STEP_TIMEOUT));
        }
        Optional<DataRoot> dataRoot = config.dataRoot().isPresent() ? Optional.of(DataRoot.of(config.dataRoot().get())) : Optional.empty();
        FeatureCache cache = FeatureCache.open(config.cacheDir(), backbone.info().fingerprint(), backbone.info().featureSize());
        resources.push(cache);
        StatusPublisher status = new StatusPublisher(config.statusTopic(), producerProperties);
        resources.push(status);
        Optional<VersionSigner> signer = config.modelSigner(System.getenv());
        ModelPublisher models = new ModelPublisher(config.bootstrapServers(), config.modelsTopic(), producerProperties, clock, signer);
        resources.push(models);
        ModelCatalog catalog = new ModelCatalog(config.modelsTopic(), consumerProperties, metrics::activeVersion);
        resources.push(catalog);
        catalog.start();
        RequestLog requests = new RequestLog(config.statusTopic(), consumerProperties);
        resources.push(requests);
        requests.start();

        Optional<StreamPool> streamPool = config.poolSettings(backbone.info().featureSize())
                .map(s -> new StreamPool(s, consumerProperties, () -> backbone, registry, clock));
        streamPool.ifPresent(p -> resources.push(p.start()));

        control = new ControlPlane(config, new CommandParser(config.commandRules(dataRoot)), backbone, cache, catalog,
                requests, admin, models, new VersionWriter(config.modelsTopic(), producerProperties, consumerProperties, clock, signer), status, metrics,
                consumerProperties, clock, streamPool);
        resources.push(control);
        control.start();

        if (config.scheduleNewImages() > 0) {
            NewImagesSchedule[] schedule = new NewImagesSchedule[1];
            awaitBroker("read " + config.trainingImagesTopic() + " for the schedule", () -> schedule[0] = new NewImagesSchedule(
                    config.scheduleNewImages(), config.scheduleModel(), config.trainingImagesTopic(), config.controlTopic(), status,
                    consumerProperties, admin, STARTUP_STEP_TIMEOUT));
            resources.push(schedule[0]);
            schedule[0].start();
        }
    }

    /** Retries a start-up step until the broker lets it succeed, logging each failure; gives up only on close. */
    private void awaitBroker(String what, StartupRetry.Attempt step) throws IOException, InterruptedException {
        if (!StartupRetry.until(what, config.bootstrapServers(), BROKER_CHECK_INTERVAL, closing, step)) {
            throw new IOException("closed while waiting to " + what);
        }
    }

    /** The bound HTTP port (useful with {@code http.port=0}). */
    public int httpPort() {
        if (http == null) {
            throw new IllegalStateException("not started");
        }
        return http.port();
    }

    /**
     * Ready once this member holds a control partition and has read the status topic: commands will be handled here.
     * A standby instance of the group stays unready until a partition moves to it.
     */
    public boolean ready() {
        return readiness().ok();
    }

    /** Healthy unless the control loop stopped on an error; a restart resumes from the last commit. */
    public boolean healthy() {
        return health().ok();
    }

    private Probe health() {
        ControlPlane c = control;
        if (c == null) {
            BrokerConnectivity b = broker;
            // alive while it waits for the broker: restarting it would not bring the broker back
            return b == null ? new Probe(false, "not started") : new Probe(true, "starting; " + b.probe().detail());
        }
        return c.failure().map(e -> new Probe(false, "control loop stopped: " + e))
                .orElse(new Probe(true, "control loop running, " + c.backlog() + " commands in progress"));
    }

    private Probe readiness() {
        Probe health = health();
        if (!health.ok() || control == null) {
            return health.ok() ? new Probe(false, health.detail()) : health;
        }
        Probe kafka = broker.probe();
        if (!kafka.ok()) {
            return kafka;
        }
        return control.handlingCommands()
                ? new Probe(true, "handling commands of " + config.controlTopic() + "; backbone " + backbone.info().name() + " loaded")
                : new Probe(false, "no partition of " + config.controlTopic() + " assigned (standing by, or joining the group)");
    }

    /** Blocks until the service is closed or its control loop stopped on an error. */
    public void awaitTermination() throws InterruptedException {
        ControlPlane c;
        synchronized (this) {
            c = control;
        }
        if (c != null) {
            c.awaitStopped();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        closeLocked();
    }

    private synchronized void closeLocked() {
        if (closed) {
            return;
        }
        closed = true;
        closeResources();
        registry.close();
        LOG.info("Trainer service stopped");
    }

    private void closeResources() {
        for (AutoCloseable r; (r = resources.poll()) != null; ) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
