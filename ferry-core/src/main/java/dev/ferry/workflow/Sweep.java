package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.BadImage;
import dev.ferry.data.ImageFolder;
import dev.ferry.data.ImageValidator;
import dev.ferry.data.Preset;
import dev.ferry.data.Sample;
import dev.ferry.eval.BackboneScore;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.Engines;
import dev.ferry.train.FeatureCache;
import dev.ferry.train.FolderSource;
import dev.ferry.train.LinearProbe;
import dev.ferry.train.PresetOverride;
import dev.ferry.train.Pretrained;
import dev.ferry.train.TrainListener;
import dev.ferry.weights.HubWeights;
import dev.ferry.weights.KnownWeights;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.WeightsInventory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The backbone sweep: for each candidate (pretrained weights, or a randomly initialised network as
 * a baseline), the backbone features of every image once, then a {@link LinearProbe} trained and
 * scored on each of K stratified folds. Every candidate sees the same folds, so their accuracies
 * are compared fold by fold; what it reports is what feature extraction would reach with each
 * backbone, its cost (parameters, multiply-accumulates at its crop) and its measured speed here.
 *
 * <p>The recommendation: among the non-baseline candidates, the one with the fewest
 * multiply-accumulates whose fold-by-fold difference from the most accurate one has a 95% interval
 * reaching 0 (not measurably worse), so a cheaper backbone wins when the data cannot tell it apart.
 */
public final class Sweep {
    private Sweep() {}

    /** How a candidate is marked as a randomly initialised baseline: {@code random:SPEC}. */
    public static final String RANDOM = "random:";

    /** The recommendation rule, in words. */
    public static final String RULE = "the fewest multiply-accumulates among candidates not measurably less accurate than the best"
            + " (95% interval of the fold-by-fold difference reaching 0); random baselines are never recommended";

    /**
     * What to sweep.
     *
     * @param data images, one sub-folder per class
     * @param candidates weights references as {@code ferry train --weights} takes them, or
     *     {@code random:SPEC} for SPEC's network randomly initialised (SPEC an architecture or weights)
     * @param budgetGmacs the most multiply-accumulates per image, in billions, or null for no limit;
     *     with no candidates, every known entry within it is one
     * @param folds K, at least 2
     * @param seed folds and random initialisation
     * @param preset preprocessing replacing each candidate's own, or null
     * @param batchSize images per backbone batch
     * @param threads decoding threads
     * @param skipBad leave out unreadable images instead of stopping
     */
    public record Options(Path data, List<String> candidates, Double budgetGmacs, int folds, long seed, PresetOverride preset,
            int batchSize, int threads, boolean skipBad) {
        public Options {
            if (data == null) {
                throw new InputException("an image folder is required");
            }
            candidates = candidates == null ? List.of() : List.copyOf(candidates);
            if (candidates.isEmpty() && budgetGmacs == null) {
                throw new InputException(Message.of("name the candidates (", Setting.WEIGHTS, " a,b,c) or a budget (", Setting.BUDGET,
                        " GMACS) for every known one within it"));
            }
            if (budgetGmacs != null && !(budgetGmacs > 0)) {
                throw new InputException(Message.of(Setting.BUDGET, " must be positive (billions of multiply-accumulates per image), got ",
                        budgetGmacs));
            }
            if (folds < 2) {
                throw new InputException(Message.of(Setting.FOLDS, " must be at least 2, got ", folds));
            }
            if (batchSize < 1 || threads < 1) {
                throw new InputException("batch size and threads must be at least 1");
            }
        }
    }

    /**
     * What the sweep found.
     *
     * @param scores one per candidate, in the order given
     * @param recommended the recommended candidate's name, or null when only baselines ran
     * @param images the images swept over
     * @param classes the class names
     * @param folds K
     * @param skipped images left out (with {@code skipBad})
     * @param overBudget candidates left out for exceeding the budget
     */
    public record Result(List<BackboneScore> scores, String recommended, int images, List<String> classes, int folds,
            List<BadImage> skipped, List<String> overBudget) {}

