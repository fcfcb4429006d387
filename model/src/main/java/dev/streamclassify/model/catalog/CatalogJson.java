package dev.streamclassify.model.catalog;

import com.fasterxml.jackson.core.JacksonException;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON of the small models-topic records; every parse failure, whatever its kind, is an {@link IOException}. */
final class CatalogJson {

    private CatalogJson() {
    }

    static byte[] write(Object record) {
        try {
            return Json.MAPPER.writeValueAsBytes(record);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(byte[] json, Class<T> type, String what) throws IOException {
        try {
            T t = Json.MAPPER.readValue(json, type);
            if (t == null) {
                throw new IOException("invalid " + what + " record: JSON null");
            }
            return t;
        } catch (JacksonException | IllegalArgumentException | NullPointerException e) {
            throw new IOException("invalid " + what + " record: " + e.getMessage(), e);
        }
    }
}
