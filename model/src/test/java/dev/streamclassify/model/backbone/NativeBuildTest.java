package dev.streamclassify.model.backbone;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The nd4j-native build the pom selects (javacpp.platform + nd4j.extension) is the one that runs, and is reported. */
class NativeBuildTest {

    @Test
    void reportsTheBuildThePomSelected() {
        NativeBuild build = NativeBuild.current();
        String expected = System.getProperty("streamclassify.expected.native.build");
        assertThat(expected).as("set by the parent pom's surefire configuration").isNotBlank();
        assertThat(build.classifier()).isEqualTo(expected);
        assertThat(build.oneDnn()).isEqualTo(expected.contains("-onednn"));
        assertThat(build.library()).contains(expected);
    }
}
