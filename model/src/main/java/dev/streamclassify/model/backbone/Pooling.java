package dev.streamclassify.model.backbone;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a spatial cut becomes a feature vector: {@code none} (the whole map, flattened), {@code global} (one average per
 * channel) or a {@code k x k} grid of averages, which keeps the coarse layout that global pooling throws away (on
 * small, centred images such as Fashion-MNIST the layout is much of the signal).
 *
 * @param grid 0 for none, -1 for global, otherwise the number of cells per side
 */
public record Pooling(int grid) {

    private static final Pattern GRID = Pattern.compile("([1-9][0-9]?)x([1-9][0-9]?)");

    public static final Pooling NONE = new Pooling(0);
    public static final Pooling GLOBAL = new Pooling(-1);

    public Pooling {
        if (grid < -1) {
            throw new IllegalArgumentException("grid must be -1 (global), 0 (none) or a cell count, was " + grid);
        }
    }

    /** @param text {@code none}, {@code global} or {@code KxK} (square grids only) */
    public static Pooling parse(String text) {
        if (text.equals("none")) {
            return NONE;
        }
        if (text.equals("global")) {
            return GLOBAL;
        }
        Matcher m = GRID.matcher(text);
        if (m.matches() && m.group(1).equals(m.group(2))) {
            return new Pooling(Integer.parseInt(m.group(1)));
        }
        throw new IllegalArgumentException("pool must be none, global or KxK (e.g. 3x3), was '" + text + "'");
    }

    /** Suffix of the pooled layer's name, so a head trained on one pooling is refused by a backbone with another. */
    public String suffix() {
        return switch (grid) {
            case 0 -> "";
            case -1 -> "_avg_global";
            default -> "_avg" + grid + "x" + grid;
        };
    }

    @Override
    public String toString() {
        return switch (grid) {
            case 0 -> "none";
            case -1 -> "global";
            default -> grid + "x" + grid;
        };
    }
}
