package dev.streamclassify.trainer.control.service;

import dev.streamclassify.trainer.control.intake.CommandIntake;
import dev.streamclassify.trainer.control.intake.RequestLog;
import dev.streamclassify.trainer.control.intake.StatusPublisher;
import dev.streamclassify.trainer.control.retrain.CommandRunner;
import dev.streamclassify.trainer.control.retrain.ModelCatalog;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.trainer.control.intake.CommandParser;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.publish.VersionWriter;
import dev.streamclassify.trainer.streampool.StreamPool;
import org.apache.kafka.clients.admin.Admin;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The control loop wired to its intake and runner: the one entry point {@link dev.streamclassify.trainer.control.service.TrainerService}
 * needs into this package. Shares, and does not own, everything passed in; owns its threads and consumer.
 */
public final class ControlPlane implements AutoCloseable {

    private final ControlLoop loop;

    public ControlPlane(TrainerServiceConfig config, CommandParser parser, Backbone backbone, FeatureCache cache,
                        ModelCatalog catalog, RequestLog requests, Admin admin, ModelPublisher models, VersionWriter versions, StatusPublisher status,
                        TrainerMetrics metrics, Map<String, Object> consumerProperties, Clock clock, Optional<StreamPool> streamPool) {
        CommandRunner runner = new CommandRunner(config.retrainSettings(System.getenv()), backbone, cache, catalog, admin, models, versions, status, requests, metrics,
                consumerProperties, clock, streamPool);
        CommandIntake intake = new CommandIntake(parser, config.commandMaxBytes(), requests, status, metrics, admin,
                config.catchUpTimeout(), clock);
        this.loop = new ControlLoop(config.controlTopic(), config.groupId(), consumerProperties, intake, runner, requests, admin,
                config.catchUpTimeout(), config.queueMaxCommands(), config.shutdownTimeout());
    }

    public void start() {
        loop.start();
    }

    /** Holds a control partition, with the status topic read: commands sent now will be handled here. */
    public boolean handlingCommands() {
        return loop.handlingCommands();
    }

    public Optional<Throwable> failure() {
        return loop.failure();
    }

    public int backlog() {
        return loop.backlog();
    }

    public void awaitStopped() throws InterruptedException {
        loop.awaitStopped();
    }

    @Override
    public void close() {
        loop.close();
    }
}
