package dev.streamclassify.trainer.control.retrain;

import dev.streamclassify.trainer.control.intake.Request;
import dev.streamclassify.trainer.control.intake.RequestLog;
import dev.streamclassify.trainer.control.intake.StatusPublisher;
import dev.streamclassify.trainer.control.intake.StatusProgress;
import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.artifact.ModelVersionCodec;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.image.ImageDecoder;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.trainer.control.intake.Command;
import dev.streamclassify.trainer.control.intake.RunMetrics;
import dev.streamclassify.trainer.control.intake.StatusEvent;
import dev.streamclassify.trainer.control.intake.StatusEvent.State;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.DatasetBudget;
import dev.streamclassify.trainer.dataset.FolderLoadResult;
import dev.streamclassify.trainer.dataset.ImageFolderDataset;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.publish.VersionWriter;
import dev.streamclassify.trainer.training.TrainingPipeline;
import dev.streamclassify.trainer.training.SemiSupervised;
import dev.streamclassify.trainer.streampool.PooledFeatures;
import dev.streamclassify.trainer.streampool.StreamPool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Runs accepted commands on the worker thread and publishes their outcome: {@code retrain} loads the data, splits it
 * by content hash, trains a head through the feature cache, gates promotion against the serving version on the same
 * holdout, and publishes; {@code activate} points a model at a retained version. Returns only once the outcome is
 * on the status topic, so the caller may then commit. Used by one thread at a time: one training at a time.
 */
public final class CommandRunner {

