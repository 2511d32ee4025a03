package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNetConfig;
import dev.ferry.weights.HubCache;
import dev.ferry.weights.HubReference;
import dev.ferry.weights.HubWeights;
import dev.ferry.weights.KnownWeights;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsCache;
import dev.ferry.weights.WeightsReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Resolves a weights reference ({@link dev.ferry.Setting#WEIGHTS}): a weights file ({@code .pth} or safetensors), a ferry model
 * directory, or a known name such as {@code resnet50.IMAGENET1K_V2} (looked up in the cache and
 * downloaded into it when absent).
 *
 * @param description what was loaded, for logs
 * @param file the weights file
 * @param stateDict its tensors
 * @param config the network the weights belong to
 * @param preset the preprocessing the weights expect
 * @param classes the class names of the weights' head, or null when unknown
 * @param provenance where downloaded weights came from beyond their name (for a hub repository:
 *     the revision, the commit served and the file's SHA-256), recorded in a trained model's
 *     {@code model.json}; null when the name says it all
 */
public record Pretrained(String description, Path file, StateDict stateDict, ResNetConfig config, Preset preset, List<String> classes,
                         Map<String, Object> provenance) {

    /** Weights whose name says where they came from. */
    public Pretrained(String description, Path file, StateDict stateDict, ResNetConfig config, Preset preset, List<String> classes) {
        this(description, file, stateDict, config, preset, classes, null);
    }

    public static Pretrained resolve(String spec, Architecture arch, PrintStream progress) {
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            ModelInfo info = ModelDirectory.readInfo(path);
            Path file = path.resolve(ModelDirectory.WEIGHTS);
            if (!Files.isRegularFile(file)) {
                throw new InputException("model directory has no " + ModelDirectory.WEIGHTS + ": " + path);
            }
            ResNetConfig config = info.config();
            checkArch(arch, config, file);
            return new Pretrained("ferry model " + path, file, WeightsReader.read(file), config, info.preset(), info.classes());
        }
        if (Files.isRegularFile(path)) {
            StateDict sd = WeightsReader.read(path);
            ResNetConfig config = ModelWeights.inferConfig(sd, path);
            checkArch(arch, config, path);
            List<String> classes = config.numClasses() == 1000 ? KnownWeights.RESNET50_IMAGENET1K_V1.categories() : null;
            // A bare file carries no preprocessing: torchvision's V1 recipe is the common case.
            return new Pretrained(path.toString(), path, sd, config, Preset.imagenetV1(), classes);
        }
        WeightsCache cache = WeightsCache.fromEnvironment(System.getenv(), System.getProperty("user.home"), progress);
        if (HubReference.isHub(spec) || HubWeights.find(spec) != null) {
            return fromHub(spec, arch, new HubCache(cache, HubCache.endpoint(System.getenv())));
        }
        if (spec.contains("/") || spec.contains("\\") || spec.endsWith(".pth") || spec.endsWith(".pt")
                || spec.endsWith(".safetensors")) {
            throw new InputException("weights file not found: " + spec);
        }
        KnownWeights known = KnownWeights.parse(spec);
        Path file = cache.resolve(known);
        StateDict sd = WeightsReader.read(file);
        ResNetConfig config = ModelWeights.inferConfig(sd, file);
        checkArch(arch, config, file);
        return new Pretrained(known.displayName(), file, sd, config, known.preset(), known.categories());
    }

    /**
     * Weights from a hub repository ({@code hf-hub:ORG/NAME[@REVISION]}, or a known timm entry's
     * bare name such as {@code resnet50.a1_in1k}): a known entry brings its pin and the preset its
     * published accuracy was measured with; any other repository the preset of its config.
     */
    public static Pretrained fromHub(String spec, Architecture arch, HubCache hub) {
        HubWeights known = HubWeights.find(spec);
        HubReference ref = HubReference.isHub(spec) ? HubReference.parse(spec) : known.reference();
        if (known != null && ref.revision().equals(HubReference.DEFAULT_REVISION) && known.revision() != null) {
            ref = known.reference();
        }
        String pin = known != null && ref.revision().equals(known.reference().revision()) ? known.sha256() : null;
        HubCache.HubFiles files = hub.resolve(ref, pin);
        StateDict sd = WeightsReader.read(files.weights());
        ResNetConfig config = HubCache.check(files.config(), sd, files.weights());
        checkArch(arch, config, files.weights());
        List<String> classes = files.config().labels() != null ? files.config().labels()
                : config.numClasses() == 1000 ? KnownWeights.RESNET50_IMAGENET1K_V1.categories() : null;
        Preset preset = known != null ? known.preset() : files.config().preset();
        return new Pretrained(ref.spec(), files.weights(), sd, config, preset, classes, files.provenance());
    }

    private static void checkArch(Architecture requested, ResNetConfig found, Path file) {
        if (requested != null && requested != found.architecture()) {
            throw new InputException(Message.of(Setting.ARCHITECTURE, " ", requested.id(), " does not match the weights, which are ",
                    found.architecture().id(), " (", file, ")"));
        }
    }
}
