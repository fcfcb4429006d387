package dev.streamclassify.trainer.progress;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;

/** A terminal progress bar with rate and ETA; epoch losses show in the bar's extra message. */
public final class ConsoleProgress implements Progress {

    private final PrintStream out;
    private ProgressBar bar;

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void start(String task, long total) {
        done();
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setMaxRenderedLength(100).setEtaFunction(state -> {
                    long done = state.getCurrent() - state.getStart();
                    long left = state.getMax() - state.getCurrent();
                    if (done <= 0 || state.getMax() < 0) {
                        return java.util.Optional.empty();
                    }
                    Duration elapsed = state.getTotalElapsed();
                    return java.util.Optional.of(elapsed.multipliedBy(left).dividedBy(done));
                })
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)).build();
    }

    @Override
    public void step(long n) {
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    @Override
    public void epoch(int epoch, int epochs, double loss) {
        if (bar != null) {
            bar.setExtraMessage(String.format(" epoch %d/%d loss %.4f", epoch, epochs, loss));
        }
    }

    @Override
    public void done() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
