package dev.streamclassify.model.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.streamclassify.model.format.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class WireSchemasTest {

    @Test
    void everySchemaInTheDocsIsAValidDraft202012SchemaAndIsCheckedByTests() throws Exception {
        Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        assertThat(meta.validate(Json.MAPPER.readTree("{\"type\":5}"))).as("the meta-schema check can fail").isNotEmpty();
        List<Path> files;
        try (Stream<Path> list = Files.list(WireSchemas.directory())) {
            files = list.sorted().toList();
        }

        for (Path file : files) {
            JsonNode schema = Json.MAPPER.readTree(file.toFile());
            assertThat(meta.validate(schema)).as(file.toString()).isEmpty();
            assertThat(schema.path("$schema").asText()).as(file.toString()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(Arrays.stream(WireSchemas.values()).map(WireSchemas::file).toList());
    }

    @Test
    void aSchemaRefusesARecordThatBreaksIt() {
        assertThat(WireSchemas.DEAD_LETTER_HEADERS.errors(java.util.Map.of("error.reason", "bad-luck"))).isNotEmpty();
        assertThat(WireSchemas.MODEL_QUALITY.errors("{\"model\":\"default\"}".getBytes())).isNotEmpty();
        assertThat(WireSchemas.PREDICTION.errors("not json".getBytes())).isNotEmpty();
    }
}
