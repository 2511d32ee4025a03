package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.Pretrained;
import dev.ferry.weights.ModelWeights;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns what a user names (a weights file, a known weights name, a model
 * directory) into a network ready to predict, with its class names and preprocessing, as
 * torchvision's {@code resnet50(weights=...)} with {@code weights.transforms()} and
 * {@code weights.meta["categories"]} does.
 */
public final class Networks {
    private Networks() {}

    /**
     * A network ready to predict.
     *
     * @param net the network, initialised in the caller's manager
     * @param labels a name per output (numbered when the weights do not say)
     * @param preset the preprocessing it expects
     * @param description what was loaded, for logs
     */
    public record Ready(ResNet net, List<String> labels, Preset preset, String description) {}

    /**
     * Pretrained weights as they are, head included: a {@code .pth}/safetensors file, a known
     * name such as {@code resnet50.IMAGENET1K_V2} (fetched into the cache when missing) or a ferry
     * model directory.
     *
     * @param expected the architecture the caller expects, or null
     * @param progress download progress, if a known name must be fetched
     */
    public static Ready fromPretrained(String weights, Architecture expected, NDManager manager, PrintStream progress) {
        Pretrained p = Pretrained.resolve(weights, expected, progress);
        ResNet net = ResNet.create(p.config()).initialize(manager);
        ModelWeights.load(net, p.stateDict(), false, p.file());
        int classes = p.config().numClasses();
        List<String> labels = p.classes() != null && p.classes().size() == classes ? p.classes() : numbered(classes);
        return new Ready(net, labels, p.preset(), p.description());
    }

    /**
     * A model directory written by training, loaded strictly.
     *
     * @param expected the architecture the caller expects, or null
     */
    public static Ready fromModel(Path dir, Architecture expected, NDManager manager) {
        ModelDirectory.Loaded loaded = ModelDirectory.load(dir, manager);
        Architecture found = loaded.net().config().architecture();
        if (expected != null && expected != found) {
            throw new InputException("architecture " + expected.id() + " was expected, but the model is " + found.id()
                    + " (" + dir + ")");
        }
        return new Ready(loaded.net(), loaded.info().classes(), loaded.info().preset(), "ferry model " + dir);
    }

    /** "class 0", "class 1", ...: names for a head whose classes are unknown. */
    public static List<String> numbered(int classes) {
        List<String> out = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) {
            out.add("class " + i);
        }
        return out;
    }
}
