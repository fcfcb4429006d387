package dev.streamclassify.trainer.experiment;

import dev.streamclassify.trainer.training.SemiSupervised;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one line per trial that {@link ExperimentRunner} prints, and its reading back: a long run that is stopped
 * (or split over several processes) still yields its tables from the lines it printed. Learning curves are not in
 * the line, so trials read back have none. Stateless.
 */
public final class ExperimentLog {

    private static final Pattern LINE = Pattern.compile("^(\\S+) seed=(\\d+) N=(\\S+) (.+?)\\s+(\\d\\.\\d{4}) \\((.*), ([\\d.]+) s\\)$");
    private static final Pattern HEAD = Pattern.compile("^(\\S+) head(?: \\+ (\\S+) U=(\\d+))?$");

    private ExperimentLog() {
    }

    static String line(Trial t) {
        return String.format(java.util.Locale.ROOT, "%s seed=%d N=%s %-45s %.4f (%s, %.1f s)", t.split(), t.seed(),
                t.perClass() == 0 ? "all" : t.perClass(), t.arm().label(), t.accuracy(), t.chosen(), t.trainSeconds());
    }

    /** The trials among {@code lines}; other lines are ignored. */
    public static List<Trial> parse(List<String> lines) {
        List<Trial> out = new ArrayList<>();
        for (String l : lines) {
            parse(l).ifPresent(out::add);
        }
        return out;
    }

    static Optional<Trial> parse(String line) {
        Matcher m = LINE.matcher(line.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        Arm arm;
        String label = m.group(4).strip();
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
        int n = m.group(3).equals("all") ? 0 : Integer.parseInt(m.group(3));
        return Optional.of(new Trial(m.group(1), arm, n, 0, Long.parseLong(m.group(2)), Double.parseDouble(m.group(5)),
                Double.parseDouble(m.group(7)), List.of(), m.group(6)));
    }
}
