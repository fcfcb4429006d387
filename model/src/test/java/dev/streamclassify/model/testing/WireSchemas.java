package dev.streamclassify.model.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.streamclassify.model.format.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON Schemas of docs/schemas/, for tests that check what the apps really write against the published contract
 * (so the schemas a user registers cannot drift from the code). Formats such as {@code date-time} are asserted, not
 * only annotated.
 */
public enum WireSchemas {
    PREDICTION("prediction"),
    DEAD_LETTER_HEADERS("dead-letter-headers"),
    CONTROL_COMMAND("control-command"),
    STATUS_EVENT("status-event"),
    MODEL_QUALITY("model-quality");

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<WireSchemas, Schema> LOADED = new ConcurrentHashMap<>();

    private final String name;

    WireSchemas(String name) {
        this.name = name;
    }

    /** docs/schemas/, found from the module directory the tests run in. */
    public static Path directory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path schemas = dir.resolve("docs").resolve("schemas");
            if (Files.isDirectory(schemas)) {
                return schemas;
            }
        }
        throw new IllegalStateException("no docs/schemas above " + Path.of("").toAbsolutePath());
    }

    public Path file() {
        return directory().resolve(name + ".schema.json");
    }

    /** What is wrong with {@code json} under this schema; empty when it is valid. */
    public List<String> errors(JsonNode json) {
        Schema schema = LOADED.computeIfAbsent(this, s -> {
            try {
                return REGISTRY.getSchema(Json.MAPPER.readTree(Files.readAllBytes(s.file())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return schema.validate(json, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)))
                .stream().map(Object::toString).toList();
    }

    public List<String> errors(byte[] json) {
        try {
            return errors(Json.MAPPER.readTree(json));
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
    }

    /** A map of strings (such as Kafka headers) as the JSON object the schema describes. */
    public List<String> errors(Map<String, String> fields) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        fields.forEach(node::put);
        return errors(node);
    }

    /** Fails with every error when {@code json} breaks this schema. */
    public void check(byte[] json) {
        List<String> errors = errors(json);
        if (!errors.isEmpty()) {
            throw new AssertionError(name + " breaks docs/schemas/" + name + ".schema.json: " + errors + "\n"
                    + new String(json, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    public void check(Map<String, String> fields) {
        List<String> errors = errors(fields);
        if (!errors.isEmpty()) {
            throw new AssertionError(name + " breaks docs/schemas/" + name + ".schema.json: " + errors + "\n" + fields);
        }
    }
}
