package dev.streamclassify.service;

/**
 * A GitHub-flavoured markdown table, built row by row, for the settings tables docs/configuration.md embeds. Cells are written as
 * given: {@link #code} and {@link #escape} prepare them. Not thread-safe.
 */
public final class MarkdownTable {

    private final int columns;
    private final StringBuilder md = new StringBuilder();

    /** A table with these column headers and no rows yet. */
    public MarkdownTable(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        columns = headers.length;
        row(headers);
        md.append('|').append("---|".repeat(columns)).append('\n');
    }

    /** Appends a row of exactly as many cells as there are columns. */
    public MarkdownTable row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns + " columns");
        }
        md.append("| ").append(String.join(" | ", cells)).append(" |\n");
        return this;
    }

    /** The table so far, one line per row, each ending with a newline. */
    @Override
    public String toString() {
        return md.toString();
    }

    /** {@code s} as inline code, or {@code ""} when empty, which would otherwise render as nothing. */
    public static String code(String s) {
        return s.isEmpty() ? "\"\"" : "`" + s + "`";
    }

    /** {@code s} with pipes escaped and angle brackets as entities, so that it stays in its cell and shows as typed. */
    public static String escape(String s) {
        return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
