package dev.streamclassify.model.artifact;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamclassify.model.format.Json;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Opens and re-packs model version archives, so tests can tamper with one entry and keep the rest intact. */
final class Archives {

    private Archives() {
    }

    static Map<String, byte[]> entries(byte[] archive) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    static byte[] pack(Map<String, byte[]> entries) {
        var bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (var e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * {@code archive} with its head replaced by {@code size} zero bytes, streamed (never held in memory) and listed in
     * the manifest with its true sha256: a zip bomb that passes every check but the size budget.
     */
    static byte[] bombWithHeadOf(byte[] archive, long size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] zeros = new byte[1 << 20];
        for (long left = size; left > 0; left -= zeros.length) {
            sha.update(zeros, 0, (int) Math.min(zeros.length, left));
        }
        String hex = HexFormat.of().formatHex(sha.digest());
        byte[] manifest = entries(withManifest(archive, m -> ((ObjectNode) m.get("entries")).put(ModelVersionCodec.HEAD, hex)))
                .get(ModelVersionCodec.MANIFEST);
        var bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry(ModelVersionCodec.MANIFEST));
            zip.write(manifest);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(ModelVersionCodec.HEAD));
            for (long left = size; left > 0; left -= zeros.length) {
                zip.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    /** Re-packs {@code archive} with one entry replaced. */
    static byte[] withEntry(byte[] archive, String name, byte[] content) {
        Map<String, byte[]> entries = entries(archive);
        entries.put(name, content);
        return pack(entries);
    }

    /** Re-packs {@code archive} with its manifest JSON edited; entry checksums stay valid. */
    static byte[] withManifest(byte[] archive, Consumer<ObjectNode> edit) {
        try {
            ObjectNode manifest = (ObjectNode) Json.MAPPER.readTree(entries(archive).get(ModelVersionCodec.MANIFEST));
            edit.accept(manifest);
            return withEntry(archive, ModelVersionCodec.MANIFEST, Json.MAPPER.writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