    /** Runs the sweep, saying on {@code log} what each candidate costs and scores. */
    public static Result run(Options o, PrintStream log) {
        ImageFolder folder = ImageFolder.scan(o.data());
        List<String> classes = folder.classes();
        if (classes.size() < 2) {
            throw new InputException("need at least 2 classes, found " + classes.size() + " in " + o.data());
        }
        ImageValidator.Checked checked = ImageValidator.check(folder.samples(), o.threads(), o.skipBad(), done -> { });
        List<Sample> samples = checked.usable();
        CrossValidation.requireFoldable(samples, classes, o.folds(), o.data());
        int[] fold = CrossValidation.assignFolds(samples, classes, o.folds(), o.seed());
        int[] labels = samples.stream().mapToInt(Sample::label).toArray();

        List<String> specs = new ArrayList<>(o.candidates());
        List<String> overBudget = new ArrayList<>();
        if (specs.isEmpty()) {
            for (KnownWeights w : KnownWeights.values()) {
                specs.add(w.displayName());
            }
            for (HubWeights w : HubWeights.values()) {
                specs.add(w.displayName());
            }
        }
        // Every candidate resolved (and downloaded) before any is scored: a bad name fails at once.
        List<Candidate> resolved = new ArrayList<>();
        for (String spec : specs) {
            Double known = knownGmacs(spec, o.preset(), classes.size());
            if (o.budgetGmacs() != null && known != null && known > o.budgetGmacs()) {
                overBudget.add(spec);
                continue;
            }
            Candidate c = candidate(spec, o, classes.size(), log);
            if (o.budgetGmacs() != null && c.gmacs() > o.budgetGmacs()) {
                overBudget.add(spec);
                continue;
            }
            resolved.add(c);
        }
        log.println(String.format(Locale.ROOT, "ferry: sweep on %d images of %d classes, %d folds, seed %d", samples.size(),
                classes.size(), o.folds(), o.seed()));
        List<BackboneScore> scores = new ArrayList<>();
        List<double[]> perFold = new ArrayList<>();
        for (Candidate c : resolved) {
            double[] acc = new double[o.folds()];
            BackboneScore s = score(c, samples, labels, fold, o, acc);
            scores.add(s);
            perFold.add(acc);
            log.println(String.format(Locale.ROOT, "ferry: sweep %s: %.4f +- %.4f, %.2f GMACs, features %.1f s (%.0f images/s)",
                    s.name(), s.mean(), s.halfWidth(), s.gmacs(), s.featuresSeconds(), s.imagesPerSecond()));
        }
        if (!overBudget.isEmpty()) {
            log.println("ferry: over the budget of " + o.budgetGmacs() + " GMACs, not swept: " + String.join(", ", overBudget));
        }
        if (scores.isEmpty()) {
            throw new InputException(Message.of("no candidate within the ", Setting.BUDGET, " of ", o.budgetGmacs(), " GMACs"));
        }
        String recommended = recommend(scores, perFold);
        return new Result(List.copyOf(scores), recommended, samples.size(), classes, o.folds(), List.copyOf(checked.bad()),
                List.copyOf(overBudget));
    }

    /**
     * The recommendation ({@link #RULE}) from each candidate's per-fold accuracies, or null when
     * every candidate is a baseline.
     */
    static String recommend(List<BackboneScore> scores, List<double[]> perFold) {
        int best = -1;
        for (int i = 0; i < scores.size(); i++) {
            if (!scores.get(i).baseline() && (best < 0 || scores.get(i).mean() > scores.get(best).mean())) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        List<Integer> tied = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            if (scores.get(i).baseline()) {
                continue;
            }
            List<Double> diff = new ArrayList<>();
            for (int k = 0; k < perFold.get(i).length; k++) {
                diff.add(perFold.get(i)[k] - perFold.get(best)[k]);
            }
            CrossValidation.Summary d = CrossValidation.summarize(diff);
            if (i == best || d.high() >= -1e-12) {
                tied.add(i);
            }
        }
        return scores.get(tied.stream().min(Comparator.<Integer>comparingDouble(i -> scores.get(i).gmacs())
                .thenComparing(i -> -scores.get(i).mean())).orElseThrow()).name();
    }

    /** A network to take features from. */
    private record Candidate(String name, ResNetConfig config, Preset preset, Pretrained weights, boolean baseline, double gmacs,
            long params) {}

    /** The cost of a known entry without downloading it, or null for anything else. */
    private static Double knownGmacs(String spec, PresetOverride override, int classes) {
        Architecture arch;
        Preset preset;
        HubWeights hub = HubWeights.find(spec);
        if (hub != null) {
            arch = Architecture.parse(hub.architecture());
            preset = hub.preset();
        } else {
            KnownWeights known;
            try {
                known = KnownWeights.parse(spec);
            } catch (InputException e) {
                return null;
            }
            arch = Architecture.parse(known.architecture());
            preset = known.preset();
        }
        Preset p = override != null && !override.isEmpty() ? override.apply(preset) : preset;
        return ResNet.create(ResNetConfig.of(arch, classes)).macs(new Shape(1, 3, p.crop(), p.crop())) / 1e9;
    }

