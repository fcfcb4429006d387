package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.kafka.testkit.KafkaBroker;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.ConvNets;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Owned;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.features.Features;
import dev.streamclassify.trainer.features.Featurizer;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.training.HeadTrainer;
import dev.streamclassify.trainer.training.HeadTraining;
import dev.streamclassify.trainer.training.NetworkTrainer;
import dev.streamclassify.trainer.training.Progress;
import dev.streamclassify.trainer.training.TrainSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Speed as ratios measured in one run on one machine (DESIGN.md section 5): micro-batched vs record-at-a-time,
 * streams-app end to end vs the bare batched forward pass, head training on cached features vs full training,
 * backbone FLOP/s vs an sgemm. Prints a markdown table for docs/benchmarks.md.
 * <p>Arguments: {@code [images=2000]}, or {@code --backbone LOCATION [images=200]} to measure only one backbone's
 * serving rate (bare batched forward pass and streams-app end to end, batch 32), e.g. the ImageNet MobileNetV2.
 */
public final class Benchmark {

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[0].equals("--backbone")) {
            serving(args[1], args.length > 2 ? Integer.parseInt(args[2]) : 200);
            return;
        }
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        List<String[]> rows = new ArrayList<>();
        Dataset target = FashionMnist.sampleTrain().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10));
        Dataset holdout = FashionMnist.sampleTest().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10));
        try (Backbone backbone = Backbones.loadDefault()) {
            HeadTraining.Outcome trained = HeadTraining.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), target, holdout,
                    HeadConfig.DEFAULT, new TrainSettings(5, 64, 0, 1), "default", 1, Clock.systemUTC(), Progress.none());
            Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
            List<float[]> inputs = new ArrayList<>();
            for (int i = 0; i < 1024; i++) {
                inputs.add(pre.apply(target.images().get(i % target.size()).image()));
            }

            // 1. bare forward pass, record-at-a-time vs batched
            double single;
            double batched;
            try (Classifier c = Classifier.load(trained.version(), backbone)) {
                c.warmUp(32);
                single = imagesPerSecond(c, pre, inputs.subList(0, 256), 1);
                batched = imagesPerSecond(c, pre, inputs, 32);
            }
            rows.add(new String[]{"bare forward pass (backbone + head)", "batch 32 vs batch 1",
                    String.format("%.0f vs %.0f img/s", batched, single), String.format("%.1fx", batched / single)});

            // 2. streams-app end to end on a real broker, micro-batched vs record-at-a-time
            double e2eBatched;
            double e2eSingle;
            try (KafkaBroker broker = EmbeddedKafkaBroker.start()) {
                List<byte[]> pngs = new ArrayList<>();
                for (int i = 0; i < images; i++) {
                    pngs.add(ImageEncoder.png(target.images().get(i % target.size()).image()));
                }
                e2eSingle = endToEnd(broker, backbone, trained, pngs, 1, "single");
                e2eBatched = endToEnd(broker, backbone, trained, pngs, 32, "batched");
            }
            rows.add(new String[]{"streams-app end to end (" + images + " PNG records, real broker)", "batch.max.size 32 vs 1",
                    String.format("%.0f vs %.0f img/s", e2eBatched, e2eSingle), String.format("%.1fx", e2eBatched / e2eSingle)});
            rows.add(new String[]{"streams-app end to end vs bare forward pass", "both batched (32)",
                    String.format("%.0f vs %.0f img/s", e2eBatched, batched), String.format("%.2f", e2eBatched / batched)});

            // 3. head on cached features vs full network training, same images, same epochs
            Dataset trainSet = target.samplePerClass(400, 3);
            TrainSettings epochs = new TrainSettings(3, 64, 0, 3);
            long t0 = System.nanoTime();
            Features f = new Featurizer(backbone, 64).featurize(trainSet, FeatureCache.inMemory(backbone.info().featureSize()), Progress.none());
            double featurize = (System.nanoTime() - t0) / 1e9;
            HeadTrainer.Result head = HeadTrainer.train(f, HeadConfig.DEFAULT, epochs, Progress.none());
            head.head().close();
            t0 = System.nanoTime();
            try (Owned<ComputationGraph> net = Owned.of(ConvNets.build(ConvNets.Arch.small(28, 28, 1), 5, 1e-3, 3))) {
                NetworkTrainer.fit(net.net(), NetworkTrainer.tensors(trainSet, pre), epochs, Progress.none());
            }
            double full = (System.nanoTime() - t0) / 1e9;
            rows.add(new String[]{"training, " + trainSet.size() + " images x 3 epochs", "head on cached features vs full network",
                    String.format("%.2f s vs %.1f s (featurize once: %.1f s)", head.seconds(), full, featurize),
                    String.format("%.0fx (%.1fx incl. featurizing)", full / head.seconds(), full / (head.seconds() + featurize))});

            // 4. backbone FLOP/s vs sgemm
            double flopsPerImage = convFlops();
            double backboneGflops = batched * flopsPerImage / 1e9;
            double sgemm = sgemmGflops(1024);
            rows.add(new String[]{"backbone arithmetic rate", "conv layers at batch 32 vs sgemm 1024^3",
                    String.format("%.1f vs %.1f GFLOP/s (%.2f MFLOP/img)", backboneGflops, sgemm, flopsPerImage / 1e6),
                    String.format("%.3f", backboneGflops / sgemm)});
        }
        System.out.printf("%n| measurement | compared | figures | ratio |%n|---|---|---|---|%n");
        for (String[] r : rows) {
            System.out.printf("| %s | %s | %s | %s |%n", (Object[]) r);
        }
        System.out.printf("%nmachine: %d cores, %s %s, %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"), System.getProperty("os.arch"));
    }

    private static double imagesPerSecond(Classifier c, Preprocessor pre, List<float[]> inputs, int batch) {
        long t0 = System.nanoTime();
        for (int from = 0; from < inputs.size(); from += batch) {
            c.classify(Batch.of(pre.spec(), inputs.subList(from, Math.min(inputs.size(), from + batch))), 3);
        }
        return inputs.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** One backbone's serving rate: a head trained on 10 labels per class, then bare vs end-to-end batched. */
    private static void serving(String location, int images) throws Exception {
        Dataset target = FashionMnist.sampleTrain().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10));
        Dataset holdout = FashionMnist.sampleTest().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10)).samplePerClass(10, 1);
        try (Backbone backbone = Backbones.load(location)) {
            HeadTraining.Outcome trained = HeadTraining.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()),
                    target.samplePerClass(10, 1), holdout, HeadConfig.DEFAULT, new TrainSettings(5, 64, 0, 1), "default", 1,
                    Clock.systemUTC(), Progress.none());
            Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
            List<float[]> inputs = new ArrayList<>();
            List<byte[]> pngs = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                var image = target.images().get(i % target.size()).image();
                pngs.add(ImageEncoder.png(image));
                if (i < 64) {
                    inputs.add(pre.apply(image));
                }
            }
            double bare;
            try (Classifier c = Classifier.load(trained.version(), backbone)) {
                c.warmUp(32);
                bare = imagesPerSecond(c, pre, inputs, 32);
            }
            double e2e;
            try (KafkaBroker broker = EmbeddedKafkaBroker.start()) {
                e2e = endToEnd(broker, backbone, trained, pngs, 32, "serving");
            }
            int cores = Runtime.getRuntime().availableProcessors();
            System.out.printf("| %s (%dx%d input, %d features) | %.1f img/s | %.1f img/s (%d PNG records, real broker) | %d cores |%n",
                    location, backbone.info().preprocessing().height(), backbone.info().preprocessing().width(), backbone.info().featureSize(),
                    bare, e2e, images, cores);
        }
    }

    private static double endToEnd(KafkaBroker broker, Backbone backbone, HeadTraining.Outcome trained, List<byte[]> pngs,
                                   int batch, String name) throws Exception {
        Path state = Files.createTempDirectory("bench-" + name);
        String suffix = "-" + name;
        KeyPair signing = SigningKeys.generate();
        Map<String, Object> settings = new HashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers(),
                "application.id", "bench" + suffix, "http.port", 0, "state.dir", state.toString(),
                "images.topic", "images" + suffix, "predictions.topic", "predictions" + suffix, "dlq.topic", "dlq" + suffix,
                "models.topic", "models" + suffix, "batch.max.size", batch, "batch.max.delay.ms", 20));
        settings.put("models.trusted.keys", SigningKeys.publicBase64(signing.getPublic()));
        StreamsAppConfig config = StreamsAppConfig.of(settings);
        try (StreamsApp app = new StreamsApp(config, backbone).start();
             ModelPublisher publisher = new ModelPublisher(broker.bootstrapServers(), config.modelsTopic(), new VersionSigner(signing))) {
            publisher.publishAndActivate(trained.version(), "bench");
            app.awaitModel(Duration.ofMinutes(1));
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
                 var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(config.predictionsTopic()).stream()
                        .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
                consumer.assign(parts);
                consumer.seekToEnd(parts);
                parts.forEach(consumer::position);
                long t0 = System.nanoTime();
                for (int i = 0; i < pngs.size(); i++) {
                    producer.send(new ProducerRecord<>(config.imagesTopic(), "img-" + i, pngs.get(i)));
                }
                producer.flush();
                Set<String> seen = new HashSet<>();
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (seen.size() < pngs.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.key()));
                }
                if (seen.size() < pngs.size()) {
                    throw new IllegalStateException(name + ": only " + seen.size() + " predictions");
                }
                return pngs.size() / ((System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** Multiply-adds of the default backbone up to pool2, counted as 2 FLOPs each (pooling and ReLU ignored). */
    private static double convFlops() {
        double conv1 = 2.0 * 24 * 24 * 32 * (5 * 5 * 1);
        double conv2 = 2.0 * 8 * 8 * 64 * (5 * 5 * 32);
        return conv1 + conv2;
    }

    private static double sgemmGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        a.mmul(b);
        int reps = 10;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            a.mmul(b);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        return reps * 2.0 * n * n * n / s / 1e9;
    }
}