    /** Low enough not to wreck pre-trained features; two passes over the data are enough for a few top layers. */
    private static final double FINE_TUNE_LEARNING_RATE = 1e-4;
    private static final int FINE_TUNE_EPOCHS = 2;

    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);

    private final RetrainSettings settings;
    private final Backbone backbone;
    private final FeatureCache cache;
    private final ModelCatalog catalog;
    private final Admin admin;
    private final ModelPublisher models;
    private final VersionWriter versions;
    private final StatusPublisher status;
    private final RequestLog requests;
    private final RetrainMetrics metrics;
    private final Map<String, Object> consumerProperties;
    private final Clock clock;
    private final ImageDecoder decoder = new ImageDecoder();
    private final ModelVersionCodec codec = new ModelVersionCodec();
    private final TrustedKeys trust;
    private final PromotionGate promotion;
    private final Optional<StreamPool> streamPool;

    /** @param streamPool the stream feature pool, when {@code pool.max.images} turns it on */
    public CommandRunner(RetrainSettings settings, Backbone backbone, FeatureCache cache, ModelCatalog catalog, Admin admin,
                  ModelPublisher models, VersionWriter versions, StatusPublisher status, RequestLog requests, RetrainMetrics metrics,
                  Map<String, Object> consumerProperties, Clock clock, Optional<StreamPool> streamPool) {
        this.settings = settings;
        this.backbone = backbone;
        this.cache = cache;
        this.catalog = catalog;
        this.admin = admin;
        this.models = models;
        this.versions = versions;
        this.status = status;
        this.requests = requests;
        this.metrics = metrics;
        this.consumerProperties = consumerProperties;
        this.clock = clock;
        this.streamPool = streamPool;
        this.trust = settings.trust();
        this.promotion = new PromotionGate(catalog, backbone, trust, settings.promotionMinDelta(), settings.modelsTopic());
    }

    /**
     * @throws CancellationException if {@code cancelled} turned true before an outcome; nothing terminal was published
     * @throws StatusPublisher.PublishFailedException if the outcome could not be written
     */
    public void run(Request request, BooleanSupplier cancelled) {
        if (request.command() instanceof Command.Retrain retrain) {
            retrain(request, retrain, cancelled);
        } else if (request.command() instanceof Command.Activate activate) {
            activate(request, activate);
        } else if (request.command() instanceof Command.Shadow shadow) {
            shadow(request, shadow);
        } else if (request.command() instanceof Command.Canary canary) {
            canary(request, canary);
        }
    }

    /** Thrown inside a run for a command that turns out not to be runnable, e.g. an unknown version. */
    private static final class Rejected extends Exception {
        Rejected(String message) {
            super(message);
        }
    }

    private void activate(Request request, Command.Activate cmd) {
        runCatalogCommand(request, () -> {
            requireServable(cmd.model(), cmd.version());
            Long previous = catalog.served(cmd.model()).map(ModelCatalog.Served::version).orElse(null);
            models.activate(cmd.model(), cmd.version(), request.requestId());
            String message = cmd.model() + ":v" + cmd.version() + " activated" + (previous == null ? "" : " (was v" + previous + ")");
            finish(request, State.SUCCEEDED, 1.0, null, message, cmd.version(), RunMetrics.activation(previous));
        });
    }

    /** Checks what streams-app will do with a version: verify, decode, fit the backbone, warm up. */
    private void requireServable(String model, long version) throws Rejected {
        NavigableSet<Long> versions = catalog.versions(model);
        if (versions.isEmpty()) {
            throw new Rejected("unknown model '" + model + "': " + settings.modelsTopic() + " has no version of it");
        }
        if (!versions.contains(version)) {
            throw new Rejected(model + " has no version " + version + "; retained versions: " + versions);
        }
        try (Classifier classifier = Classifier.load(codec.decode(catalog.read(model, version, trust).orElseThrow()), backbone)) {
            classifier.warmUp(1);
        } catch (ArtifactException e) {
            throw new Rejected(model + ":v" + version + " on " + settings.modelsTopic() + " cannot serve ("
                    + e.reason().code() + "): " + e.getMessage());
        }
    }

    /** Shadow heads must load, and the active version is never its own shadow. */
    private void shadow(Request request, Command.Shadow cmd) {
        runCatalogCommand(request, () -> {
            Long active = catalog.served(cmd.model()).map(ModelCatalog.Served::version).orElse(null);
            for (long v : cmd.versions()) {
                if (active != null && v == active) {
                    throw new Rejected(cmd.model() + ":v" + v + " is the active version; a shadow compares other versions with it");
                }
                requireServable(cmd.model(), v);
            }
            models.shadow(cmd.model(), cmd.versions(), request.requestId());
            String message = cmd.versions().isEmpty() ? cmd.model() + ": shadow ended"
                    : cmd.model() + ": versions " + cmd.versions() + " score every image as shadows (active v" + active + ")";
            finish(request, State.SUCCEEDED, 1.0, null, message, null, null);
        });
    }

    /** A canary must load and differ from the active version; percent 0 ends it. */
    private void canary(Request request, Command.Canary cmd) {
        runCatalogCommand(request, () -> {
            Long active = catalog.served(cmd.model()).map(ModelCatalog.Served::version).orElse(null);
            if (cmd.percent() > 0) {
                if (active != null && cmd.version() == active) {
                    throw new Rejected(cmd.model() + ":v" + cmd.version() + " is already the active version");
                }
                requireServable(cmd.model(), cmd.version());
            }
            models.canary(cmd.model(), cmd.version(), cmd.percent(), request.requestId());
            String message = cmd.percent() == 0 ? cmd.model() + ": canary ended"
                    : cmd.model() + ":v" + cmd.version() + " serves " + cmd.percent() + "% of image ids (active v" + active + ")";
            finish(request, State.SUCCEEDED, 1.0, null, message, cmd.version(), null);
        });
    }

    /** A command that reads the caught-up catalog and writes the models topic. */
    private interface CatalogStep {
        void run() throws Rejected, Exception;
    }

    private void runCatalogCommand(Request request, CatalogStep step) {
        try {
            catalog.awaitCaughtUp(admin, settings.catchUpTimeout());
            step.run();
        } catch (Rejected e) {
            finish(request, State.REJECTED, 0.0, null, e.getMessage(), null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(request.command().name() + " " + request.requestId() + " interrupted");
        } catch (Exception e) {
            LOG.warn("{} {} failed", request.command().name(), request.requestId(), e);
            finish(request, State.FAILED, 0.0, null, request.command().name() + " failed: " + e.getMessage(), null, null);
        }
    }

    private void retrain(Request request, Command.Retrain cmd, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        StatusProgress progress = new StatusProgress(status, request.requestId(), cmd.model(), clock, cancelled);
        String outcome = "failed";
        try {
            progress.at(0.0, "loading " + describe(cmd.dataset(), request));
            TrainingImages.Loaded data = load(cmd.dataset(), request, cancelled);
            Dataset.Split split = HoldoutSplit.split(data.dataset(), settings.holdoutFraction());
            if (split.holdout().size() == 0) {
                throw new IllegalArgumentException("too few images to hold any out: each class needs at least 2 images");
            }
            progress.at(StatusProgress.LOADED, String.format(Locale.ROOT,
                    "loaded %d images of %d classes (%d train, %d holdout); skipped %d undecodable, %d unlabelled, %d duplicates",
                    data.dataset().size(), data.dataset().labels().size(), split.train().size(), split.holdout().size(),
                    data.skipped(), data.unlabelled(), data.duplicates()));
            Unlabelled pool = unlabelled(cmd, data.dataset(), progress, cancelled);
            TrainingPipeline.Pool headPool = pool == null ? TrainingPipeline.Pool.NONE : pool.pool();
            TrainingPipeline.Outcome trained = TrainingPipeline.run(backbone, cache, split.train(), split.holdout(), headPool,
                    settings.head(cmd.hiddenLayers()), settings.train(cmd.epochs()),
                    new TrainingPipeline.FineTune(cmd.fineTuneLayers(), FINE_TUNE_LEARNING_RATE, FINE_TUNE_EPOCHS), cmd.model(), 1, clock, progress);
            cache.flush();
            metrics.featurized(trained.featurized(), trained.fromCache());
            double accuracy = trained.holdout().accuracy();
            progress.at(StatusProgress.TRAINED, String.format(Locale.ROOT,
                    "holdout accuracy %.4f; comparing with the serving version", accuracy));

            catalog.awaitCaughtUp(admin, settings.catchUpTimeout());
            PromotionGate.Decision gate = promotion.decide(cmd.model(), split.holdout(), accuracy);
            progress.at(StatusProgress.GATED, "publishing");
            // numbered under the model's writer fence; a rerun after a crash finds its earlier version instead
            VersionWriter.Published published = versions.publish(trained.version(), OptionalLong.empty(), request.requestId(),
                    (p, v, earlierRun) -> {
                        if (gate.activate()) {
                            if (!earlierRun) {
                                p.publish(v, request.requestId());
                            }
                            p.activate(v.name(), v.version(), request.requestId());
                        } else if (!earlierRun) {
                            if (gate.servedWithoutActivation()) {
                                // without an activation streams-app serves the highest version, which would now be the refused one
                                p.activate(cmd.model(), gate.activeVersion(), request.requestId());
                            }
                            p.publish(v, request.requestId());
                        }
                    });
            ModelVersion version = published.version();
            long next = version.version();
            metrics.holdoutAccuracy(cmd.model(), accuracy);
            RunMetrics figures = new RunMetrics(accuracy, gate.activeVersion(), gate.activeAccuracy(), gate.activate(),
                    split.train().size(), split.holdout().size(), data.dataset().countsPerClass(), trained.featurized(),
                    trained.fromCache(), data.skipped(), data.unlabelled(), data.duplicates(), version.metrics().epochs(),
                    trained.headSeconds(), seconds(start));
            if (pool != null) {
                figures = figures.withSemiSupervised(trained.method().wire(), trained.unlabelled(), pool.skipped(),
                        trained.pseudoLabelsPerRound(), pool.source(), pool.offsets());
            }
            finish(request, State.SUCCEEDED, 1.0, progress.epoch(), gate.message(version)
                    + (published.earlierRun() ? " (published by an earlier run of this request, not again)" : ""), next, figures);
            outcome = "succeeded";
        } catch (DatasetBudget.Exceeded | Rejected e) {
            outcome = "rejected";
            finish(request, State.REJECTED, progress.progress(), null, e.getMessage(), null, null);
        } catch (CancellationException e) {
            outcome = "interrupted";
            throw e;
        } catch (InterruptedException e) {
            outcome = "interrupted";
            Thread.currentThread().interrupt();
            throw new CancellationException("retrain " + request.requestId() + " interrupted");
        } catch (StatusPublisher.PublishFailedException e) {
            throw e;
        } catch (Exception | OutOfMemoryError e) {
            LOG.warn("retrain {} failed", request.requestId(), e);
            finish(request, State.FAILED, progress.progress(), progress.epoch(), "retrain failed: " + reason(e), null, null);
        } finally {
            metrics.training(Duration.ofNanos(System.nanoTime() - start), outcome);
        }
    }

    /**
     * A retrain's unlabelled input and what the status event says of it.
     *
     * @param skipped records left out: undecodable, repeated, also labelled, or over the byte budget
     * @param source  {@code topic}, {@code folder} or {@code pool}
     * @param offsets the stream pool's offset range per partition; null for other sources
     */
    private record Unlabelled(TrainingPipeline.Pool pool, int skipped, String source, Map<String, List<Long>> offsets) {
    }

    /** The unlabelled pool a retrain names, or null; never an image of {@code labelled} (so never a holdout image). */
    private Unlabelled unlabelled(Command.Retrain cmd, Dataset labelled, StatusProgress progress, BooleanSupplier cancelled)
            throws IOException, Rejected {
        if (cmd.unlabelled().isEmpty()) {
            return null;
        }
        Command.Unlabelled u = cmd.unlabelled().get();
        Set<String> exclude = new HashSet<>();
        labelled.images().forEach(i -> exclude.add(i.contentHash()));
        SemiSupervised.Settings method = SemiSupervised.Settings.of(u.method());
        if (u.source() instanceof Command.FeaturePool) {
            return fromStreamPool(u, exclude, method, progress);
        }
        UnlabelledPool.Loaded pool = u.source() instanceof Command.Folder folder
                ? UnlabelledPool.folder(folder.path(), u.max(), settings.unlabelledMaxBytes(), decoder, exclude)
                : UnlabelledPool.recent(consumerProperties, ((Command.RecentImages) u.source()).topic(), u.max(), settings.unlabelledMaxBytes(),
                decoder, exclude, settings.catchUpTimeout(), cancelled);
        pool.countIn(metrics);
        progress.at(StatusProgress.LOADED, fmt("unlabelled pool: %d images of %d records (%d undecodable, %d repeated, %d also labelled, "
                + "%d over the byte budget); training with %s", pool.images().size(), pool.records(), pool.skipped(), pool.duplicates(),
                pool.excluded(), pool.overBudget(), u.method().wire()));
        return new Unlabelled(new TrainingPipeline.Pool(pool.images(), method), pool.skipped() + pool.duplicates() + pool.excluded()
                + pool.overBudget(), u.source() instanceof Command.Folder ? "folder" : "topic", null);
    }

    /** The newest {@code max} of the stream pool's features of this backbone, labelled images left out. */
    private Unlabelled fromStreamPool(Command.Unlabelled u, Set<String> exclude, SemiSupervised.Settings method, StatusProgress progress)
            throws Rejected {
        // the parser refuses pool sources when the pool is off; a runner without one is a wiring error worth saying so
        StreamPool source = streamPool.orElseThrow(() -> new Rejected("unlabelled.pool: the stream feature pool is off"));
        PooledFeatures all = source.snapshot(backbone.info().fingerprint());
        PooledFeatures unlabelled = all.without(exclude);
        PooledFeatures used = unlabelled.newest(u.max());
        if (used.size() == 0) {
            throw new Rejected("unlabelled.pool: the stream feature pool holds no images of this backbone yet (it fills as images "
                    + "arrive on the images topic)");
        }
        int excluded = all.size() - unlabelled.size();
        metrics.unlabelled("used", used.size());
        metrics.unlabelled("labelled", excluded);
        progress.at(StatusProgress.LOADED, fmt("unlabelled pool: %d stream images' features from the feature pool (of %d held, %d also "
                + "labelled); training with %s", used.size(), all.size(), excluded, u.method().wire()));
        return new Unlabelled(TrainingPipeline.Pool.ofFeatures(used.features(), method), excluded, "pool", used.offsetRanges());
    }

    private TrainingImages.Loaded load(Command.DatasetSource source, Request request, BooleanSupplier cancelled) throws IOException {
        if (source instanceof Command.Folder folder) {
            FolderLoadResult r = ImageFolderDataset.load(folder.path(), decoder, budget());
            // already admitted by the folder's budget
            TrainingImages.Collector collector = new TrainingImages.Collector(decoder, DatasetBudget.unlimited());
            r.dataset().images().forEach(collector::add);
            collector.skipped(r.skipped().size());
            if (!r.skipped().isEmpty()) {
                LOG.info("{}: skipped {} entries of {}, first: {}", request.requestId(), r.skipped().size(), folder.path(), r.skipped().get(0));
            }
            return collector.result();
        }
        Command.TopicRange range = (Command.TopicRange) source;
        Map<TopicPartition, Long> begin = beginningOffsets(request.datasetEnds().keySet());
        Map<TopicPartition, long[]> ranges = new HashMap<>();
        request.datasetEnds().forEach((tp, end) -> {
            long from = Math.max(begin.getOrDefault(tp, 0L), range.fromOffset().orElse(0));
            long to = Math.min(end, range.toOffset().orElse(Long.MAX_VALUE));
            ranges.put(tp, new long[]{from, to});
        });
        return TrainingImages.read(consumerProperties, ranges, decoder, budget(), settings.catchUpTimeout(), cancelled);
    }

    /** A fresh budget per command: images held at the backbone's input size, within the configured bounds. */
    private DatasetBudget budget() {
        return new DatasetBudget(settings.trainingMaxImages(), settings.trainingMaxPixels(),
                Optional.of(new Preprocessor(backbone.info().preprocessing(), decoder)));
    }

    private Map<TopicPartition, Long> beginningOffsets(Set<TopicPartition> partitions) throws IOException {
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        try {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(earliest).all().get(settings.catchUpTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read the beginning offsets of " + partitions + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
    }

    private void finish(Request request, State state, double progress, Integer epoch, String message, Long version, RunMetrics figures) {
        status.sendAndWait(new StatusEvent(request.requestId(), state, request.command().name(), request.command().model(),
                progress, epoch, message, version, figures, clock.instant()));
        if (state.ran()) {
            requests.markRan(request.requestId());
        }
        metrics.command(request.command().name(), state.code());
        LOG.info("{} {} {}: {}", request.command().name(), request.requestId(), state.code(), message);
    }

    private static String describe(Command.DatasetSource source, Request request) {
        if (source instanceof Command.Folder f) {
            return "images from " + f.path();
        }
        Command.TopicRange r = (Command.TopicRange) source;
        return "labelled images from " + r.topic() + (r.fromOffset().isPresent() ? " from offset " + r.fromOffset().getAsLong() : "")
                + " up to offsets " + new TreeMap<>(request.datasetEnds().entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> Math.min(e.getValue(), r.toOffset().orElse(Long.MAX_VALUE)))));
    }

    private static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
