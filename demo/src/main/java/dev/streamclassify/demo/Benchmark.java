package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.EmbeddedKafkaBroker;
import dev.streamclassify.kafka.testkit.KafkaBroker;
import dev.streamclassify.model.artifact.ModelVersion;
import dev.streamclassify.model.backbone.Backbone;
import dev.streamclassify.model.backbone.Backbones;
import dev.streamclassify.model.backbone.NativeBuild;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.ImageEncoder;
import dev.streamclassify.model.image.Preprocessor;
import dev.streamclassify.model.inference.Batch;
import dev.streamclassify.model.inference.Classifier;
import dev.streamclassify.model.inference.Prediction;
import dev.streamclassify.model.signing.SigningKeys;
import dev.streamclassify.model.signing.VersionSigner;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.streams.config.StreamsAppConfig;
import dev.streamclassify.streams.features.ImageFeatureCache;
import dev.streamclassify.streams.metrics.ClassifyMetrics;
import io.micrometer.core.instrument.Timer;
import dev.streamclassify.trainer.dataset.Dataset;
import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.features.FeatureCache;
import dev.streamclassify.trainer.publish.ModelPublisher;
import dev.streamclassify.trainer.training.TrainingPipeline;
import dev.streamclassify.trainer.progress.Progress;
import dev.streamclassify.trainer.training.TrainSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Speed as ratios measured in one run on one machine (DESIGN.md section 5, issue 10): the native build, the bare
 * batched forward pass of the default backbone and of the ImageNet MobileNetV2 (nd4j ops vs DL4J layers), streams-app
 * end to end micro-batched vs record-at-a-time on a real broker, latency percentiles at a fixed offered load, swap
 * latency under load, backbone FLOP/s vs sgemm, resident memory drift of a streams-app in its own JVM, and the TF.js
 * WASM peer. Prints a markdown table for docs/benchmarks.md.
 * <p>Sizes are system properties so a short run is possible (defaults in brackets): {@code bench.images} [8000]
 * records per end-to-end figure (default backbone), {@code bench.mobilenet.images} [4000] on MobileNetV2, each after
 * {@code bench.warmup.images} [1000] not counted and taken in {@code bench.rounds} [4] alternating rounds,
 * {@code bench.latency.images} [3000] records at the fixed load, {@code bench.swaps} [20], {@code bench.memory.images}
 * [20000] records streamed during the swaps, {@code bench.swap.rate} [half the batched end-to-end rate] images/s offered
 * during the swaps, {@code bench.memory.warmup} [2000] records through before the memory's start figure,
 * {@code bench.app.jvm} / {@code bench.app.env} extra JVM options / environment of the swap section's streams-app process
 * (see {@link StreamsAppProcess}), {@code bench.bare.images} [512], {@code bench.seconds} [10] longest time per bare-pass figure,
 * {@code bench.stream.threads} [1] stream threads of every streams-app (run with OMP_NUM_THREADS=1 to compare threads
 * with OpenMP threads), {@code bench.peer} [true] runs the node peer, {@code bench.only} [all] comma-separated sections of
 * {@code bare,threads,e2e,latency,swap,flops,peer}.
 */
public final class Benchmark {

    /** The benchmark's own key pair: its services trust only the versions it signs. */
    private static final KeyPair SIGNING = SigningKeys.generate();

    private static final Pattern VERSION = Pattern.compile("\"version\":(\\d+)");

    private final List<String[]> rows = new ArrayList<>();
    private final Set<String> only;

    private Benchmark(Set<String> only) {
        this.only = only;
    }

    public static void main(String[] args) throws Exception {
        String onlyProp = System.getProperty("bench.only", "all");
        new Benchmark(onlyProp.equals("all") ? Set.of() : Set.of(onlyProp.split(","))).run();
    }

    private boolean on(String section) {
        return only.isEmpty() || only.contains(section);
    }

    private static int intProp(String name, int def) {
        return Integer.parseInt(System.getProperty(name, String.valueOf(def)));
    }

    private void row(String measurement, String compared, String figures, String ratio) {
        rows.add(new String[]{measurement, compared, figures, ratio});
        System.out.printf("| %s | %s | %s | %s |%n", measurement, compared, figures, ratio);
    }

