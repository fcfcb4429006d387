package dev.streamclassify.model.catalog;

import dev.streamclassify.model.artifact.ArtifactException;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.signing.TrustedKeys;
import dev.streamclassify.model.signing.VersionSignature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The retained versions the models topic delivered, kept off the heap: each artifact goes to a file of its own and
 * only its length, sha256 and signature stay in memory, so a topic holding many large versions costs the heap one
 * version at a time (the one being loaded), not all of them.
 *
 * <p>Versions are immutable: the first bytes seen under a version key win; a later record with other bytes under the
 * same key is answered {@link Put#CONFLICT} and dropped, and the key's fingerprint is remembered even after a tombstone
 * removed the version, so a number is never reused for other bytes. Thread-safe; owns (and on close deletes) its
 * directory.
 */
public final class VersionStore implements AutoCloseable {

    /** What {@link #put} did. */
    public enum Put { ADDED, UNCHANGED, CONFLICT }

    /** One stored version: where its bytes are and what they must hash to. */
    public record Stored(String model, long version, String sha256, int length, VersionSignature signature) {
        public String key() {
            return ModelsTopic.versionKey(model, version);
        }
    }

    private final Path dir;
    private final Map<String, NavigableMap<Long, Stored>> versions = new HashMap<>();
    private final Map<String, String> firstSeen = new HashMap<>();

    public VersionStore(Path dir) {
        try {
            this.dir = Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model version directory " + dir, e);
        }
    }

    /** A store in a fresh directory under the system temporary directory. */
    public static VersionStore temporary(String prefix) {
        try {
            return new VersionStore(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores {@code bytes} as {@code model:vversion} unless that key already holds other bytes. */
    public synchronized Put put(String model, long version, byte[] bytes, VersionSignature signature) throws IOException {
        String key = ModelsTopic.versionKey(model, version);
        String sha = Hashing.sha256Hex(bytes);
        String first = firstSeen.putIfAbsent(key, sha);
        if (first != null && !first.equals(sha)) {
            return Put.CONFLICT;
        }
        if (get(model, version).isPresent()) {
            return Put.UNCHANGED;
        }
        Files.write(file(model, version), bytes);
        versions.computeIfAbsent(model, m -> new TreeMap<>()).put(version, new Stored(model, version, sha, bytes.length, signature));
        return Put.ADDED;
    }

    /** A tombstone: the version is gone, its fingerprint stays. */
    public synchronized void remove(String model, long version) throws IOException {
        NavigableMap<Long, Stored> m = versions.get(model);
        if (m != null && m.remove(version) != null) {
            Files.deleteIfExists(file(model, version));
        }
    }

    public synchronized NavigableSet<Long> versions(String model) {
        return new TreeSet<>(versions.getOrDefault(model, new TreeMap<>()).keySet());
    }

    public synchronized long highest(String model) {
        NavigableMap<Long, Stored> m = versions.get(model);
        return m == null || m.isEmpty() ? 0 : m.lastKey();
    }

    public synchronized Optional<Stored> get(String model, long version) {
        NavigableMap<Long, Stored> m = versions.get(model);
        return Optional.ofNullable(m == null ? null : m.get(version));
    }

    /**
     * Reads a stored version back and checks its signature against {@code trust} before anyone parses it; a file that
     * changed on disk is refused as corrupt.
     */
    public byte[] readVerified(Stored s, TrustedKeys trust) throws ArtifactException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file(s.model(), s.version()));
        } catch (IOException e) {
            throw new ArtifactException(Reason.CORRUPT, s.key() + " cannot be read back from " + dir + ": " + e.getMessage(), e);
        }
        if (bytes.length != s.length() || !Hashing.sha256Hex(bytes).equals(s.sha256())) {
            throw new ArtifactException(Reason.CORRUPT, s.key() + " changed on disk since it was read from the topic");
        }
        trust.verify(s.key(), bytes, s.signature());
        return bytes;
    }

    private Path file(String model, long version) {
        return dir.resolve(model + "-" + version + ".scmv");
    }

    @Override
    public synchronized void close() {
        versions.clear();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
