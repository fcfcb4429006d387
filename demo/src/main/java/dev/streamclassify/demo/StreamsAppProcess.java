package dev.streamclassify.demo;

import dev.streamclassify.kafka.testkit.Await;
import dev.streamclassify.streams.StreamsApp;
import dev.streamclassify.service.JavaCppMetrics;
import org.bytedeco.javacpp.Loader;

import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * streams-app in a JVM of its own, started the way it is deployed: {@link StreamsApp}'s main with the JVM options and
 * process environment of {@code deploy/streams-app/Dockerfile} (its {@code ENV} lines other than {@code CLASSIFY_*}
 * settings: {@code JAVA_TOOL_OPTIONS}, {@code OMP_NUM_THREADS}, ...), its settings from a properties file. What the
 * benchmark measures of it (resident set, its own {@code /metrics}) is then the app's alone, not the broker's, the load
 * generator's or the benchmark's own bookkeeping. Not thread-safe; {@link #close()} stops the process (SIGTERM, then a
 * kill after a deadline).
 */
final class StreamsAppProcess implements AutoCloseable {

    /** Where the deployed image's JVM options and process environment are declared. */
    static final String DOCKERFILE = "deploy/streams-app/Dockerfile";

    private static final Pattern ENV_ENTRY = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"([^\"]*)\"|(\\S+))");

    private final Process process;
    private final int httpPort;
    private final Path log;
    private final boolean nativeMemoryTracking;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StreamsAppProcess(Process process, int httpPort, Path log, boolean nativeMemoryTracking) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
        this.nativeMemoryTracking = nativeMemoryTracking;
    }

    /**
     * Starts the app on {@code classpath} with {@code settings} (names as in StreamsAppConfig; {@code http.port} is
     * chosen here), the deployed JVM options and environment, plus {@code extraJvmOptions} and {@code extraEnv} (they
     * win). Its output goes to {@code dir/streams-app.log}.
     */
    static StreamsAppProcess start(Path repository, String classpath, Map<String, Object> settings, List<String> extraJvmOptions,
                                   Map<String, String> extraEnv, Path dir) throws IOException {
        int port = freePort();
        Properties p = new Properties();
        settings.forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        p.setProperty("http.port", String.valueOf(port));
        Path config = dir.resolve("streams-app.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "written by the benchmark");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the image unpacks JavaCPP's libraries into a directory of its own; here the benchmark's cache serves
        command.add("-Dorg.bytedeco.javacpp.cachedir=" + Loader.getCacheDir());
        command.addAll(extraJvmOptions);
        command.addAll(List.of("-cp", classpath, StreamsApp.class.getName(), "--config", config.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Path log = dir.resolve("streams-app.log");
        pb.redirectOutput(log.toFile());
        Map<String, String> env = new LinkedHashMap<>(deployedEnvironment(repository.resolve(DOCKERFILE)));
        env.putAll(extraEnv);
        pb.environment().putAll(env);
        System.out.printf("streams-app in its own JVM: environment %s, extra JVM options %s, log %s%n", env, extraJvmOptions, log);
        boolean nmt = (String.join(" ", extraJvmOptions) + " " + env.get("JAVA_TOOL_OPTIONS")).matches(".*-XX:NativeMemoryTracking=(summary|detail).*");
        return new StreamsAppProcess(pb.start(), port, log, nmt);
    }

    /**
     * The process environment the image sets ({@code ENV} instructions of the Dockerfile), without the app's own
     * {@code CLASSIFY_*} settings, which the benchmark gives itself.
     */
    static Map<String, String> deployedEnvironment(Path dockerfile) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        StringBuilder instruction = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile, StandardCharsets.UTF_8)) {
            if (line.stripLeading().startsWith("#")) {
                continue;
            }
            instruction.append(line.strip());
            if (line.endsWith("\\")) {
                instruction.setLength(instruction.length() - 1);
                instruction.append(' ');
                continue;
            }
            String text = instruction.toString();
            instruction.setLength(0);
            if (text.startsWith("ENV ")) {
                Matcher m = ENV_ENTRY.matcher(text.substring(4));
                while (m.find()) {
                    if (!m.group(1).startsWith("CLASSIFY_")) {
                        env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(4));
                    }
                }
            }
        }
        if (!env.containsKey("JAVA_TOOL_OPTIONS")) {
            throw new IllegalStateException(dockerfile + " sets no JAVA_TOOL_OPTIONS: the deployed JVM options are unknown");
        }
        return env;
    }

    long pid() {
        return process.pid();
    }

    /** True if the JVM was started with native memory tracking, so {@code jcmd VM.native_memory} answers. */
    boolean nativeMemoryTracking() {
        return nativeMemoryTracking;
    }

    /** Waits until {@code /ready} says the app serves {@code versionId}; fails early if the process ends. */
    void awaitServing(String versionId, Duration timeout) {
        Await.until("streams-app process to serve " + versionId + " (log " + log + ")", timeout, remaining -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("streams-app process exited with " + process.exitValue() + "; log " + log);
            }
            String ready = get("/ready");
            if (!ready.contains("serving " + versionId)) {
                throw new IllegalStateException("not yet: " + ready);
            }
            return ready;
        });
    }

    /**
     * The app's memory after a full collection in it ({@code jcmd GC.run}): resident set from {@code /proc}, the rest
     * from its own {@code /metrics}.
     */
    Memory memory() throws IOException, InterruptedException {
        jcmd("GC.run");
        // Kafka Streams' store metrics reach /metrics up to a minute after the stores open (Micrometer binds new
        // Kafka metrics periodically): without the app's own RocksDB gauge, wait for them
        String metrics = Await.until("RocksDB metrics on the app's /metrics", Duration.ofMinutes(2), remaining -> {
            String m = get("/metrics");
            if (!m.contains("\nclassify_rocksdb_memory_bytes") && !m.contains("\nkafka_stream_state_size_all_mem_tables")) {
                throw new IllegalStateException("not yet");
            }
            return m;
        });
        return new Memory(residentBytes(), (long) sum(metrics, "javacpp_physical_bytes", ""),
                (long) sum(metrics, "jvm_memory_used_bytes", "area=\"heap\""),
                (long) sum(metrics, "jvm_memory_committed_bytes", "area=\"heap\""),
                (long) sum(metrics, "jvm_memory_committed_bytes", "area=\"nonheap\""),
                (long) sum(metrics, "javacpp_bytes", ""),
                (long) sum(metrics, "nd4j_memory_bytes", ""),
                (long) rocksDb(metrics));
    }

    /**
     * RocksDB's native memory: the app's shared budget in use if it has one ({@code classify_rocksdb_memory_bytes}),
     * else Kafka Streams' per-store figures summed (memtables, block cache, index and filter readers).
     */
    private static double rocksDb(String metrics) {
        if (metrics.contains("\nclassify_rocksdb_memory_bytes")) {
            return sum(metrics, "classify_rocksdb_memory_bytes", "");
        }
        return sum(metrics, "kafka_stream_state_size_all_mem_tables", "") + sum(metrics, "kafka_stream_state_block_cache_usage", "")
                + sum(metrics, "kafka_stream_state_estimate_table_readers_mem", "");
    }

    /**
     * What the app holds, in bytes: its resident set (VmRSS), JavaCPP's view of it ({@link JavaCppMetrics#PHYSICAL_BYTES}),
     * Java heap in use after a full GC and committed, non-heap committed (metaspace, code cache), native memory JavaCPP
     * allocated, native memory ND4J tracks (workspaces, constants), and RocksDB's (memtables, block cache).
     */
    record Memory(long rss, long javacppPhysical, long heapUsed, long heapCommitted, long nonHeapCommitted, long javacppAllocated,
                  long nd4jTracked, long rocksDb) {

        /** What none of the tracked figures explains: resident minus heap committed, non-heap, JavaCPP, ND4J and RocksDB. */
        long untracked() {
            return rss - heapCommitted - nonHeapCommitted - javacppAllocated - nd4jTracked - rocksDb;
        }
    }

    /** Runs {@code jcmd <pid> args...} (JDK tool beside this JVM) and returns its output. */
    String jcmd(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid())));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
        return out;
    }

    private long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + process.pid() + "/status");
    }

    /** Sum of the samples of one metric in Prometheus text whose labels contain {@code labelFilter}. */
    static double sum(String prometheusText, String name, String labelFilter) {
        double total = 0;
        boolean found = false;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(name) && (line.length() > name.length()) && (line.charAt(name.length()) == '{'
                    || line.charAt(name.length()) == ' ') && line.contains(labelFilter)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("no sample of " + name + (labelFilter.isEmpty() ? "" : " with " + labelFilter)
                    + " in the app's /metrics");
        }
        return total;
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(StreamsApp.CLOSE_TIMEOUT.toSeconds() + 15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
