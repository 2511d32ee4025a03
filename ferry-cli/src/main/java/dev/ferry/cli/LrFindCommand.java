package dev.ferry.cli;

import dev.ferry.workflow.LrFind;
import com.google.gson.GsonBuilder;
import dev.ferry.data.BadImagesException;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.eval.Charts;
import dev.ferry.train.LrFinder;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.Strategy;
import dev.ferry.train.TrainConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry lr-find}: the learning-rate range test ({@link LrFinder}) on a throwaway copy of the
 * network {@code ferry train} would build, with the same data preparation, strategy and optimizer.
 * Writes {@code lr_find.png} and {@code lr_find.json} into {@code --out} and prints the suggested
 * {@code --lr}.
 */
@Command(
        name = "lr-find",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Find a learning rate for ferry train (the learning-rate range test).",
            "Trains a throwaway copy of the network briefly while the rate grows exponentially from --start to --end, "
                    + "plots the smoothed loss against the rate, and suggests the rate where the loss falls fastest "
                    + "(steepest descent before the minimum). Use the suggestion as ferry train's --lr."
        })
public final class LrFindCommand extends FerryCommand {
    /** The chart's file name in {@code --out}. */
    static final String CHART = "lr_find.png";
    /** The curve's file name in {@code --out}. */
    static final String DATA = "lr_find.json";

    @CommandLine.Mixin
    PresetOptions presetOptions = new PresetOptions();

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Training images: one sub-folder per class.")
    Path data;

    @CommandLine.Mixin
    WeightsOptions pretrained = new WeightsOptions();

    @Option(names = "--strategy", defaultValue = "fine-tune",
            description = "As ferry train: feature-extract, fine-tune, unfreeze-from:layerN, two-stage (its head phase) or scratch (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--start", defaultValue = "1e-7", description = "First rate (default: ${DEFAULT-VALUE}).")
    double start;

    @Option(names = "--end", defaultValue = "10", description = "Last rate (default: ${DEFAULT-VALUE}).")
    double end;

    @Option(names = "--steps", defaultValue = "100", description = "Rates tried, one optimizer step each; batches cycle through the data (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", description = "Images per step (default: the strategy's, as ferry train).")
    Integer batchSize;

    @Option(names = "--optimizer", description = "sgd or adamw (default sgd).")
    OptimizerKind optimizer;

    @Option(names = "--backbone-lr-factor", defaultValue = "" + Strategy.DEFAULT_BACKBONE_LR_FACTOR,
            description = "Backbone rate relative to the head when fine-tuning (default: ${DEFAULT-VALUE}: every layer at one rate).")
    double backboneLrFactor;

    @Option(names = "--seed", defaultValue = "42", description = "Seed: shuffling, augmentation, new head (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--skip-bad", description = "Leave out unreadable images instead of stopping.")
    boolean skipBad;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--out", defaultValue = "ferry-lr-find", paramLabel = "DIR", description = "Folder for lr_find.png and lr_find.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print {\"suggestedLr\", \"rates\", \"losses\", ...} as one JSON object on stdout.")
    boolean json;

    @Override
    protected int run() {
        PrintWriter stdout = out();
        PrintWriter err = err();
        Strategy s = TrainCommand.parseStrategy(strategy, 1, true, backboneLrFactor, 3);
        TrainConfig cfg = TrainConfig.defaults(s).withSeed(seed);
        if (batchSize != null) {
            cfg = cfg.withBatchSize(batchSize);
        }
        LrFinder.Settings settings = new LrFinder.Settings(start, end, steps, cfg.batchSize());
        if (optimizer != null) {
            cfg = cfg.withOptimizer(optimizer);
        }
        requireFolderPath(out, "--out");
        int nThreads = threads.resolve();
        LrFind.Result found;
        try {
            found = LrFind.run(new LrFind.Options(data, pretrained.weights, pretrained.arch, cfg, settings, presetOptions.override(),
                    nThreads, skipBad, pretrained.lenient), log());
        } catch (BadImagesException e) {
            e.badImages().forEach(b -> err.println("ferry: bad image: " + b));
            throw e;
        }
        found.skipped().forEach(b -> err.println("ferry: warning: skipped bad image " + b));
        LrFinder.Result result = found.sweep();

        Map<String, Object> o = new LinkedHashMap<>();
        o.put("suggestedLr", result.suggestedLr());
        // Every rule's reading of the same curve (null where a rule has nothing to suggest), as --lr auto:RULE would use it.
        Map<String, Object> byRule = new LinkedHashMap<>();
        result.byRule().forEach((r, v) -> byRule.put(r.id(), v.isPresent() ? v.getAsDouble() : null));
        o.put("rules", byRule);
        o.put("rates", result.rates());
        o.put("losses", result.losses());
        o.put("rawLosses", result.rawLosses());
        o.put("stoppedEarly", result.stoppedEarly());
        o.put("strategy", s.id());
        String jsonText = new GsonBuilder().disableHtmlEscaping().serializeNulls().create().toJson(o);
        AtomicFiles.write(out.resolve(CHART), Charts.lrFinder(result.rates(), result.losses(), result.suggestedLr()));
        AtomicFiles.writeString(out.resolve(DATA), jsonText + "\n");
        err.println("ferry: " + (result.stoppedEarly() ? "the loss diverged after " + result.rates().length + " steps; " : "")
                + "wrote " + out.resolve(CHART) + " and " + out.resolve(DATA));
        if (json) {
            stdout.println(jsonText);
        } else {
            stdout.println(String.format(Locale.ROOT, "suggested learning rate: %.2e (steepest descent of the smoothed loss)",
                    result.suggestedLr()));
            byRule.forEach((id, v) -> stdout.println(String.format(Locale.ROOT, "  --lr auto:%-8s %s", id,
                    v == null ? "(nothing to suggest)" : String.format(Locale.ROOT, "%.2e", (Double) v))));
        }
        return OK;
    }
}
