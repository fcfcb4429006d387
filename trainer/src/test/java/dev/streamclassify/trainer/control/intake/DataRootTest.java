package dev.streamclassify.trainer.control.intake;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataRootTest {

    @TempDir
    Path tmp;

    private Path root;
    private DataRoot dataRoot;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("data"));
        Files.createDirectories(root.resolve("a/b"));
        Files.createDirectories(tmp.resolve("secret"));
        Files.createSymbolicLink(root.resolve("inner-link"), root.resolve("a"));
        Files.createSymbolicLink(root.resolve("outer-link"), tmp.resolve("secret"));
        Files.writeString(root.resolve("file.txt"), "x");
        dataRoot = DataRoot.of(root);
    }

    @Test
    void resolvesRelativeAndAbsolutePathsInsideTheRoot() throws Exception {
        assertThat(dataRoot.resolve("a/b")).isEqualTo(root.resolve("a/b").toRealPath());
        assertThat(dataRoot.resolve(root.resolve("a").toString())).isEqualTo(root.resolve("a").toRealPath());
        assertThat(dataRoot.resolve("a/b/../b/.")).isEqualTo(root.resolve("a/b").toRealPath());
        assertThat(dataRoot.resolve(".")).isEqualTo(root.toRealPath());
    }

    @Test
    void followsLinksThatStayInsideTheRoot() throws Exception {
        assertThat(dataRoot.resolve("inner-link/b")).isEqualTo(root.resolve("a/b").toRealPath());
    }

    @Test
    void refusesPathsThatLeaveTheRoot() {
        assertThatThrownBy(() -> dataRoot.resolve("/etc")).hasMessageContaining("outside the data root");
        assertThatThrownBy(() -> dataRoot.resolve("../..")).hasMessageContaining("outside the data root");
        assertThatThrownBy(() -> dataRoot.resolve("a/../../secret")).hasMessageContaining("outside the data root");
        assertThatThrownBy(() -> dataRoot.resolve(tmp.resolve("data-sibling").toString())).hasMessageContaining("outside the data root");
        assertThatThrownBy(() -> dataRoot.resolve("outer-link")).hasMessageContaining("through a symbolic link");
    }

    @Test
    void refusesWhatIsNotAnExistingDirectory() {
        assertThatThrownBy(() -> dataRoot.resolve("missing")).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> dataRoot.resolve("file.txt")).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> dataRoot.resolve(" ")).hasMessageContaining("non-blank");
        assertThatThrownBy(() -> dataRoot.resolve("a\0b")).hasMessageContaining("non-blank path");
    }

    @Test
    void refusesARootThatIsNotADirectory() {
        assertThatThrownBy(() -> DataRoot.of(root.resolve("file.txt"))).hasMessageContaining("is not a directory");
    }
}
