package dev.streamclassify.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MarkdownTableTest {

    @Test
    void writesHeaderSeparatorAndOneLinePerRow() {
        String md = new MarkdownTable("setting", "default", "doc")
                .row(MarkdownTable.code("top.k"), MarkdownTable.code("3"), "Best labels listed.")
                .row(MarkdownTable.code("state.dir"), MarkdownTable.code(""), "")
                .toString();

        assertThat(md).isEqualTo("""
                | setting | default | doc |
                |---|---|---|
                | `top.k` | `3` | Best labels listed. |
                | `state.dir` | "" |  |
                """);
    }

    @Test
    void escapesWhatWouldBreakTheCellOrVanishAsHtml() {
        assertThat(MarkdownTable.escape("zoo:<name> | keras")).isEqualTo("zoo:&lt;name&gt; \\| keras");
    }

    @Test
    void refusesARowOfTheWrongWidth() {
        assertThatThrownBy(() -> new MarkdownTable("a", "b").row("only one")).isInstanceOf(IllegalArgumentException.class);
    }
}
