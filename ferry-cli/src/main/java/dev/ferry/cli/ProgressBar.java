package dev.ferry.cli;

import dev.ferry.eval.EpochRecord;
import dev.ferry.train.TrainListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Training progress on stderr: a bar per epoch (redrawn in place on a terminal) with loss,
 * accuracy, images/s and ETA, then one summary line per epoch. With {@code --json} the same
 * per-epoch records also go to stdout as JSON lines. Every write is flushed: a bar drawn in place
 * has no line end to flush it, and the library's own lines reach the same stderr in between.
 */
class ProgressBar implements TrainListener {
    private final PrintWriter err;
    private final PrintWriter jsonOut;
    private final boolean interactive;
    /** Set again by {@link #planned} once the run has chosen its recipe. */
    private volatile int totalEpochs;
    private long epochStart = System.nanoTime();
    private long lastDraw;
    /** Whether a bar drawn in place waits for its line's end. */
    private volatile boolean midLine;

    ProgressBar(PrintWriter err, PrintWriter jsonOut, boolean interactive, int totalEpochs) {
        this.err = err;
        this.jsonOut = jsonOut;
        this.interactive = interactive;
        this.totalEpochs = totalEpochs;
    }

    @Override
    public void planned(int epochs) {
        totalEpochs = epochs;
    }

    @Override
    public void phaseStarted(String description) {
        err.println("ferry: " + description);
        err.flush();
    }

    @Override
    public void caching(int done, int total) {
        if (interactive && (done == total || System.nanoTime() - lastDraw > 200_000_000L)) {
            lastDraw = System.nanoTime();
            err.print(String.format(Locale.ROOT, "\rcaching backbone features %d/%d", done, total));
            midLine = done != total;
            if (done == total) {
                err.println();
            }
            err.flush();
        } else if (!interactive && done == total) {
            err.println("ferry: cached backbone features of " + total + " images");
            err.flush();
        }
    }

    @Override
    public void step(int epoch, int step, int steps, double loss, double accuracy, double imagesPerSecond) {
        if (step == 1) {
            epochStart = System.nanoTime();
        }
        if (!interactive || (step != steps && System.nanoTime() - lastDraw < 200_000_000L)) {
            return;
        }
        lastDraw = System.nanoTime();
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        double eta = step == 0 ? 0 : elapsed / step * (steps - step);
        int width = 24;
        int filled = (int) Math.round(width * step / (double) steps);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        err.print(String.format(Locale.ROOT, "\repoch %d/%d [%s] %d/%d loss %.4f acc %.3f %.1f img/s ETA %s   ",
                epoch, totalEpochs, bar, step, steps, loss, accuracy, imagesPerSecond, duration(eta)));
        midLine = true;
        if (step == steps) {
            err.print("\r" + " ".repeat(110) + "\r");
            midLine = false;
        }
        err.flush();
    }

    @Override
    public void epochFinished(EpochRecord r, boolean best) {
        err.println(line(r, totalEpochs) + (best ? "  *best" : ""));
        err.flush();
        if (jsonOut != null) {
            jsonOut.println(TrainCommand.GSON_LINE.toJson(r));
            jsonOut.flush();
        }
    }

    @Override
    public void interrupted() {
        if (midLine) {
            err.println();
            midLine = false;
            err.flush();
        }
    }

    static String line(EpochRecord r, int totalEpochs) {
        String val = Double.isNaN(r.valAccuracy()) ? ""
                : String.format(Locale.ROOT, "  val loss %.4f acc %.4f", r.valLoss(), r.valAccuracy());
        return String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.4f%s  lr %.2e  %.1fs  %.1f img/s",
                r.epoch(), totalEpochs, r.trainLoss(), r.trainAccuracy(), val, r.learningRate(), r.seconds(), r.imagesPerSecond());
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
