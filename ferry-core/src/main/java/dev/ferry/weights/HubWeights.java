package dev.ferry.weights;

import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * timm's ImageNet weights for torchvision's plain ResNets on the Hugging Face hub: the same
 * networks and state-dict keys as torchvision's, trained with the "ResNet strikes back" recipes
 * (Wightman et al. 2021), a few points of top-1 better at the same cost.
 *
 * <p>Accuracies are timm's model cards' ImageNet-1K validation top-1/top-5 at 224; {@link #preset()}
 * is the eval transform they were measured with (timm's {@code crop_pct}, bicubic). The repositories
 * can move (a branch is not a commit): {@link #revision()} and {@link #sha256()} pin an entry when
 * set; unpinned entries are checked against the hash the hub publishes with the file, and the
 * commit and hash fetched are recorded in the cache and in every model trained from them.
 */
public enum HubWeights {
    /** ResNet-18, RSB A1 recipe. */
    RESNET18_A1_IN1K("resnet18", "a1_in1k", 71.49, 90.07, 11_689_512L, Preset.imagenet(235, 224, Interpolation.BICUBIC)),
    /** ResNet-34, RSB A1 recipe. */
    RESNET34_A1_IN1K("resnet34", "a1_in1k", 76.42, 92.87, 21_797_672L, Preset.imagenet(235, 224, Interpolation.BICUBIC)),
    /** ResNet-50, RSB A1 recipe. */
    RESNET50_A1_IN1K("resnet50", "a1_in1k", 80.38, 94.60, 25_557_032L, Preset.imagenet(235, 224, Interpolation.BICUBIC)),
    /**
     * ResNet-50, RSB A1 recipe with heavier augmentation, trained at 176: its 224 accuracy is timm's
     * test setting (crop_pct 1.0), so the preset crops 224 from 224.
     */
    RESNET50_A1H_IN1K("resnet50", "a1h_in1k", 80.67, 95.30, 25_557_032L, Preset.imagenet(224, 224, Interpolation.BICUBIC)),
    /** ResNet-101, RSB A1 recipe with heavier augmentation. */
    RESNET101_A1H_IN1K("resnet101", "a1h_in1k", 81.93, 95.75, 44_549_160L, Preset.imagenet(235, 224, Interpolation.BICUBIC)),
    /** ResNet-152, RSB A1 recipe with heavier augmentation. */
    RESNET152_A1H_IN1K("resnet152", "a1h_in1k", 82.80, 96.13, 60_192_808L, Preset.imagenet(235, 224, Interpolation.BICUBIC));

    /** The organisation that publishes them. */
    public static final String ORGANISATION = "timm";

    private final String architecture;
    private final String tag;
    private final double acc1;
    private final double acc5;
    private final long numParams;
    private final Preset preset;

    HubWeights(String architecture, String tag, double acc1, double acc5, long numParams, Preset preset) {
        this.architecture = architecture;
        this.tag = tag;
        this.acc1 = acc1;
        this.acc5 = acc5;
        this.numParams = numParams;
        this.preset = preset;
    }

    /** The architecture, e.g. {@code resnet50}. */
    public String architecture() {
        return architecture;
    }

    /** timm's pretrained tag, e.g. {@code a1_in1k}. */
    public String tag() {
        return tag;
    }

    /** The repository at the pinned revision (or the default branch when unpinned). */
    public HubReference reference() {
        return new HubReference(ORGANISATION, architecture + "." + tag,
                revision() != null ? revision() : HubReference.DEFAULT_REVISION);
    }

    /** The name users type: {@code hf-hub:timm/resnet50.a1_in1k}. */
    public String displayName() {
        return HubReference.PREFIX + ORGANISATION + "/" + architecture + "." + tag;
    }

    /**
     * The commit these weights are pinned to, or null. No entry is pinned yet: a pin is a commit
     * and a hash read from the hub itself, and ferry's entries were written where the hub could not
     * be reached; until then the hub's published hash is the check.
     */
    public String revision() {
        return null;
    }

    /** The SHA-256 of {@code model.safetensors} at {@link #revision()}, or null when unpinned. */
    public String sha256() {
        return null;
    }

    /** The eval preprocessing the accuracies were measured with. */
    public Preset preset() {
        return preset;
    }

    /** ImageNet-1K top-1 in percent at 224, from timm's model card. */
    public double acc1() {
        return acc1;
    }

    /** ImageNet-1K top-5 in percent at 224, from timm's model card. */
    public double acc5() {
        return acc5;
    }

    /** Number of parameters (with the 1000-class head). */
    public long numParams() {
        return numParams;
    }

    /** Every entry's display name, in declaration order. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (HubWeights w : values()) {
            out.add(w.displayName());
        }
        return out;
    }

    /**
     * The entry for {@code hf-hub:timm/resnet50.a1_in1k} (any revision) or the bare
     * {@code resnet50.a1_in1k}, case-insensitive; null when it is not a known entry.
     */
    public static HubWeights find(String spec) {
        if (spec == null) {
            return null;
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (HubReference.isHub(s)) {
            s = s.substring(HubReference.PREFIX.length());
            int at = s.indexOf('@');
            if (at >= 0) {
                s = s.substring(0, at);
            }
            if (!s.startsWith(ORGANISATION + "/")) {
                return null;
            }
            s = s.substring(ORGANISATION.length() + 1);
        }
        for (HubWeights w : values()) {
            if ((w.architecture + "." + w.tag).equals(s)) {
                return w;
            }
        }
        return null;
    }
}
