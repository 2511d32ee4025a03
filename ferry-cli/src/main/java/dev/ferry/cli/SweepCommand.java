package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import dev.ferry.data.BadImagesException;
import dev.ferry.eval.ReportWriter;
import dev.ferry.eval.SweepReport;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.platform.CpuInfo;
import dev.ferry.train.LinearProbe;
import dev.ferry.workflow.Sweep;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry sweep}: which pretrained backbone to train on, measured on the user's own images
 * ({@link Sweep}). Writes {@code sweep.json}, {@code report.html} and its chart into {@code --out}.
 */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Compare pretrained backbones on your images before training.",
            "For each candidate, runs every image through its backbone once and trains a linear probe on those features"
                    + " on each of --folds stratified folds (the same folds for every candidate); prints and reports the"
                    + " probe accuracy with its 95% interval, parameters, multiply-accumulates and the images per second"
                    + " measured here, and recommends the cheapest candidate not measurably less accurate than the best."
        })
public final class SweepCommand extends FerryCommand {
    /** The results' file name in {@code --out}. */
    static final String DATA = "sweep.json";

    @CommandLine.Mixin
    PresetOptions presetOptions = new PresetOptions();

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Images: one sub-folder per class.")
    Path data;

    @Option(names = "--weights", split = ",", paramLabel = "SPEC",
            description = "Candidates, comma-separated: known names (ferry weights list), hf-hub:ORG/NAME[@REVISION], weight files,"
                    + " model directories, or random:SPEC for SPEC's network randomly initialised (a baseline).")
    List<String> weights;

    @Option(names = "--budget", paramLabel = "GMACS",
            description = "Most multiply-accumulates per image, in billions (what torchvision calls GFLOPS); without --weights,"
                    + " every known entry within it is a candidate.")
    Double budget;

    @Option(names = "--folds", defaultValue = "5", description = "Stratified folds (default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the folds and of random baselines (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per backbone batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--skip-bad", description = "Leave out unreadable images instead of stopping.")
    boolean skipBad;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--out", defaultValue = "ferry-sweep", paramLabel = "DIR",
            description = "Folder for sweep.json, report.html and its chart (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the results as one JSON object on stdout.")
    boolean json;

    @Override
    protected int run() {
        PrintWriter stdout = out();
        PrintWriter err = err();
        requireFolderPath(out, "--out");
        Sweep.Result r;
        try {
            r = Sweep.run(new Sweep.Options(data, weights, budget, folds, seed, presetOptions.override(), batchSize, threads.resolve(),
                    skipBad), log());
        } catch (BadImagesException e) {
            e.badImages().forEach(b -> err.println("ferry: bad image: " + b));
            throw e;
        }
        r.skipped().forEach(b -> err.println("ferry: warning: skipped bad image " + b));

        String machine = CpuInfo.current().describe() + ", " + threads.resolve() + " threads";
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("data", data.toString());
        o.put("images", r.images());
        o.put("classes", r.classes());
        o.put("folds", r.folds());
        o.put("seed", seed);
        o.put("probe", "ridge on z-scored features, penalty by leave-one-out error from " + LinearProbe.DEFAULT_PENALTIES);
        o.put("machine", machine);
        o.put("candidates", SweepReport.json(r.scores()));
        o.put("overBudget", r.overBudget());
        o.put("recommended", r.recommended());
        o.put("rule", Sweep.RULE);
        String jsonText = new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create().toJson(o);
        AtomicFiles.writeString(out.resolve(DATA), jsonText + "\n");
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("data", data + " (" + r.images() + " images, " + r.classes().size() + " classes)");
        summary.put("folds", r.folds() + " stratified, seed " + seed + ", the same for every candidate");
        summary.put("probe", "ridge on z-scored features, penalty by leave-one-out error");
        summary.put("recommended", r.recommended() == null ? "none (only baselines ran)" : r.recommended());
        summary.put("rule", Sweep.RULE);
        summary.put("machine", machine);
        Path page = ReportWriter.write(SweepReport.report(summary, r.scores(), r.recommended()), out);
        err.println("ferry: wrote " + out.resolve(DATA) + " and " + page);
        if (json) {
            stdout.println(new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(o));
        } else {
            stdout.print(SweepReport.table(r.scores(), r.recommended()));
            stdout.println(r.recommended() == null ? "no recommendation: every candidate is a random baseline"
                    : String.format(Locale.ROOT, "recommended: %s (%s)", r.recommended(), Sweep.RULE));
        }
        return OK;
    }
}
