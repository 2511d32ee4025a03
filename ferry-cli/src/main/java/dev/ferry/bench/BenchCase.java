package dev.ferry.bench;

import dev.ferry.InputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The measurements of {@code ferry bench}. The ids match {@code tools/bench_pytorch.py}'s cases
 * where the two measure the same thing, so that the two sides line up case by case.
 */
public enum BenchCase {
    /** A float32 2048x2048 matrix product through DJL: the machine's GEMM rate in GFLOP/s. */
    GEMM("gemm", false, true),
    /**
     * Inference images/s on the network ferry predicts with: BatchNorm folded into the convolutions,
     * on the configured inference engine (ONNX Runtime by default; see InferenceNetwork).
     */
    INFER("infer", false, true),
    /** The BN-folded channels-last network on libtorch (FusedResNet); for comparison. */
    INFER_LIBTORCH("infer_libtorch", false, false),
    /** The training modules in inference mode on libtorch (BN not folded); for comparison. */
    INFER_UNFUSED("infer_unfused", false, false),
    /** One training step (forward, cross-entropy, backward, SGD with momentum): images/s. */
    TRAIN("train", false, true),
    /** Decode, preprocess and classify every image of a folder, decoding on worker threads: images/s. */
    PREDICT_FOLDER("predict_folder", true, true),
    /**
     * One image through a fresh JVM, as {@code ferry predict} on one image: start, read a full-size
     * weights file, build the network, decode, classify. Wall time of the whole process.
     */
    PREDICT_ONE("predict_one", true, true),
    /** Feature-extraction transfer, the usual recipe: the frozen backbone runs on every epoch's augmented images. */
    FE_NOCACHE("fe_nocache", true, true),
    /** Feature-extraction transfer with ferry's feature cache: the backbone runs once per image. */
    FE_CACHED("fe_cached", true, true);

    private final String id;
    private final boolean needsImages;
    private final boolean byDefault;

    BenchCase(String id, boolean needsImages, boolean byDefault) {
        this.id = id;
        this.needsImages = needsImages;
        this.byDefault = byDefault;
    }

    /** The CLI spelling. */
    public String id() {
        return id;
    }

    /** Whether the case reads the {@code --images} folder. */
    public boolean needsImages() {
        return needsImages;
    }

    /** Parses one case id. */
    public static BenchCase parse(String text) {
        String t = text == null ? "" : text.trim();
        for (BenchCase c : values()) {
            if (c.id.equalsIgnoreCase(t)) {
                return c;
            }
        }
        throw new InputException("unknown bench case '" + text + "' (known: " + ids(List.of(values())) + ")");
    }

    /**
     * The cases to run: the comma-separated list {@code spec}, or when it is null every default case
     * (those needing images only when {@code haveImages}). Order is this enum's, duplicates dropped.
     *
     * @throws InputException for an unknown id, or an image case without an image folder
     */
    public static List<BenchCase> select(String spec, boolean haveImages) {
        Set<BenchCase> chosen = new LinkedHashSet<>();
        if (spec == null) {
            for (BenchCase c : values()) {
                if (c.byDefault && (haveImages || !c.needsImages)) {
                    chosen.add(c);
                }
            }
        } else {
            for (String part : spec.split(",", -1)) {
                BenchCase c = parse(part);
                if (c.needsImages && !haveImages) {
                    throw new InputException("bench case " + c.id + " needs --images DIR");
                }
                chosen.add(c);
            }
        }
        List<BenchCase> out = new ArrayList<>(Arrays.asList(values()));
        out.retainAll(chosen);
        return out;
    }

    /** The ids joined with ", ". */
    public static String ids(List<BenchCase> cases) {
        return cases.stream().map(BenchCase::id).collect(Collectors.joining(", "));
    }
}
