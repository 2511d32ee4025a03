package dev.ferry.weights;

import dev.ferry.data.Preset;
import dev.ferry.InputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torchvision's pretrained ImageNet ResNet weights, named as in torchvision's weights API
 * ({@code ResNet50_Weights.IMAGENET1K_V2} is {@link #RESNET50_IMAGENET1K_V2}, or
 * {@code "resnet50.IMAGENET1K_V2"} on the command line).
 *
 * <p>Every network of torchvision's {@code resnet.py}: ResNet, ResNeXt and Wide ResNet. File names,
 * URLs, accuracies, parameter counts and presets are those of torchvision 0.14
 * ({@code torchvision/models/resnet.py}); the 1000 category names are its
 * {@code _IMAGENET_CATEGORIES}, in class-index order.
 */
public enum KnownWeights {
    /** ResNet-18, original recipe. */
    RESNET18_IMAGENET1K_V1("resnet18", "IMAGENET1K_V1", "resnet18-f37072fd.pth", 69.758, 89.078, 11_689_512L, Preset.imagenetV1()),
    /** ResNet-34, original recipe. */
    RESNET34_IMAGENET1K_V1("resnet34", "IMAGENET1K_V1", "resnet34-b627a593.pth", 73.314, 91.420, 21_797_672L, Preset.imagenetV1()),
    /** ResNet-50, original recipe. */
    RESNET50_IMAGENET1K_V1("resnet50", "IMAGENET1K_V1", "resnet50-0676ba61.pth", 76.130, 92.862, 25_557_032L, Preset.imagenetV1()),
    /** ResNet-50, torchvision's new training recipe. */
    RESNET50_IMAGENET1K_V2("resnet50", "IMAGENET1K_V2", "resnet50-11ad3fa6.pth", 80.858, 95.434, 25_557_032L, Preset.imagenetV2()),
    /** ResNet-101, original recipe. */
    RESNET101_IMAGENET1K_V1("resnet101", "IMAGENET1K_V1", "resnet101-63fe2227.pth", 77.374, 93.546, 44_549_160L, Preset.imagenetV1()),
    /** ResNet-101, torchvision's new training recipe. */
    RESNET101_IMAGENET1K_V2("resnet101", "IMAGENET1K_V2", "resnet101-cd907fc2.pth", 81.886, 95.780, 44_549_160L, Preset.imagenetV2()),
    /** ResNet-152, original recipe. */
    RESNET152_IMAGENET1K_V1("resnet152", "IMAGENET1K_V1", "resnet152-394f9c45.pth", 78.312, 94.046, 60_192_808L, Preset.imagenetV1()),
    /** ResNet-152, torchvision's new training recipe. */
    RESNET152_IMAGENET1K_V2("resnet152", "IMAGENET1K_V2", "resnet152-f82ba261.pth", 82.284, 96.002, 60_192_808L, Preset.imagenetV2()),
    /** ResNeXt-50 (32x4d), original recipe. */
    RESNEXT50_32X4D_IMAGENET1K_V1("resnext50_32x4d", "IMAGENET1K_V1", "resnext50_32x4d-7cdf4587.pth", 77.618, 93.698, 25_028_904L, Preset.imagenetV1()),
    /** ResNeXt-50 (32x4d), torchvision's new training recipe. */
    RESNEXT50_32X4D_IMAGENET1K_V2("resnext50_32x4d", "IMAGENET1K_V2", "resnext50_32x4d-1a0047aa.pth", 81.198, 95.340, 25_028_904L, Preset.imagenetV2()),
    /** ResNeXt-101 (32x8d), original recipe. */
    RESNEXT101_32X8D_IMAGENET1K_V1("resnext101_32x8d", "IMAGENET1K_V1", "resnext101_32x8d-8ba56ff5.pth", 79.312, 94.526, 88_791_336L, Preset.imagenetV1()),
    /** ResNeXt-101 (32x8d), torchvision's new training recipe. */
    RESNEXT101_32X8D_IMAGENET1K_V2("resnext101_32x8d", "IMAGENET1K_V2", "resnext101_32x8d-110c445d.pth", 82.834, 96.228, 88_791_336L, Preset.imagenetV2()),
    /** ResNeXt-101 (64x4d): torchvision has only the new recipe, published as V1 (evaluated at Resize 232). */
    RESNEXT101_64X4D_IMAGENET1K_V1("resnext101_64x4d", "IMAGENET1K_V1", "resnext101_64x4d-173b62eb.pth", 83.246, 96.454, 83_455_272L, Preset.imagenetV2()),
    /** Wide ResNet-50-2, original recipe. */
    WIDE_RESNET50_2_IMAGENET1K_V1("wide_resnet50_2", "IMAGENET1K_V1", "wide_resnet50_2-95faca4d.pth", 78.468, 94.086, 68_883_240L, Preset.imagenetV1()),
    /** Wide ResNet-50-2, torchvision's new training recipe. */
    WIDE_RESNET50_2_IMAGENET1K_V2("wide_resnet50_2", "IMAGENET1K_V2", "wide_resnet50_2-9ba9bcbe.pth", 81.602, 95.758, 68_883_240L, Preset.imagenetV2()),
    /** Wide ResNet-101-2, original recipe. */
    WIDE_RESNET101_2_IMAGENET1K_V1("wide_resnet101_2", "IMAGENET1K_V1", "wide_resnet101_2-32ee1156.pth", 78.848, 94.284, 126_886_696L, Preset.imagenetV1()),
    /** Wide ResNet-101-2, torchvision's new training recipe. */
    WIDE_RESNET101_2_IMAGENET1K_V2("wide_resnet101_2", "IMAGENET1K_V2", "wide_resnet101_2-d733dc28.pth", 82.510, 96.020, 126_886_696L, Preset.imagenetV2());

    /** Where torchvision publishes its weights; {@link #url()} is this plus {@link #fileName()}. */
    public static final URI DOWNLOAD_BASE = URI.create("https://download.pytorch.org/models/");

    /** torch.hub's rule: the hash prefix is the part of the file name after the last '-', before the extension. */
    private static final Pattern HASH_IN_NAME = Pattern.compile("-([a-f0-9]+)\\.");

    private final String architecture;
    private final String variant;
    private final String fileName;
    private final double acc1;
    private final double acc5;
    private final long numParams;
    private final Preset preset;

    KnownWeights(String architecture, String variant, String fileName, double acc1, double acc5, long numParams, Preset preset) {
        this.architecture = architecture;
        this.variant = variant;
        this.fileName = fileName;
        this.acc1 = acc1;
        this.acc5 = acc5;
        this.numParams = numParams;
        this.preset = preset;
    }

    /** The architecture as torchvision's builder names it, e.g. {@code resnet50}, {@code resnext50_32x4d}. */
    public String architecture() {
        return architecture;
    }

    /** torchvision's variant name, e.g. {@code IMAGENET1K_V2}. */
    public String variant() {
        return variant;
    }

    /** The name users type, e.g. {@code resnet50.IMAGENET1K_V2}. */
    public String displayName() {
        return architecture + "." + variant;
    }

    /** torchvision's file name, e.g. {@code resnet50-11ad3fa6.pth}; also the name in ferry's cache. */
    public String fileName() {
        return fileName;
    }

    /** The download URL, e.g. {@code https://download.pytorch.org/models/resnet50-11ad3fa6.pth}. */
    public URI url() {
        return DOWNLOAD_BASE.resolve(fileName);
    }

    /**
     * The start of the file's SHA-256 hex digest, as encoded in its name (torch.hub checks downloads
     * the same way), e.g. {@code 11ad3fa6}.
     */
    public String sha256Prefix() {
        Matcher m = HASH_IN_NAME.matcher(fileName);
        if (!m.find()) {
            throw new IllegalStateException("no hash in " + fileName);
        }
        return m.group(1);
    }

    /** The evaluation preprocessing these weights were measured with. */
    public Preset preset() {
        return preset;
    }

    /** ImageNet-1K validation top-1 accuracy in percent, as torchvision reports it. */
    public double acc1() {
        return acc1;
    }

    /** ImageNet-1K validation top-5 accuracy in percent, as torchvision reports it. */
    public double acc5() {
        return acc5;
    }

    /** Number of parameters. */
    public long numParams() {
        return numParams;
    }

    /** Number of output classes: 1000. */
    public int numClasses() {
        return 1000;
    }

    /** The 1000 ImageNet category names in class-index order ("tench" ... "toilet tissue"); unmodifiable. */
    public List<String> categories() {
        return ImageNetCategories.NAMES;
    }

    /** True if torchvision's {@code DEFAULT} for this architecture is this entry (V2 where there is one). */
    public boolean isDefault() {
        return this == defaultFor(architecture);
    }

    /**
     * The weights for a user-supplied name, case-insensitive: {@code resnet50.IMAGENET1K_V2},
     * {@code ResNet50_Weights.IMAGENET1K_V2}, {@code RESNET50_IMAGENET1K_V2}, or an architecture
     * alone ({@code resnet50}, or with {@code .DEFAULT}) for torchvision's default weights.
     *
     * @throws InputException naming the valid choices if there is no such entry
     */
    public static KnownWeights parse(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        String arch = wanted;
        String variant = "default";
        int dot = wanted.indexOf('.');
        if (dot >= 0) {
            arch = wanted.substring(0, dot);
            variant = wanted.substring(dot + 1);
        } else if (wanted.contains("_imagenet")) {
            int cut = wanted.indexOf("_imagenet");
            arch = wanted.substring(0, cut);
            variant = wanted.substring(cut + 1);
        }
        if (arch.endsWith("_weights")) {
            arch = arch.substring(0, arch.length() - "_weights".length());
        }
        for (KnownWeights w : values()) {
            if (w.architecture.equals(arch)
                    && (variant.equals("default") ? w.isDefault() : w.variant.toLowerCase(Locale.ROOT).equals(variant))) {
                return w;
            }
        }
        List<String> candidates = new ArrayList<>(names());
        candidates.addAll(architectures());
        candidates.addAll(HubWeights.names());
        String suggestion = dev.ferry.Suggestions.didYouMean(name, candidates);
        throw new InputException("unknown pretrained weights '" + name + "'" + suggestion + " (known: " + String.join(", ", names())
                + ", or an architecture alone (" + String.join(", ", architectures()) + ") for its default; from the Hugging Face hub: "
                + String.join(", ", HubWeights.names()) + ", or any " + HubReference.PREFIX + "ORG/NAME[@REVISION])");
    }

    /** torchvision's {@code DEFAULT} weights for {@code architecture}: V2 for resnet50/101/152, V1 for resnet18/34. */
    public static KnownWeights defaultFor(String architecture) {
        KnownWeights chosen = null;
        for (KnownWeights w : values()) {
            // Declared V1 before V2, so the last match is the newest recipe.
            if (w.architecture.equals(architecture)) {
                chosen = w;
            }
        }
        if (chosen == null) {
            throw new InputException("no pretrained weights for architecture '" + architecture
                    + "'; ferry knows " + String.join(", ", architectures()));
        }
        return chosen;
    }

    /** The architectures that have known weights, in declaration order. */
    public static List<String> architectures() {
        List<String> out = new ArrayList<>();
        for (KnownWeights w : values()) {
            if (!out.contains(w.architecture)) {
                out.add(w.architecture);
            }
        }
        return out;
    }

    /** All display names, e.g. {@code resnet18.IMAGENET1K_V1}, in declaration order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (KnownWeights w : values()) {
            out.add(w.displayName());
        }
        return out;
    }

    /** Loads the category list on first use only; the holder idiom makes that thread-safe without locks. */
    private static final class ImageNetCategories {
        static final List<String> NAMES = load();

        private static List<String> load() {
            try (InputStream in = KnownWeights.class.getResourceAsStream("imagenet_categories.txt")) {
                if (in == null) {
                    throw new IllegalStateException("imagenet_categories.txt is missing from the ferry jar");
                }
                List<String> names = new ArrayList<>(1000);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (!line.isEmpty()) {
                        names.add(line);
                    }
                }
                if (names.size() != 1000) {
                    throw new IllegalStateException("imagenet_categories.txt has " + names.size() + " names, expected 1000");
                }
                return List.copyOf(names);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
