package dev.streamclassify.demo;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README keeps the story, the two commands and links; the settings tables live in docs/configuration.md, generated
 * from the config classes. This keeps the page from drifting from the declarations and README from losing the way there.
 */
class ReadmeTest {

    private static String readme() throws Exception {
        return Files.readString(Path.of("..", "README.md"));
    }

    private static String configurationPage() throws Exception {
        return Files.readString(Path.of("..", "docs", "configuration.md"));
    }

    @Test
    void configurationPageCarriesTheGeneratedStreamsAppSettingsTable() throws Exception {
        assertThat(configurationPage()).contains(ConfigDocs.streamsApp());
    }

    @Test
    void configurationPageCarriesTheGeneratedTrainerServiceSettingsTable() throws Exception {
        assertThat(configurationPage()).contains(ConfigDocs.trainerService());
    }

    @Test
    void readmeLinksTheSettingsInsteadOfCopyingThem() throws Exception {
        assertThat(readme()).contains("(docs/configuration.md)").doesNotContain("| Setting | Environment variable |");
    }

    @Test
    void readmeLeadsWithTheDemoAndTheTestCommand() throws Exception {
        String head = readme().lines().limit(10).reduce("", (a, b) -> a + b + "\n");
        assertThat(head).contains("mvn -q -ntp -pl demo exec:java").contains("mvn -B -ntp verify");
        assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("mvn -B -ntp verify");
    }
}
