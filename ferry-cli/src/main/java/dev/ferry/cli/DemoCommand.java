package dev.ferry.cli;

import dev.ferry.eval.EpochRecord;
import com.google.gson.GsonBuilder;
import dev.ferry.demo.Demo;
import dev.ferry.demo.DemoData;
import dev.ferry.eval.Charts;
import dev.ferry.eval.Report;
import dev.ferry.eval.ReportWriter;
import dev.ferry.eval.ShotResult;
import dev.ferry.train.TrainListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry demo}: transfer learning versus training from scratch, offline, on embedded data. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Run the transfer-learning experiment on embedded data: a ResNet pretrained on five Fashion-MNIST",
            "classes learns the five others from 20 labelled images per class; compares feature extraction,",
            "fine-tuning, two-stage and training from scratch on the 5,000 test images."
        })
public final class DemoCommand extends FerryCommand {

    @Option(names = "--shots", split = ",", defaultValue = "20", description = "Labelled training images per class, e.g. 5,10,20 (default: ${DEFAULT-VALUE}).")
    List<Integer> shots;

    @Option(names = "--strategies", split = ",", defaultValue = "feature-extract,fine-tune,two-stage,scratch",
            description = "Strategies to compare (default: ${DEFAULT-VALUE}).")
    List<String> strategies;

    @Option(names = "--epochs", defaultValue = "0", description = "Epochs per run (default: each strategy's recipe).")
    int epochs;

    @Option(names = "--test-limit", defaultValue = "0", description = "Evaluate on at most N test images per class (default: all 1,000).")
    int testLimit;

    @Option(names = "--seed", defaultValue = "42", description = "Seed shared by every run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "Decoding threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--report", defaultValue = "ferry-demo-report", description = "Folder for report.html (default: ${DEFAULT-VALUE}).")
    Path report;

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() throws IOException {
        Demo.Options o = new Demo.Options(shots, strategies, epochs, testLimit, seed, threads);
        Path work = Files.createTempDirectory("ferry-demo");
        Demo.Result r;
        try {
            ProgressBar bar = new ProgressBar(err(), null, interactive(), 0) {
                @Override
                public void epochFinished(dev.ferry.eval.EpochRecord rec, boolean best) {
                    // the demo prints one line per strategy instead of one per epoch
                }
            };
            r = Demo.run(o, work, interactive() ? bar : TrainListener.NONE, log());
        } finally {
            DemoData.deleteTree(work);
        }
        Path html = writeReport(r, report);
        if (json.on()) {
            out().println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(toJson(r)));
        } else {
            out().print(table(r));
        }
        err().println("ferry: report written to " + html);
        return OK;
    }

    static String table(Demo.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "source: %s, test accuracy %s on its own 5 classes%n",
                r.source().get("network"), fmt(r.source().get("testAccuracy"))));
        sb.append(String.format(Locale.ROOT, "target: 5 unseen classes, %d test images%n%n", r.testImages()));
        String f = "%-16s %6s %14s %14s %10s%n";
        sb.append(String.format(Locale.ROOT, f, "strategy", "shots", "test accuracy", "train seconds", "images/s"));
        for (Demo.StrategyResult s : r.strategies()) {
            sb.append(String.format(Locale.ROOT, f, s.name(), s.shots(),
                    String.format(Locale.ROOT, "%.2f%%", 100 * s.testAccuracy()),
                    String.format(Locale.ROOT, "%.1f", s.trainSeconds()),
                    String.format(Locale.ROOT, "%.0f", s.imagesPerSecond())));
        }
        sb.append(String.format(Locale.ROOT, "%ntotal %.0f s%n", r.seconds()));
        return sb.toString();
    }

    private static String fmt(Object acc) {
        return acc instanceof Number n ? String.format(Locale.ROOT, "%.2f%%", 100 * n.doubleValue()) : "n/a";
    }

    static Map<String, Object> toJson(Demo.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("source", r.source());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Demo.StrategyResult s : r.strategies()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("shots", s.shots());
            m.put("testAccuracy", s.testAccuracy());
            m.put("trainSeconds", s.trainSeconds());
            m.put("imagesPerSecond", s.imagesPerSecond());
            m.put("epochs", s.history().size());
            m.put("macroF1", s.metrics().macroAvg().f1());
            m.put("confusionMatrix", s.metrics().confusionMatrix().toArray());
            rows.add(m);
        }
        o.put("strategies", rows);
        o.put("testImages", r.testImages());
        o.put("seconds", r.seconds());
        return o;
    }

    static Path writeReport(Demo.Result r, Path dir) {
        Report.Builder b = Report.builder("ferry demo: transfer learning on Fashion-MNIST");
        Map<String, String> summary = new LinkedHashMap<>();
        r.source().forEach((k, v) -> summary.put("source " + k, String.valueOf(v)));
        summary.put("target test images", Integer.toString(r.testImages()));
        for (Demo.StrategyResult s : r.strategies()) {
            summary.put(s.name() + " (" + s.shots() + " shots)",
                    String.format(Locale.ROOT, "%.2f%% in %.1f s", 100 * s.testAccuracy(), s.trainSeconds()));
        }
        b.summary("Results", summary);
        List<ShotResult> shots = new ArrayList<>();
        r.strategies().forEach(s -> shots.add(new ShotResult(s.name(), s.shots(), s.testAccuracy())));
        b.chart("Test accuracy against labelled images per class", "accuracy_vs_shots.png", Charts.accuracyVsShots(shots));
        for (Demo.StrategyResult s : r.strategies()) {
            String id = s.name() + "_" + s.shots();
            b.chart(s.name() + ", " + s.shots() + " shots: learning curves", id + "_curves.png", Charts.learningCurves(s.history()));
            b.chart(s.name() + ", " + s.shots() + " shots: confusion matrix (test)", id + "_confusion.png", Charts.confusionMatrix(s.metrics()));
        }
        b.text("Data", "Fashion-MNIST (Zalando SE, MIT licence; see " + DemoData.LICENSE + " in the demo data).");
        return ReportWriter.write(b.build(), dir);
    }
}
