package dev.streamclassify.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** README's settings table is generated from the config class; this keeps the two from drifting apart. */
class ReadmeTest {

    private static String readme() throws Exception {
        return Files.readString(Path.of("..", "README.md"));
    }

    @Test
    void readmeCarriesTheGeneratedStreamsAppSettingsTable() throws Exception {
        assertThat(readme()).contains(ConfigDocs.streamsApp());
    }

    @Test
    void readmeCarriesTheGeneratedTrainerServiceSettingsTable() throws Exception {
        assertThat(readme()).contains(ConfigDocs.trainerService());
    }

    @Test
    void readmeLeadsWithTheDemoAndTheTestCommand() throws Exception {
        String head = readme().lines().limit(10).reduce("", (a, b) -> a + b + "\n");
        assertThat(head).contains("mvn -q -ntp -pl demo exec:java").contains("mvn -B -ntp verify");
        assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("mvn -B -ntp verify");
    }
}