    private void run() throws Exception {
        NativeBuild build = NativeBuild.current();
        System.out.printf("native build %s (oneDNN %s) from %s%n", build.classifier(), build.oneDnn(), build.library());
        row("native build", "nd4j-native classifier", build.classifier(), build.oneDnn() ? "oneDNN" : "no oneDNN");
        Dataset target = FashionMnist.sampleTrain().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10));
        Dataset holdout = FashionMnist.sampleTest().withClasses(FashionMnist.CLASS_NAMES.subList(5, 10));
        double sgemm = on("flops") ? sgemmGflops(1024) : Double.NaN;
        double mobileImgPerSecond = Double.NaN;
        Path mobile = mobileNetDescriptor();
        double mobileEndToEnd = Double.NaN;
        if (on("bare") || on("flops") || on("e2e") || on("latency")) {
            try (Backbone backbone = Backbones.fromDescriptor(mobile)) {
                TrainingPipeline.Outcome trained = train(backbone, target.samplePerClass(20, 1), holdout.samplePerClass(10, 1));
                if (on("bare") || on("flops")) {
                    mobileImgPerSecond = bare("MobileNetV2 (ImageNet, 96 px, cut block_10_project_BN, 3x3 pool)", backbone, trained, target, sgemm);
                }
                if (on("e2e") || on("latency")) {
                    int n = intProp("bench.mobilenet.images", 4000);
                    List<byte[]> pngs = new ArrayList<>();
                    for (int i = 0; i < Math.min(Math.max(n, 1000), 2000); i++) {
                        pngs.add(ImageEncoder.png(target.images().get(i % target.size()).image()));
                    }
                    try (KafkaBroker broker = EmbeddedKafkaBroker.start()) {
                        Serving[] s = servings(broker, backbone, trained.version(), "mobilenet", pngs, n, mobileImgPerSecond,
                                "MobileNetV2 backbone");
                        mobileEndToEnd = s[0] == null ? Double.NaN : s[0].rate();
                    }
                }
            }
        }
        try (Backbone backbone = Backbones.loadDefault()) {
            // the head's accuracy is not measured here, only its speed: a few labels per class make it
            TrainingPipeline.Outcome trained = train(backbone, target.samplePerClass(50, 1), holdout.samplePerClass(10, 1));
            double bareBatched = on("bare") || on("flops") ? bare("default backbone (28 px, cut pool2)", backbone, trained, target, sgemm) : Double.NaN;
            if (on("e2e") || on("latency") || on("swap")) {
                streaming(backbone, trained, target, bareBatched);
            }
        }
        if (on("peer") && Boolean.parseBoolean(System.getProperty("bench.peer", "true"))) {
            peer(mobile, mobileImgPerSecond, mobileEndToEnd);
        }
        System.out.printf("%n| measurement | compared | figures | ratio |%n|---|---|---|---|%n");
        for (String[] r : rows) {
            System.out.printf("| %s | %s | %s | %s |%n", (Object[]) r);
        }
        System.out.printf("%nmachine: %d cores, %s %s, %s, native build %s, load average at the end %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("os.arch"), build.classifier(), loadAverage());
    }

    private static TrainingPipeline.Outcome train(Backbone backbone, Dataset train, Dataset holdout) throws Exception {
        return TrainingPipeline.run(backbone, FeatureCache.inMemory(backbone.info().featureSize()), train, holdout,
                HeadConfig.DEFAULT, new TrainSettings(5, 64, 0, 1), "default", 1, Clock.systemUTC(), Progress.none());
    }

    /**
     * Bare forward pass: backbone + head at batch 32 vs 1, nd4j ops vs DL4J layers, OpenMP threads vs caller threads,
     * decode/resize apart from the forward pass, and FLOP/s vs sgemm. The figures of one row are taken in alternating
     * rounds over the same inputs, so load that drifts during the run hits both sides alike.
     */
    private double bare(String name, Backbone backbone, TrainingPipeline.Outcome trained, Dataset images, double sgemm) throws Exception {
        int n = Math.max(64, intProp("bench.bare.images", 512) / 32 * 32);
        Preprocessor pre = new Preprocessor(backbone.info().preprocessing());
        List<float[]> inputs = new ArrayList<>();
        List<byte[]> pngs = new ArrayList<>();
        for (int i = 0; i < Math.min(n, 256); i++) {
            inputs.add(pre.apply(images.images().get(i % images.size()).image()));
            pngs.add(ImageEncoder.png(images.images().get(i % images.size()).image()));
        }
        while (inputs.size() < n) {
            inputs.add(inputs.get(inputs.size() % 256));
        }
        String path = backbone.inference().path();
        int omp = ompThreads();
        double[] r;
        try (Classifier c = Classifier.load(trained.version(), backbone)) {
            c.warmUp(32);
            Function<List<float[]>, Object> classify = b -> {
                try (INDArray batch = Batch.of(pre.spec(), b)) {
                    return c.classify(batch, 3);
                }
            };
            // DL4J's layers in rounds of their own: alternated with the nd4j-op passes they slowed those by up to half
            // (their allocations), which made the bare figure of 2/1 the least stable of the run
            double[] ops = rates(inputs, List.of(new Pass(32, 1, omp, classify), new Pass(1, 1, omp, classify)));
            double[] layers = rates(inputs, List.of(new Pass(32, 1, omp, features(backbone, pre, false)),
                    new Pass(32, 1, omp, features(backbone, pre, true))));
            r = new double[]{ops[0], ops[1], layers[0], layers[1]};
            double[] cold = newThreadPasses(classify, inputs.subList(0, 32), 8);
            row("a new thread's passes, " + name, "backbone + head at batch 32 on a thread that never ran it: 1st vs 8th pass",
                    String.format("%.0f vs %.0f ms", cold[0], cold[1]), String.format("%.1fx", cold[0] / cold[1]));
        }
        row("bare forward pass, " + name, "backbone + head, batch 32 vs batch 1 (" + path + ", " + omp + " OpenMP threads)",
                String.format("%.0f vs %.0f img/s", r[0], r[1]), String.format("%.1fx", r[0] / r[1]));
        row("bare backbone, " + name, "nd4j ops vs DL4J layers, batch 32",
                String.format("%.0f vs %.0f img/s", r[2], r[3]), String.format("%.1fx", r[2] / r[3]));
        if (on("threads") && "nd4j-ops".equals(path)) {
            Function<List<float[]>, Object> ops = features(backbone, pre, false);
            int cores = Runtime.getRuntime().availableProcessors();
            double[] t = rates(inputs, List.of(new Pass(32, 1, cores, ops), new Pass(32, cores, 1, ops), new Pass(32, 1, 1, ops),
                    new Pass(1, 1, cores, ops), new Pass(1, cores, 1, ops), new Pass(1, 1, 1, ops)));
            ompThreads(omp);
            row("threads, bare backbone, " + name, String.format("batch 32 / batch 1: 1 caller x %d OpenMP vs %d callers x 1 OpenMP vs 1 x 1", cores, cores),
                    String.format("%.0f / %.0f vs %.0f / %.0f vs %.0f / %.0f img/s", t[0], t[3], t[1], t[4], t[2], t[5]),
                    String.format("callers/OpenMP %.2f / %.2f", t[1] / t[0], t[4] / t[3]));
        }
        double decode = decodeRate(pre, pngs);
        row("decode + resize + normalise (PNG record -> input), " + name, "1 thread, vs backbone + head at batch 32",
                String.format("%.0f vs %.0f img/s", decode, r[0]), String.format("decode = %.0f%% of the per-image time", 100 * r[0] / (decode + r[0])));
        if (on("flops")) {
            double macs = backbone.multiplyAddsPerImage();
            double gflops = r[2] * 2 * macs / 1e9;
            double layerGflops = r[3] * 2 * macs / 1e9;
            row("backbone arithmetic rate, " + name, "conv layers at batch 32 (nd4j ops / DL4J layers) vs sgemm 1024^3",
                    String.format("%.1f / %.1f vs %.1f GFLOP/s (%.1f MFLOP/img)", gflops, layerGflops, sgemm, 2 * macs / 1e6),
                    String.format("%.3f / %.3f", gflops / sgemm, layerGflops / sgemm));
        }
        return r[0];
    }

    private static Function<List<float[]>, Object> features(Backbone backbone, Preprocessor pre, boolean layers) {
        return b -> {
            try (INDArray batch = Batch.of(pre.spec(), b)) {
                return layers ? backbone.layerFeatures(batch) : backbone.features(batch);
            }
        };
    }

    /**
     * Milliseconds of the first and the last of {@code passes} passes on a fresh thread: why streams-app warms every
     * model up on its inference lanes before serving, and why an end-to-end run starts with a warm-up.
     */
    private static double[] newThreadPasses(Function<List<float[]>, Object> classify, List<float[]> batch, int passes) throws InterruptedException {
        double[] ms = new double[passes];
        Thread t = new Thread(() -> {
            for (int i = 0; i < passes; i++) {
                long t0 = System.nanoTime();
                release(classify.apply(batch));
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }, "bench-new-thread");
        t.start();
        t.join();
        return new double[]{ms[0], ms[passes - 1]};
    }

    /** PNG bytes to the network's input (decode, resize, normalise) on one thread, images/s. */
    private static double decodeRate(Preprocessor pre, List<byte[]> pngs) throws Exception {
        for (byte[] png : pngs.subList(0, Math.min(32, pngs.size()))) {
            pre.fromEncoded(png);
        }
        long t0 = System.nanoTime();
        int done = 0;
        while (done < 4 * pngs.size() && (done < pngs.size() || System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2))) {
            pre.fromEncoded(pngs.get(done++ % pngs.size()));
        }
        return done / ((System.nanoTime() - t0) / 1e9);
    }

    /** One way of running passes: images per pass, how many caller threads share a round's images, OpenMP threads. */
    private record Pass(int batch, int callers, int ompThreads, Function<List<float[]>, Object> run) {
    }

    /**
     * Images/s of each pass, measured in rounds of 32 images (each pass once per round, in turn) until the inputs are
     * used up or a pass has spent {@code bench.seconds} [10]; every pass is warmed up first.
     */
    private static double[] rates(List<float[]> inputs, List<Pass> passes) throws Exception {
        int round = 32;
        long budget = TimeUnit.SECONDS.toNanos(intProp("bench.seconds", 10));
        long[] nanos = new long[passes.size()];
        int[] done = new int[passes.size()];
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newCachedThreadPool();
        try {
            for (Pass p : passes) {
                runRound(p, inputs.subList(0, round), callers);
            }
            for (int at = 0; at + round <= inputs.size(); at += round) {
                boolean any = false;
                for (int k = 0; k < passes.size(); k++) {
                    if (done[k] > 0 && nanos[k] > budget) {
                        continue;
                    }
                    long t0 = System.nanoTime();
                    runRound(passes.get(k), inputs.subList(at, at + round), callers);
                    nanos[k] += System.nanoTime() - t0;
                    done[k] += round;
                    any = true;
                }
                if (!any) {
                    break;
                }
            }
        } finally {
            callers.shutdownNow();
        }
        double[] rates = new double[passes.size()];
        for (int k = 0; k < rates.length; k++) {
            rates[k] = done[k] / (nanos[k] / 1e9);
        }
        return rates;
    }

    /** The round's images split among the pass's callers, each running batches of the pass's size on its own thread. */
    private static void runRound(Pass p, List<float[]> images, java.util.concurrent.ExecutorService callers) throws Exception {
        ompThreads(p.ompThreads());
        if (p.callers() == 1) {
            for (int i = 0; i < images.size(); i += p.batch()) {
                release(p.run().apply(images.subList(i, Math.min(images.size(), i + p.batch()))));
            }
            return;
        }
        int share = images.size() / p.callers();
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (int c = 0; c < p.callers(); c++) {
            List<float[]> mine = images.subList(c * share, c == p.callers() - 1 ? images.size() : (c + 1) * share);
            running.add(callers.submit(() -> {
                ompThreads(p.ompThreads());
                for (int i = 0; i < mine.size(); i += p.batch()) {
                    release(p.run().apply(mine.subList(i, Math.min(mine.size(), i + p.batch()))));
                }
                return null;
            }));
        }
        for (var f : running) {
            f.get();
        }
    }

    /** OpenMP threads of libnd4j's ops (and oneDNN's), process-wide; what OMP_NUM_THREADS sets at start. */
    private static int ompThreads() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    private static void ompThreads(int n) {
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
    }

    private static void release(Object out) {
        if (out instanceof INDArray a && a.closeable()) {
            a.close();
        }
    }

    /** End to end, latency at a fixed load, swaps under load and memory, all on one embedded broker. */
    private void streaming(Backbone backbone, TrainingPipeline.Outcome trained, Dataset target, double bareBatched) throws Exception {
        int images = intProp("bench.images", 8000);
        List<byte[]> pngs = new ArrayList<>();
        for (int i = 0; i < Math.max(images, 1000); i++) {
            pngs.add(ImageEncoder.png(target.images().get(i % target.size()).image()));
        }
        try (KafkaBroker broker = EmbeddedKafkaBroker.start()) {
            double e2eBatched = Double.NaN;
            if (on("e2e") || on("latency")) {
                Serving batched = servings(broker, backbone, trained.version(), "default", pngs, images, bareBatched, "default backbone")[0];
                e2eBatched = batched == null ? Double.NaN : batched.rate();
            }
            if (on("e2e")) {
                try (Running app = Running.start(broker, backbone, trained.version(), "cached", BATCHED, 10_000)) {
                    List<byte[]> unique = pngs.subList(0, Math.min(images, target.size()));
                    double first = app.throughput(unique);
                    double again = app.throughput(unique);
                    row("feature cache (feature.cache.max.entries 10000), default backbone, " + unique.size() + " distinct PNG records sent twice",
                            "end to end: second sending (identical bytes) vs first", String.format("%.0f vs %.0f img/s; hit ratio %.2f", again, first,
                                    app.app.meterRegistry().get(ImageFeatureCache.HIT_RATIO).gauge().value()),
                            String.format("%.2fx", again / first));
                }
            }
            if (on("swap")) {
                double rate = System.getProperty("bench.swap.rate") != null ? Double.parseDouble(System.getProperty("bench.swap.rate"))
                        : Double.isNaN(e2eBatched) ? 100 : Math.floor(0.5 * e2eBatched);
                swaps(broker, trained.version(), pngs, rate);
            }
        }
    }

    /** The first {@code n} of {@code pngs} repeated as often as needed. */
    private static List<byte[]> cycle(List<byte[]> pngs, int n) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(pngs.get(i % pngs.size()));
        }
        return out;
    }

    /** Batched on an inference lane: the product's default way of serving. */
    static final Setup BATCHED = new Setup(32, 1);
    /** Batched, passes on the stream thread (inference.lanes 0): what the lane adds. */
    static final Setup BATCHED_ON_STREAM_THREAD = new Setup(32, 0);
    /** One forward pass per record inside the topology, on the stream thread: the way embedded-model examples serve. */
    static final Setup RECORD_AT_A_TIME = new Setup(1, 0);

    /** How an app under test serves: batch.max.size and inference.lanes. */
    record Setup(int batch, int lanes) {
    }

    /** A serving's measured rate and where its time went. */
    record Serving(double rate, String split) {
    }

    /**
     * Figures 2 and 3 of the issue, and 2/1: the three setups each on their own app and topics, each warmed up
     * ({@code bench.warmup.images} [1000] records, not counted: a new app's first passes are slower), then measured in
     * {@code bench.rounds} [4] alternating rounds so that load drifting during the run hits all alike; then, if
     * the latency section is on, latency at a fixed offered load. @return the servings, batched on a lane first
     */
    private Serving[] servings(KafkaBroker broker, Backbone backbone, ModelVersion version, String name, List<byte[]> pngs, int n,
                               double bare, String what) throws Exception {
        int warmup = intProp("bench.warmup.images", 1000);
        int rounds = Math.max(1, intProp("bench.rounds", 4));
        List<Setup> setups = List.of(BATCHED, BATCHED_ON_STREAM_THREAD, RECORD_AT_A_TIME);
        List<Running> apps = new ArrayList<>();
        try {
            for (Setup setup : setups) {
                Running app = Running.start(broker, backbone, version, name + "-" + setup.batch() + "-" + setup.lanes(), setup, 0);
                apps.add(app);
                app.throughput(pngs.subList(0, Math.min(warmup, pngs.size())));
            }
            Serving[] out = new Serving[setups.size()];
            if (on("e2e")) {
                apps.forEach(Running::resetTotals);
                int per = Math.max(1, n / rounds);
                for (int r = 0; r < rounds; r++) {
                    for (Running app : apps) {
                        app.throughput(cycle(pngs, per));
                    }
                }
                for (int i = 0; i < apps.size(); i++) {
                    out[i] = new Serving(apps.get(i).totalRate(), apps.get(i).totalSplit());
                }
                row("streams-app end to end, " + what + " (" + per * rounds + " PNG records each, " + rounds
                                + " alternating rounds after " + warmup + " to warm up; fast producer, real broker)",
                        "batched on an inference lane (2) vs batched on the stream thread vs record-at-a-time (3)",
                        String.format("%.0f vs %.0f vs %.0f img/s", out[0].rate(), out[1].rate(), out[2].rate()),
                        String.format("2/3 = %.1fx; lane %.2fx", out[0].rate() / out[2].rate(), out[0].rate() / out[1].rate()));
                row("streams-app end to end vs bare forward pass, " + what, "both batched (32) (2/1)",
                        String.format("%.0f vs %s img/s", out[0].rate(), Double.isNaN(bare) ? "not run (bare)" : String.format("%.0f", bare)),
                        "2/1 = " + ratio(out[0].rate(), bare));
                row("where the " + what + "'s end-to-end time went", "batched on a lane: batches formed; passes' share of the wall "
                        + "time; stream thread waiting for the lane", out[0].split(), "");
            }
            if (on("latency")) {
                int count = intProp("bench.latency.images", 3000);
                double single = out[2] != null ? out[2].rate() : apps.get(2).totalRate();
                double offered = Math.floor(0.5 * single);
                double[] batched = apps.get(0).latencies(cycle(pngs, count), offered);
                double[] one = apps.get(2).latencies(cycle(pngs, count), offered);
                row("end-to-end latency, " + what + ", at " + (int) offered + " img/s offered (half of record-at-a-time saturation), "
                                + count + " records", "batched on a lane (2) vs record-at-a-time (3): p50 / p95 / p99",
                        String.format("%.0f / %.0f / %.0f ms vs %.0f / %.0f / %.0f ms", batched[0], batched[1], batched[2], one[0], one[1], one[2]),
                        String.format("p99 %.2f", batched[2] / one[2]));
            }
            return out;
        } finally {
            apps.forEach(Running::close);
        }
    }

    /**
     * Swaps under load, and the memory of the app that served them. The app runs in its own JVM, launched as deployed
     * ({@link StreamsAppProcess}), so its resident set holds neither the broker nor the load generator; "start" is taken
     * once the model is loaded and {@code bench.memory.warmup} images have gone through (the first passes size the
     * forward pass's workspace), after a full GC in the app.
     */
    private void swaps(KafkaBroker broker, ModelVersion v1, List<byte[]> pngs, double rate) throws Exception {
        int swaps = intProp("bench.swaps", 20);
        int total = intProp("bench.memory.images", 20000);
        int warmUp = intProp("bench.memory.warmup", 2000);
        try (Running app = Running.inOwnProcess(broker, v1, "swaps", BATCHED)) {
            StreamsAppProcess process = app.process;
            for (int v = 2; v <= swaps + 1; v++) {
                app.publisher.publish(v1.withVersion(v));
            }
            List<byte[]> warm = new ArrayList<>();
            for (int i = 0; i < warmUp; i++) {
                warm.add(pngs.get(i % pngs.size()));
            }
            app.sendAndAwait(warm);
            StreamsAppProcess.Memory start = process.memory();
            boolean nmt = process.nativeMemoryTracking();
            if (nmt) {
                process.jcmd("VM.native_memory", "baseline");
            }
            Thread producer = app.paced(pngs, total, rate);
            List<Double> swapMs = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60) + (long) (total / rate * 3e9);
            int done = 0;
            long pending = -1;
            long activatedAt = 0;
            int version = 1;
            while ((seen.size() < total || done < swaps) && System.nanoTime() < deadline) {
                if (pending < 0 && done < swaps && seen.size() >= (long) (done + 1) * total / (swaps + 1)) {
                    version++;
                    activatedAt = app.publisher.activate(v1.name(), version, "swap-" + version).timestamp();
                    pending = version;
                }
                for (ConsumerRecord<String, String> r : app.consumer.poll(Duration.ofMillis(20))) {
                    seen.add(r.key());
                    if (pending > 0) {
                        Matcher m = VERSION.matcher(r.value());
                        if (m.find() && Long.parseLong(m.group(1)) == pending) {
                            swapMs.add((double) (System.currentTimeMillis() - activatedAt));
                            pending = -1;
                            done++;
                        }
                    }
                }
            }
            producer.join();
            StreamsAppProcess.Memory end = process.memory();
            // how much of the rest is memory glibc's malloc holds free (fragmentation, arenas) rather than live data
            System.out.println("streams-app, jcmd System.trim_native_heap after the end figure: " + process.jcmd("System.trim_native_heap").strip());
            if (nmt) {
                System.out.println("streams-app native memory since the start figure (jcmd VM.native_memory summary.diff):");
                System.out.println(process.jcmd("VM.native_memory", "summary.diff", "scale=MB"));
            }
            double[] p = percentiles(swapMs.stream().mapToDouble(Double::doubleValue).toArray());
            row("swap latency under " + (int) rate + " img/s offered (activation append -> first prediction of the version)",
                    done + " swaps: p50 / p99 / max; predictions for all " + total + " images",
                    String.format("%.0f / %.0f / %.0f ms; %d of %d predicted", p[0], p[2], p[3], seen.size(), total),
                    seen.size() == total ? "nothing lost" : (total - seen.size()) + " missing");
            row("resident memory of the streams-app process (own JVM, deployed options), start (model loaded, " + warmUp
                            + " images through, after GC) vs after " + total + " images and " + done + " swaps",
                    "RSS; JavaCPP physical bytes",
                    String.format("%s; %s", mb(start.rss(), end.rss()), mb(start.javacppPhysical(), end.javacppPhysical())),
                    String.format("drift %s / %s", percent(start.rss(), end.rss()), percent(start.javacppPhysical(), end.javacppPhysical())));
            row("where the app's resident memory went over the same run",
                    "Java heap committed (in use after GC); non-heap committed; RocksDB (memtables, block cache); ND4J-tracked + JavaCPP-allocated native; the rest (RSS minus those)",
                    String.format("%s (%s); %s; %s; %s + %s; %s", mb(start.heapCommitted(), end.heapCommitted()), mb(start.heapUsed(), end.heapUsed()),
                            mb(start.nonHeapCommitted(), end.nonHeapCommitted()), mb(start.rocksDb(), end.rocksDb()),
                            mb(start.nd4jTracked(), end.nd4jTracked()), mb(start.javacppAllocated(), end.javacppAllocated()),
                            mb(start.untracked(), end.untracked())),
                    String.format("%+.0f MB (%+.0f) / %+.0f / %+.0f / %+.0f / %+.0f MB", (end.heapCommitted() - start.heapCommitted()) / 1e6,
                            (end.heapUsed() - start.heapUsed()) / 1e6, (end.nonHeapCommitted() - start.nonHeapCommitted()) / 1e6,
                            (end.rocksDb() - start.rocksDb()) / 1e6,
                            (end.nd4jTracked() + end.javacppAllocated() - start.nd4jTracked() - start.javacppAllocated()) / 1e6,
                            (end.untracked() - start.untracked()) / 1e6));
        }
    }

    private static String mb(long start, long end) {
        return String.format("%.0f -> %.0f MB", start / 1e6, end / 1e6);
    }

    private static String percent(long start, long end) {
        return String.format("%+.1f%%", 100.0 * (end - start) / start);
    }

    /** One streams-app on its own topics, with a producer, a predictions consumer at the end, and a model publisher. */
    private static final class Running implements AutoCloseable {
        /** The app in this JVM; null when it runs in its own process. */
        final StreamsApp app;
        /** The app's own process; null when it runs in this JVM. */
        final StreamsAppProcess process;
        final StreamsAppConfig config;
        final ModelPublisher publisher;
        final KafkaProducer<String, byte[]> producer;
        final KafkaConsumer<String, String> consumer;
        private int produced;

        private Running(StreamsApp app, StreamsAppProcess process, StreamsAppConfig config, ModelPublisher publisher,
                        KafkaProducer<String, byte[]> producer, KafkaConsumer<String, String> consumer) {
            this.app = app;
            this.process = process;
            this.config = config;
            this.publisher = publisher;
            this.producer = producer;
            this.consumer = consumer;
        }

        /** An app in this JVM; without the feature cache unless asked: the benchmark sends the same images more than once. */
        static Running start(KafkaBroker broker, Backbone backbone, ModelVersion version, String name, Setup setup,
                             int cacheEntries) throws Exception {
            Path state = Files.createTempDirectory("bench-" + name);
            StreamsAppConfig config = StreamsAppConfig.of(settings(broker, name, setup, cacheEntries, state));
            StreamsApp app = new StreamsApp(config, backbone).start();
            ModelPublisher publisher = new ModelPublisher(broker.bootstrapServers(), config.modelsTopic(), new VersionSigner(SIGNING));
            publisher.publishAndActivate(version, "bench");
            if (app.awaitModel(Duration.ofMinutes(2)).isEmpty()) {
                app.close();
                publisher.close();
                throw new IllegalStateException(name + ": " + version.id() + " was not loaded within 2 minutes");
            }
            return clients(broker, app, null, config, publisher);
        }

        /**
         * The app in its own JVM as deployed ({@link StreamsAppProcess}): classpath from {@code bench.app.classpath} (the
         * benchmark profile sets it from the build) or this JVM's; {@code bench.app.jvm} adds JVM options and
         * {@code bench.app.env} environment variables (space-separated NAME=value), for experiments.
         */
        static Running inOwnProcess(KafkaBroker broker, ModelVersion version, String name, Setup setup) throws Exception {
            Path state = Files.createTempDirectory("bench-" + name);
            Map<String, Object> settings = settings(broker, name, setup, 0, state);
            StreamsAppConfig config = StreamsAppConfig.of(settings);
            Map<String, String> env = new HashMap<>();
            for (String e : System.getProperty("bench.app.env", "").trim().split("\\s+")) {
                if (!e.isEmpty()) {
                    env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
                }
            }
            List<String> jvm = Arrays.stream(System.getProperty("bench.app.jvm", "").trim().split("\\s+")).filter(o -> !o.isEmpty()).toList();
            StreamsAppProcess process = StreamsAppProcess.start(repository(), System.getProperty("bench.app.classpath",
                    System.getProperty("java.class.path")), settings, jvm, env, state);
            ModelPublisher publisher = new ModelPublisher(broker.bootstrapServers(), config.modelsTopic(), new VersionSigner(SIGNING));
            try {
                publisher.publishAndActivate(version, "bench");
                process.awaitServing(version.id(), Duration.ofMinutes(3));
            } catch (RuntimeException e) {
                publisher.close();
                process.close();
                throw e;
            }
            return clients(broker, null, process, config, publisher);
        }

        private static Map<String, Object> settings(KafkaBroker broker, String name, Setup setup, int cacheEntries, Path state) {
            String suffix = "-" + name;
            return Map.ofEntries(Map.entry("bootstrap.servers", broker.bootstrapServers()),
                    Map.entry("application.id", "bench" + suffix), Map.entry("http.port", 0), Map.entry("state.dir", state.toString()),
                    Map.entry("images.topic", "images" + suffix), Map.entry("predictions.topic", "predictions" + suffix),
                    Map.entry("dlq.topic", "dlq" + suffix), Map.entry("models.topic", "models" + suffix),
                    Map.entry("batch.max.size", setup.batch()), Map.entry("inference.lanes", setup.lanes()),
                    Map.entry("batch.max.delay.ms", 20),
                    Map.entry("num.stream.threads", intProp("bench.stream.threads", 1)),
                    Map.entry("feature.cache.max.entries", cacheEntries),
                    Map.entry("models.trusted.keys", SigningKeys.publicBase64(SIGNING.getPublic())));
        }

        private static Running clients(KafkaBroker broker, StreamsApp app, StreamsAppProcess process, StreamsAppConfig config,
                                       ModelPublisher publisher) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> parts = consumer.partitionsFor(config.predictionsTopic()).stream()
                    .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            return new Running(app, process, config, publisher, producer, consumer);
        }

        /** Sends every image as fast as the producer takes them and waits for all their predictions. */
        void sendAndAwait(List<byte[]> pngs) {
            Set<String> ids = new HashSet<>();
            for (byte[] png : pngs) {
                String id = "img-" + produced++;
                ids.add(id);
                producer.send(new ProducerRecord<>(config.imagesTopic(), id, png));
            }
            producer.flush();
            awaitAll(ids, Duration.ofMinutes(10), null);
        }

        /** Sends every image as fast as the producer takes them; images/s from first send to last prediction read. */
        double throughput(List<byte[]> pngs) {
            Timer inference = app.meterRegistry().get(ClassifyMetrics.INFERENCE).timer();
            Timer wait = app.meterRegistry().get(ClassifyMetrics.LANE_WAIT).timer();
            long batches0 = inference.count();
            double inferenceMs0 = inference.totalTime(TimeUnit.MILLISECONDS);
            double waitMs0 = wait.totalTime(TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            sendAndAwait(pngs);
            double seconds = (System.nanoTime() - t0) / 1e9;
            images += pngs.size();
            wallSeconds += seconds;
            batches += inference.count() - batches0;
            inferenceMs += inference.totalTime(TimeUnit.MILLISECONDS) - inferenceMs0;
            waitMs += wait.totalTime(TimeUnit.MILLISECONDS) - waitMs0;
            String lastSplit = split(pngs.size(), inference.count() - batches0, inference.totalTime(TimeUnit.MILLISECONDS) - inferenceMs0,
                    wait.totalTime(TimeUnit.MILLISECONDS) - waitMs0, seconds);
            System.out.printf("%s: %d images at %.0f img/s; %s%n", config.applicationId(), pngs.size(), pngs.size() / seconds, lastSplit);
            return pngs.size() / seconds;
        }

        private static String split(long images, long batches, double inferenceMs, double waitMs, double seconds) {
            return String.format("%d batches of %.1f images on average; forward passes took %.0f%% of the %.1f s; the stream "
                    + "thread waited for the lane %.0f%% of it", batches, images / (double) Math.max(1, batches),
                    100 * inferenceMs / (seconds * 1000), seconds, 100 * waitMs / (seconds * 1000));
        }

        private long images;
        private double wallSeconds;
        private long batches;
        private double inferenceMs;
        private double waitMs;

        void resetTotals() {
            images = 0;
            wallSeconds = 0;
            batches = 0;
            inferenceMs = 0;
            waitMs = 0;
        }

        /** Images/s over every {@link #throughput} run since {@link #resetTotals}. */
        double totalRate() {
            return images / wallSeconds;
        }

        String totalSplit() {
            return split(images, batches, inferenceMs, waitMs, wallSeconds);
        }

        /** Paced sends at {@code rate}/s; per-image latency from send to prediction read, p50/p95/p99/max in ms. */
        double[] latencies(List<byte[]> pngs, double rate) throws InterruptedException {
            Map<String, Long> sent = new ConcurrentHashMap<>();
            Thread t = paced(pngs, pngs.size(), rate, sent);
            Map<String, Long> received = new HashMap<>();
            awaitAll(null, Duration.ofMinutes(10), received, pngs.size());
            t.join();
            double[] ms = received.entrySet().stream().mapToDouble(e -> (e.getValue() - sent.get(e.getKey())) / 1e6).toArray();
            return percentiles(ms);
        }

        Thread paced(List<byte[]> pngs, int total, double rate) {
            return paced(pngs, total, rate, null);
        }

        /** A load generator thread: image i leaves at t0 + i / rate (no catching up in bursts beyond that schedule). */
        private Thread paced(List<byte[]> pngs, int total, double rate, Map<String, Long> sent) {
            int first = produced;
            produced += total;
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long due = t0 + (long) (i * 1e9 / rate);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    String id = "img-" + (first + i);
                    if (sent != null) {
                        sent.put(id, System.nanoTime());
                    }
                    producer.send(new ProducerRecord<>(config.imagesTopic(), id, pngs.get(i % pngs.size())));
                    producer.flush();
                }
            }, "bench-load");
            t.start();
            return t;
        }

        private void awaitAll(Set<String> ids, Duration timeout, Map<String, Long> received) {
            awaitAll(ids, timeout, received, ids.size());
        }

        private void awaitAll(Set<String> ids, Duration timeout, Map<String, Long> received, int expected) {
            Set<String> seen = new HashSet<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(5))) {
                    if (seen.add(r.key()) && received != null) {
                        received.put(r.key(), System.nanoTime());
                    }
                }
            }
            if (seen.size() < expected) {
                throw new IllegalStateException(config.applicationId() + ": only " + seen.size() + " of " + expected + " predictions");
            }
        }

        @Override
        public void close() {
            consumer.close();
            producer.close();
            publisher.close();
            if (app != null) {
                app.close();
            }
            if (process != null) {
                process.close();
            }
        }
    }

    /** p50, p95, p99, max. */
    private static double[] percentiles(double[] values) {
        if (values.length == 0) {
            return new double[]{Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return new double[]{v[(int) Math.floor(0.50 * (v.length - 1))], v[(int) Math.floor(0.95 * (v.length - 1))],
                v[(int) Math.floor(0.99 * (v.length - 1))], v[v.length - 1]};
    }

    /** The TF.js WASM peer on the same machine (scripts/tfjs-reference/reference.js --bench), same model, cut and size. */
    private void peer(Path descriptor, double javaImgPerSecond, double javaEndToEnd) throws Exception {
        Path dir = descriptor.getParent();
        Path scripts = dir.getParent().getParent().resolve("scripts/tfjs-reference");
        try {
            if (!Files.isDirectory(scripts.resolve("node_modules"))) {
                exec(scripts, List.of("npm", "ci", "--silent", "--no-audit", "--no-fund"));
            }
            String out = exec(scripts, List.of("node", "reference.js", "--model", dir.resolve("model.json").toString(), "--size", "96",
                    "--cut", "block_10_project_BN", "--bench", "256", "--batch", "32", "--backend", "wasm"));
            Matcher m = Pattern.compile("= ([0-9.]+) img/s").matcher(out);
            if (!m.find()) {
                throw new IOException("no rate in: " + out);
            }
            double peer = Double.parseDouble(m.group(1));
            int cores = Runtime.getRuntime().availableProcessors();
            row("TF.js 4.22 WASM (XNNPACK, 1 thread in node, bare batched pass) vs ours, MobileNetV2 96 px to block_10_project_BN",
                    "img/s per core: peer (1 core) vs our bare pass / our streams-app end to end (" + cores + " cores)",
                    String.format("%.1f vs %s / %s img/s per core", peer, perCore(javaImgPerSecond, cores, "bare"), perCore(javaEndToEnd, cores, "e2e")),
                    String.format("%s / %s", ratio(javaImgPerSecond / cores, peer), ratio(javaEndToEnd / cores, peer)));
        } catch (IOException e) {
            row("TF.js WASM peer", "not measured", e.getMessage().replace('|', '/'), "-");
        }
    }

    /** A figure per core, or "not run" when its section was left out by {@code bench.only} (never "NaN"). */
    private static String perCore(double imgPerSecond, int cores, String section) {
        return Double.isNaN(imgPerSecond) ? "not run (" + section + " not in bench.only)" : String.format("%.1f", imgPerSecond / cores);
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "not run" : String.format("%.2f", a / b);
    }

    private static String exec(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                out.append(line).append('\n');
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.toString().strip());
        }
        return out.toString();
    }

    /** The repository root (the directory holding {@code deploy/streams-app/Dockerfile}), searched upwards from here. */
    private static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(StreamsAppProcess.DOCKERFILE))) {
                return p;
            }
        }
        throw new IllegalStateException(StreamsAppProcess.DOCKERFILE + " not found: run from the repository");
    }

    private static Path mobileNetDescriptor() {
        Path d = repository().resolve("backbones/mobilenet-v2-nsfwjs/backbone.json");
        if (!Files.isRegularFile(d)) {
            throw new IllegalStateException(d + " not found: run from the repository");
        }
        return d;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double sgemmGflops(int n) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        a.mmul(b);
        int reps = 10;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            a.mmul(b).close();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        return reps * 2.0 * n * n * n / s / 1e9;
    }
}
