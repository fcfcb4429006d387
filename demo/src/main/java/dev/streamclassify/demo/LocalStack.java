package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.trainer.control.service.TrainerService;
import dev.streamclassify.trainer.control.service.TrainerServiceConfig;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.training.TrainingPipeline;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.TrainSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A local stack for people and black-box checks: the real broker on a fixed localhost port, streams-app with its
 * HTTP endpoints, and (on first start) version 1 of the {@code default} model trained on 5 images per class of the
 * committed sample, published and activated, and the trainer service listening on the control topic. Runs until interrupted. Data lives under {@code local-data/} so a restart keeps topics.
 * <p>Arguments: {@code [kafkaPort=9092] [httpPort=8080]}. The backbone is streams-app's {@code backbone} setting
 * ({@code CLASSIFY_BACKBONE}); both services use it. A slow backbone makes the first start featurize for minutes.
 */
public final class LocalStack {

    private LocalStack() {
    }

    public static void main(String[] args) throws Exception {
        int kafkaPort = args.length > 0 ? Integer.parseInt(args[0]) : 9092;
        int httpPort = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
        Path root = Path.of("local-data").toAbsolutePath();
        Path samples = root.resolve("samples");
        boolean fresh = !Files.exists(root.resolve("kafka"));
        CountDownLatch stop = new CountDownLatch(1);
        // the backbone setting as streams-app reads it (CLASSIFY_BACKBONE or -Dbackbone), e.g. the ImageNet MobileNetV2
        String backboneLocation = StreamsAppConfig.load(java.util.Optional.empty()).backbone();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(kafkaPort, root.resolve("kafka"));
             Backbone backbone = Backbones.load(backboneLocation)) {
            Path privateKey = signingKey(root.resolve("keys"));
            Map<String, Object> settings = new HashMap<>();
            settings.put("backbone", backboneLocation);
            settings.put("models.trusted.keys", "file:" + root.resolve("keys").resolve("model-signing.pub"));
            settings.put("bootstrap.servers", broker.bootstrapServers());
            settings.put("http.port", httpPort);
            settings.put("state.dir", root.resolve("streams").toString());
            StreamsAppConfig config = StreamsAppConfig.of(settings);
            Files.createDirectories(root.resolve("datasets"));
            TrainerServiceConfig trainerConfig = TrainerServiceConfig.of(Map.of(
                    "models.signing.key", "file:" + privateKey,
                    "bootstrap.servers", broker.bootstrapServers(),
                    "http.port", httpPort + 1,
                    "data.root", root.resolve("datasets").toString(),
                    "cache.dir", root.resolve("features").toString(),
                    "backbone", backboneLocation));
            try (StreamsApp app = new StreamsApp(config, backbone).start();
                 TrainerService trainer = new TrainerService(trainerConfig, backbone)) {
                trainer.start();
                if (fresh) {
                    publishFirstVersion(broker.bootstrapServers(), config.modelsTopic(), backbone, root,
                            trainerConfig.modelSigner(System.getenv()).orElseThrow());
                }
                writeSamples(samples);
                writeTrainingImages(root.resolve("training"));
                app.awaitModel(Duration.ofMinutes(2));
                System.out.printf("""
                        Local stack is up (Ctrl-C to stop).
                          Kafka:       %s   topics: %s, %s, %s, %s
                          streams-app: http://localhost:%d/metrics  /health  /ready   serving %s
                          trainer:     http://localhost:%d/metrics   commands on 'control', status on 'training-status'
                          sample PNGs: %s   labelled training PNGs: %s (labels.tsv)
                        Try:
                          kcat -b %s -P -t %s -k id1 %s
                          kcat -b %s -C -t %s -o beginning -e -f '%%k %%s\\n'
                        """, broker.bootstrapServers(), config.imagesTopic(), config.predictionsTopic(), config.dlqTopic(),
                        config.modelsTopic(), app.httpPort(), app.currentModel().map(m -> m.id()).orElse("(no model yet)"), trainer.httpPort(),
                        samples, root.resolve("training"),
                        broker.bootstrapServers(), config.imagesTopic(), samples.resolve("Sandal-0.png"),
                        broker.bootstrapServers(), config.predictionsTopic());
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
        }
    }

    /** Version 1 learns from only 5 labelled images per class, so a retrain on more data visibly wins the gate. */
    /**
     * The stack's signing key pair in {@code dir}, made on first start like {@code trainer keygen} does: the trainer
     * signs with the private key, streams-app trusts the public one.
     */
    static Path signingKey(Path dir) throws Exception {
        Path privateKey = dir.resolve("model-signing.key");
        if (!Files.exists(privateKey)) {
            Files.createDirectories(dir);
            KeyPair pair = SigningKeys.generate();
            Files.writeString(privateKey, SigningKeys.privatePem(pair.getPrivate()));
            Files.writeString(dir.resolve("model-signing.pub"), SigningKeys.publicPem(pair.getPublic()));
        }
        return privateKey;
    }

    private static void publishFirstVersion(String bootstrap, String topic, Backbone backbone, Path root, VersionSigner signer) throws Exception {
        try (ModelPublisher publisher = new ModelPublisher(bootstrap, topic, signer)) {
            TrainingPipeline.Outcome o = trainVersion(backbone, root.resolve("features"), 1, 1);
            publisher.publishAndActivate(o.version(), "local-stack-v1");
            System.out.printf("published %s (5 labels per class; holdout accuracy %.2f%% on the 10 Fashion-MNIST classes)%n", o.version().id(),
                    100 * o.holdout().accuracy());
        }
    }

    /** Version {@code version} of the default model, trained on 5 images per class of the sample chosen by {@code seed}. */
    static TrainingPipeline.Outcome trainVersion(Backbone backbone, Path featuresDir, long version, long seed) throws Exception {
        Dataset train = FashionMnist.sampleTrain().samplePerClass(5, seed);
        Dataset holdout = FashionMnist.sampleTest();
        try (FeatureCache cache = FeatureCache.open(featuresDir, backbone.info().fingerprint(), backbone.info().featureSize())) {
            return TrainingPipeline.run(backbone, cache, train, holdout, HeadConfig.DEFAULT, TrainSettings.DEFAULT,
                    "default", version, Clock.systemUTC(), Progress.none());
        }
    }

    /** 50 labelled images per class and a labels.tsv (file, class name) for producing them with kcat. */
    private static void writeTrainingImages(Path dir) throws Exception {
        Files.createDirectories(dir);
        StringBuilder tsv = new StringBuilder();
        Dataset train = FashionMnist.sampleTrain().samplePerClass(50, 2);
        for (int i = 0; i < train.size(); i++) {
            var img = train.images().get(i);
            String name = "train-" + i + ".png";
            Files.write(dir.resolve(name), ImageEncoder.png(img.image()));
            tsv.append(name).append('\t').append(img.label()).append('\n');
        }
        Files.writeString(dir.resolve("labels.tsv"), tsv);
    }

    private static void writeSamples(Path dir) throws Exception {
        Files.createDirectories(dir);
        Dataset test = FashionMnist.sampleTest();
        Map<String, Integer> written = new HashMap<>();
        for (var img : test.images()) {
            int n = written.merge(img.label(), 1, Integer::sum);
            if (n <= 3) {
                String name = img.label().replaceAll("[^A-Za-z0-9]+", "_") + "-" + (n - 1) + ".png";
                Files.write(dir.resolve(name), ImageEncoder.png(img.image()));
            }
        }
    }
}
