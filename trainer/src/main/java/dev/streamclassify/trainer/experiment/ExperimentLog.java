package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.SemiSupervised;

import dev.streamclassify.trainer.training.Selection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one line per trial that {@link ExperimentRunner} prints, and its reading back: a long run that is stopped
 * (or split over several processes) still yields its tables from the lines it printed. A second line per trial
 * ({@code curve ...}) carries its learning curve, validation accuracy against updates, so joined runs plot it too.
 * Stateless.
 */
public final class ExperimentLog {

    private static final Pattern LINE = Pattern.compile("^(\\S+) seed=(\\d+) N=(\\S+) (.+?)\\s+(\\d\\.\\d{4}) \\((.*), ([\\d.]+) s\\)$");
    private static final Pattern CURVE = Pattern.compile("^curve (\\S+) seed=(\\d+) N=(\\S+) (.+?) \\|((?: \\d+:\\d\\.\\d{4})*)$");
    private static final Pattern HEAD = Pattern.compile("^(\\S+) head(?: \\+ (\\S+) U=(\\d+))?$");

    private ExperimentLog() {
    }

    static String line(Trial t) {
        return String.format(java.util.Locale.ROOT, "%s seed=%d N=%s %-45s %.4f (%s, %.1f s)", t.split(), t.seed(),
                t.perClass() == 0 ? "all" : t.perClass(), t.arm().label(), t.accuracy(), t.chosen(), t.trainSeconds());
    }

    /** The learning-curve line of a trial: {@code curve <split> seed=<s> N=<n> <arm> | <updates>:<accuracy> ...}. */
    static String curveLine(Trial t) {
        StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "curve %s seed=%d N=%s %s |", t.split(), t.seed(),
                t.perClass() == 0 ? "all" : t.perClass(), t.arm().label()));
        t.curve().forEach(c -> b.append(String.format(java.util.Locale.ROOT, " %d:%.4f", c.updates(), c.validationAccuracy())));
        return b.toString();
    }

    /** The trials among {@code lines}, each with the curve line that names it; other lines are ignored. */
    public static List<Trial> parse(List<String> lines) {
        List<Trial> out = new ArrayList<>();
        Map<String, List<Selection.Checkpoint>> curves = new HashMap<>();
        for (String l : lines) {
            parse(l).ifPresent(out::add);
            Matcher c = CURVE.matcher(l.strip());
            if (c.matches()) {
                arm(c.group(4).strip()).ifPresent(arm -> curves.put(new Trial(c.group(1), arm, perClass(c.group(3)), 0,
                        Long.parseLong(c.group(2)), 0, 0, List.of(), "").key(), checkpoints(c.group(5))));
            }
        }
        return out.stream().map(t -> t.withCurve(curves.getOrDefault(t.key(), List.of()))).toList();
    }

    /**
     * The trials of several logs; where two hold the same trial (split, seed, budget, arm) the later log wins, so a
     * rerun of some seeds replaces what an earlier run printed for them and nothing is counted twice.
     */
    public static List<Trial> join(List<List<String>> logs) {
        Map<String, Trial> byKey = new LinkedHashMap<>();
        for (List<String> lines : logs) {
            parse(lines).forEach(t -> byKey.put(t.key(), t));
        }
        return List.copyOf(byKey.values());
    }

    private static List<Selection.Checkpoint> checkpoints(String text) {
        List<Selection.Checkpoint> out = new ArrayList<>();
        for (String p : text.strip().split(" ")) {
            if (!p.isEmpty()) {
                String[] uv = p.split(":");
                out.add(new Selection.Checkpoint(Long.parseLong(uv[0]), Double.parseDouble(uv[1])));
            }
        }
        return out;
    }

    private static int perClass(String n) {
        return n.equals("all") ? 0 : Integer.parseInt(n);
    }

    static Optional<Trial> parse(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        Optional<Arm> arm = arm(m.group(4).strip());
        if (arm.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Trial(m.group(1), arm.get(), perClass(m.group(3)), 0, Long.parseLong(m.group(2)), Double.parseDouble(m.group(5)),
                Double.parseDouble(m.group(7)), List.of(), m.group(6)));
    }

    private static Optional<Arm> arm(String label) {
        Arm arm;
        if (label.equals(Arm.SCRATCH.label())) {
            arm = Arm.SCRATCH;
        } else {
            Matcher h = HEAD.matcher(label);
            if (!h.matches()) {
                return Optional.empty();
            }
            arm = h.group(2) == null ? new Arm(h.group(1), SemiSupervised.Method.LABELS_ONLY, 0)
                    : new Arm(h.group(1), SemiSupervised.Method.fromWire(h.group(2)), Integer.parseInt(h.group(3)));
        }
        return Optional.of(arm);
    }
}
