package dev.streamclassify.model.backbone;

import dev.streamclassify.model.format.Hashing;
import dev.streamclassify.model.format.Json;
import dev.streamclassify.model.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A DL4J model file with its JSON descriptor, as the trainer writes them. */
class DescriptorFileBackboneTest extends BackboneSourceContract {

    private static byte[] modelBytes;

    @TempDir
    Path dir;

    private Path descriptor;

    @BeforeAll
    static void makeModel() {
        modelBytes = TestModels.tinyBackboneBytes(7);
    }

    @BeforeEach
    void writeFiles() throws Exception {
        Files.createDirectories(dir.resolve("models"));
        Files.write(dir.resolve("models/tiny.zip"), modelBytes);
        descriptor = dir.resolve("backbone.json");
        var d = new BackboneDescriptor("tiny-file", "models/tiny.zip", TestModels.CUT, TestModels.MNIST_SPEC,
                Map.of("command", "test", "holdoutAccuracy", 0.5));
        Json.MAPPER.writeValue(descriptor.toFile(), d);
    }

    @Override
    protected Backbone load() throws Exception {
        return Backbones.fromDescriptor(descriptor);
    }

    @Test
    void takesNameCutAndInputFromTheDescriptor() throws Exception {
        BackboneInfo info = open().info();

        assertThat(info.name()).isEqualTo("tiny-file");
        assertThat(info.cutLayer()).isEqualTo(TestModels.CUT);
        assertThat(info.preprocessing()).isEqualTo(TestModels.MNIST_SPEC);
    }

    @Test
    void fingerprintIsTheSha256OfTheModelFile() throws Exception {
        assertThat(open().info().fingerprint()).isEqualTo(Hashing.fingerprint(modelBytes));
    }

    @Test
    void loadsFromAFileLocation() throws Exception {
        try (Backbone b = Backbones.load("file:" + descriptor)) {
            assertThat(b.info().fingerprint()).isEqualTo(Hashing.fingerprint(modelBytes));
        }
    }
}
