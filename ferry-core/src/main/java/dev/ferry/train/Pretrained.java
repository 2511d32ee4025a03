package dev.ferry.train;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.Interpolation;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNetConfig;
import dev.ferry.weights.KnownWeights;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.WeightsCache;
import dev.ferry.weights.WeightsReader;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
 */
public record Pretrained(String description, Path file, StateDict stateDict, ResNetConfig config, Preset preset, List<String> classes) {

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
        if (spec.contains("/") || spec.contains("\\") || spec.endsWith(".pth") || spec.endsWith(".pt")
                || spec.endsWith(".safetensors")) {
            throw new InputException("weights file not found: " + spec);
        }
        KnownWeights known = KnownWeights.parse(spec);
        WeightsCache cache = new WeightsCache(WeightsCache.defaultDirectory(System.getenv(), System.getProperty("user.home")), progress);
        Path file = cache.resolve(known);
        StateDict sd = WeightsReader.read(file);
        ResNetConfig config = ModelWeights.inferConfig(sd, file);
        checkArch(arch, config, file);
        return new Pretrained(known.displayName(), file, sd, config, known.preset(), known.categories());
    }


    private static void checkArch(Architecture requested, ResNetConfig found, Path file) {
        if (requested != null && requested != found.architecture()) {
            throw new InputException(Message.of(Setting.ARCHITECTURE, " ", requested.id(), " does not match the weights, which are ",
                    found.architecture().id(), " (", file, ")"));
        }
    }
}
