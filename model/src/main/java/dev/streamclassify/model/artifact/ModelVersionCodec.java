package dev.streamclassify.model.artifact;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.streamclassify.model.artifact.ArtifactException.Reason;
import dev.streamclassify.model.head.HeadConfig;
import dev.streamclassify.model.image.PreprocessingSpec;
import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The artifact format of a model version: a ZIP holding {@code manifest.json} (metadata plus a sha256 of every
 * other entry), {@code head.f32} and one {@code backbone/<layer>.f32} per fine-tuned layer, the weights as
 * {@link RawParams}. Only JSON we map onto our own records and raw float arrays: no entry is ever handed to a
 * deserializer (DL4J's ModelSerializer would run {@code ObjectInputStream.readObject} on a {@code preprocessor.bin}).
 * Decoding trusts nothing: sizes are bounded, checksums and metadata are checked, unexpected entries refused. Weight-level checks need a backbone and live in
 * {@link ModelValidator}.
 */
public final class ModelVersionCodec {

    public static final int FORMAT = 2;
    static final String MANIFEST = "manifest.json";
    static final String HEAD = "head.f32";
    static final String LAYER_PREFIX = "backbone/";
    static final String LAYER_SUFFIX = ".f32";

    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final ObjectWriter MANIFEST_WRITER = Json.MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /**
     * Default bound on the sum of uncompressed entries. A record is at most 64 MiB (the models topic's
     * max.message.bytes) and float weights barely compress, so real versions stay under it; a decode then holds at
     * most about twice this on the heap (entries, then parsed floats), a fraction of the services' -Xmx768m.
     */
    public static final long DEFAULT_MAX_UNCOMPRESSED_BYTES = 96L * 1024 * 1024;

    /** Guards against zip bombs: the sum of uncompressed entries may not exceed this. */
    private final long maxUncompressedBytes;

    public ModelVersionCodec(long maxUncompressedBytes) {
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    public ModelVersionCodec() {
        this(DEFAULT_MAX_UNCOMPRESSED_BYTES);
    }

    record Manifest(int format, String name, long version, List<String> labels, PreprocessingSpec preprocessing,
                    BackboneRef backbone, HeadConfig head, TrainingMetrics metrics, Instant createdAt,
                    Map<String, String> entries) {
    }

    /**
     * Deterministic: the same version gives the same bytes in every JVM, time zone and moment (entries carry a fixed
     * timestamp, layers and map keys are sorted), so re-publishing a version is byte-identical.
     */
    public byte[] encode(ModelVersion mv) {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(HEAD, mv.headWeights());
        new TreeMap<>(mv.fineTunedLayers()).forEach((layer, params) -> blobs.put(LAYER_PREFIX + layer + LAYER_SUFFIX, params));
        Map<String, String> sums = new LinkedHashMap<>();
        blobs.forEach((k, v) -> sums.put(k, Hashing.sha256Hex(v)));
        Manifest manifest = new Manifest(FORMAT, mv.name(), mv.version(), mv.labels(), mv.preprocessing(), mv.backbone(),
                mv.head(), mv.metrics(), mv.createdAt(), sums);
        var bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(entry(MANIFEST));
            zip.write(MANIFEST_WRITER.writeValueAsBytes(manifest));
            zip.closeEntry();
            for (var e : blobs.entrySet()) {
                zip.putNextEntry(entry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * ZipOutputStream would stamp the wall-clock time, in the local time zone, into every entry. A date after 1980-01-01
     * keeps the JDK from adding a zone-dependent extended timestamp.
     */
    private static ZipEntry entry(String name) {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(ENTRY_TIME);
        return e;
    }

    public ModelVersion decode(byte[] bytes) throws ArtifactException {
        if (bytes == null || bytes.length == 0) {
            throw new ArtifactException(Reason.CORRUPT, "model version record is empty");
        }
        Map<String, byte[]> entries = readEntries(bytes);
        byte[] manifestBytes = entries.remove(MANIFEST);
        if (manifestBytes == null) {
            throw new ArtifactException(Reason.CORRUPT, "model version has no " + MANIFEST);
        }
        Manifest m;
        try {
            m = Json.MAPPER.readValue(manifestBytes, Manifest.class);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new ArtifactException(Reason.INVALID_METADATA, "unreadable manifest: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ArtifactException(Reason.CORRUPT, "unreadable manifest: " + e.getMessage(), e);
        }
        if (m == null) {
            throw new ArtifactException(Reason.INVALID_METADATA, "manifest is JSON null");
        }
        if (m.format() != FORMAT) {
            throw new ArtifactException(Reason.INVALID_METADATA, "unsupported artifact format " + m.format() + ", expected " + FORMAT);
        }
        if (m.entries() == null || !m.entries().keySet().equals(entries.keySet())) {
            throw new ArtifactException(Reason.CORRUPT, "entries " + entries.keySet() + " do not match the manifest "
                    + (m.entries() == null ? "{}" : m.entries().keySet()));
        }
        for (var e : entries.entrySet()) {
            if (!Hashing.sha256Hex(e.getValue()).equals(m.entries().get(e.getKey()))) {
                throw new ArtifactException(Reason.CORRUPT, "checksum mismatch in " + e.getKey());
            }
        }
        Map<String, byte[]> layers = new LinkedHashMap<>();
        for (var e : entries.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(LAYER_PREFIX) && key.endsWith(LAYER_SUFFIX)) {
                layers.put(key.substring(LAYER_PREFIX.length(), key.length() - LAYER_SUFFIX.length()), e.getValue());
            } else if (!key.equals(HEAD)) {
                throw new ArtifactException(Reason.CORRUPT, "unexpected entry " + key);
            }
        }
        try {
            return new ModelVersion(m.name(), m.version(), m.labels(), m.preprocessing(), m.backbone(), m.head(), m.metrics(),
                    m.createdAt(), entries.get(HEAD), layers);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ArtifactException(Reason.INVALID_METADATA, "invalid model version: " + e.getMessage(), e);
        }
    }

    private Map<String, byte[]> readEntries(byte[] bytes) throws ArtifactException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (entries.containsKey(e.getName())) {
                    throw new ArtifactException(Reason.CORRUPT, "duplicate entry " + e.getName());
                }
                byte[] data = readBounded(zip, maxUncompressedBytes - total);
                total += data.length;
                entries.put(e.getName(), data);
            }
        } catch (IOException e) {
            throw new ArtifactException(Reason.CORRUPT, "not a readable model version archive: " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw new ArtifactException(Reason.CORRUPT, "not a model version archive (no entries)");
        }
        return entries;
    }

    private static byte[] readBounded(InputStream in, long budget) throws IOException, ArtifactException {
        var out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (out.size() + (long) n > budget) {
                throw new ArtifactException(Reason.CORRUPT, "archive expands beyond the size limit");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