    private static Candidate candidate(String spec, Options o, int classes, PrintStream log) {
        boolean baseline = spec.regionMatches(true, 0, RANDOM, 0, RANDOM.length());
        String rest = baseline ? spec.substring(RANDOM.length()) : spec;
        ResNetConfig config;
        Preset preset;
        Pretrained weights = null;
        Architecture arch = baseline ? architectureOrNull(rest) : null;
        if (arch != null) {
            config = ResNetConfig.of(arch, classes);
            preset = Preset.imagenetV1();
        } else {
            weights = Pretrained.resolve(rest, null, log);
            config = weights.config();
            preset = weights.preset();
        }
        config = config.withNumClasses(classes).withDropout(0f);
        if (o.preset() != null && !o.preset().isEmpty()) {
            preset = o.preset().apply(preset);
        }
        ResNet structure = ResNet.create(config);
        double gmacs = structure.macs(new Shape(1, 3, preset.crop(), preset.crop())) / 1e9;
        return new Candidate(spec, config, preset, baseline ? null : weights, baseline, gmacs, structure.parameterCount());
    }

    private static Architecture architectureOrNull(String text) {
        try {
            return Architecture.parse(text);
        } catch (InputException e) {
            return null;
        }
    }

    /**
     * Backbone features of every sample (one eval-transform view, as {@link FeatureCache}), with
     * {@code weights} loaded into the backbone (its head dropped), or random initialisation from
     * {@code seed} when null.
     */
    static FeatureCache features(ResNetConfig config, Pretrained weights, Preset preset, List<Sample> samples, int batchSize, int threads,
            long seed) {
        try (NDManager manager = Engines.newManager();
                FolderSource source = new FolderSource(samples, preset, TrainingStart.augmentationFor(preset), threads, false)) {
            Engines.seed(seed);
            ResNet net = ResNet.create(config).initialize(manager);
            if (weights != null) {
                // The head is not used: only the backbone's keys must fit.
                ModelWeights.load(net, weights.stateDict(), false, true, weights.file());
            }
            return FeatureCache.compute(net, source, 1, false, seed, batchSize, manager, TrainListener.NONE);
        }
    }

    /** Features of every sample, then a probe per fold; {@code accuracies} receives each fold's. */
    private static BackboneScore score(Candidate c, List<Sample> samples, int[] labels, int[] fold, Options o, double[] accuracies) {
        int n = samples.size();
        int dim = c.config().featureDim();
        long started = System.nanoTime();
        FeatureCache cache = features(c.config(), c.weights(), c.preset(), samples, o.batchSize(), o.threads(), o.seed());
        float[] features = cache.batch(0, java.util.stream.IntStream.range(0, n).toArray());
        try (NDManager manager = Engines.newManager()) {
            double featuresSeconds = (System.nanoTime() - started) / 1e9;
            List<Double> acc = new ArrayList<>();
            List<Double> penalties = new ArrayList<>();
            for (int k = 0; k < o.folds(); k++) {
                int trainCount = 0;
                for (int f : fold) {
                    trainCount += f != k ? 1 : 0;
                }
                float[] xTrain = new float[trainCount * dim];
                float[] xTest = new float[(n - trainCount) * dim];
                int[] yTrain = new int[trainCount];
                int[] yTest = new int[n - trainCount];
                for (int i = 0, a = 0, b = 0; i < n; i++) {
                    if (fold[i] != k) {
                        System.arraycopy(features, i * dim, xTrain, a * dim, dim);
                        yTrain[a++] = labels[i];
                    } else {
                        System.arraycopy(features, i * dim, xTest, b * dim, dim);
                        yTest[b++] = labels[i];
                    }
                }
                LinearProbe.Model probe = LinearProbe.fit(xTrain, yTrain, dim, c.config().numClasses(), LinearProbe.DEFAULT_PENALTIES, manager);
                accuracies[k] = probe.accuracy(xTest, yTest, manager);
                acc.add(accuracies[k]);
                penalties.add(probe.penalty());
            }
            CrossValidation.Summary s = CrossValidation.summarize(acc);
            ResNetConfig cfg = c.config();
            return new BackboneScore(c.name(), cfg.architecture().id(), cfg.width(), cfg.stem().id(), c.params(), c.gmacs(),
                    WeightsInventory.describe(c.preset()), c.baseline(), acc, s.mean(), s.sd(), s.halfWidth(), penalties, featuresSeconds,
                    n / Math.max(cache.backboneSeconds(), 1e-9));
        }
    }
}
