package dev.streamclassify.demo;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamsAppProcessTest {

    @Test
    void readsTheImagesJvmOptionsAndEnvironmentButNotTheAppSettingsFromTheDockerfile() throws IOException {
        Map<String, String> env = StreamsAppProcess.deployedEnvironment(Path.of("..").resolve(StreamsAppProcess.DOCKERFILE));

        assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-Xmx768m", "-Dorg.bytedeco.javacpp.maxphysicalbytes=2600m")
                .doesNotContain("\"");
        assertThat(env).containsEntry("OMP_NUM_THREADS", "1").containsEntry("MALLOC_ARENA_MAX", "2");
        assertThat(env.keySet()).noneMatch(k -> k.startsWith("CLASSIFY_"));
    }

    @Test
    void sumsTheSamplesOfOneMetricWhoseLabelsMatch() {
        String text = """
                # HELP jvm_memory_used_bytes The amount of used memory
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1000.0
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.5E3
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 7.0
                jvm_memory_used_bytes_other 9.0
                javacpp_bytes 42.0
                """;

        assertThat(StreamsAppProcess.sum(text, "jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(3500.0);
        assertThat(StreamsAppProcess.sum(text, "jvm_memory_used_bytes", "")).isEqualTo(3507.0);
        assertThat(StreamsAppProcess.sum(text, "javacpp_bytes", "")).isEqualTo(42.0);
        assertThatThrownBy(() -> StreamsAppProcess.sum(text, "nd4j_memory_bytes", "")).hasMessageContaining("nd4j_memory_bytes");
    }
}
