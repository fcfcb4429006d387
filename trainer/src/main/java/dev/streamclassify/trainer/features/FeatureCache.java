package dev.streamclassify.trainer.features;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Backbone features on disk, keyed by image content hash, one append-only file per backbone fingerprint: a
 * re-run featurizes only images it has not seen, and a different backbone never reads another's features.
 * A torn last record (crash while appending) is ignored on open. Thread-safe.
 */
public final class FeatureCache implements Closeable {

    private static final int MAGIC = 0x53434643; // "SCFC"

    private final Path file;
    private final int featureSize;
    private final Map<String, float[]> entries = new HashMap<>();
    private DataOutputStream out;

    private FeatureCache(Path file, int featureSize) {
        this.file = file;
        this.featureSize = featureSize;
    }

    /** Opens (or creates) the cache of {@code backboneFingerprint} under {@code dir}. */
    public static FeatureCache open(Path dir, String backboneFingerprint, int featureSize) throws IOException {
        Files.createDirectories(dir);
        String name = backboneFingerprint.replace("sha256:", "") + ".features";
        FeatureCache cache = new FeatureCache(dir.resolve(name), featureSize);
        cache.load();
        return cache;
    }

    /** A cache that keeps nothing on disk, for experiments that must not share state between runs. */
    public static FeatureCache inMemory(int featureSize) {
        return new FeatureCache(null, featureSize);
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            try (var o = new DataOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW))) {
                o.writeInt(MAGIC);
                o.writeInt(featureSize);
            }
            return;
        }
        try (InputStream raw = Files.newInputStream(file); var in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a feature cache");
            }
            int size = in.readInt();
            if (size != featureSize) {
                throw new IOException(file + " holds " + size + "-value features, backbone yields " + featureSize);
            }
            byte[] hash = new byte[32];
            while (true) {
                try {
                    in.readFully(hash);
                    float[] f = new float[featureSize];
                    for (int i = 0; i < featureSize; i++) {
                        f[i] = in.readFloat();
                    }
                    entries.put(HexFormat.of().formatHex(hash), f);
                } catch (EOFException torn) {
                    break;
                }
            }
        }
    }

    public int featureSize() {
        return featureSize;
    }

    public synchronized Optional<float[]> get(String contentHash) {
        return Optional.ofNullable(entries.get(contentHash));
    }

    public synchronized void put(String contentHash, float[] features) {
        if (features.length != featureSize) {
            throw new IllegalArgumentException("expected " + featureSize + " features, got " + features.length);
        }
        if (entries.putIfAbsent(contentHash, features) != null || file == null) {
            return;
        }
        try {
            if (out == null) {
                out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.APPEND), 1 << 16));
            }
            out.write(HexFormat.of().parseHex(contentHash));
            for (float v : features) {
                out.writeFloat(v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }
}
