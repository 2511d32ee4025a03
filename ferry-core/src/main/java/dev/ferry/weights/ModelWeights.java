package dev.ferry.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.model.Architecture;
import dev.ferry.model.BlockType;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves weights between a {@link StateDict} and a {@link ResNet}. Because the network's keys are
 * torchvision's, loading is a lookup by key; the report lists what did not match.
 */
public final class ModelWeights {
    private static final Pattern BLOCK_KEY = Pattern.compile("^layer([1-4])\\.(\\d+)\\.");

    private ModelWeights() {}

    /**
     * Infers the network a state dict was saved from: depth from the number of blocks per stage,
     * block type from the presence of {@code conv3}, width and stem from {@code conv1.weight} (7x7 is
     * the ImageNet stem, 3x3 the small one), a Bottleneck's grouping and inner width from
     * {@code layer1.0.conv2.weight} (out x in/groups x 3 x 3: ResNeXt and Wide ResNet), classes from
     * {@code fc.weight}.
     *
     * @throws InputException naming the file when the keys are not a ResNet's
     */
    public static ResNetConfig inferConfig(StateDict sd, Path file) {
        Tensor conv1 = sd.get("conv1.weight");
        if (conv1 == null || conv1.rank() != 4) {
            throw new InputException("not a ResNet state dict (no 4-d conv1.weight): " + file);
        }
        long[] c1 = conv1.shape();
        Stem stem;
        if (c1[2] == 7 && c1[3] == 7) {
            stem = Stem.IMAGENET;
        } else if (c1[2] == 3 && c1[3] == 3) {
            stem = Stem.SMALL;
        } else {
            throw new InputException("conv1.weight is " + c1[2] + "x" + c1[3] + ", neither the 7x7 ImageNet stem nor the 3x3 small stem: " + file);
        }
        int[] blocks = new int[4];
        boolean bottleneck = false;
        for (String key : sd.keys()) {
            Matcher m = BLOCK_KEY.matcher(key);
            if (m.find()) {
                int stage = Integer.parseInt(m.group(1)) - 1;
                blocks[stage] = Math.max(blocks[stage], Integer.parseInt(m.group(2)) + 1);
                bottleneck |= key.contains(".conv3.");
            }
        }
        BlockType type = bottleneck ? BlockType.BOTTLENECK : BlockType.BASIC;
        int width = (int) c1[0];
        int groups = 1;
        int inner = width;
        if (bottleneck) {
            Tensor conv2 = sd.get("layer1.0.conv2.weight");
            if (conv2 == null || conv2.rank() != 4 || conv2.shape()[1] < 1 || conv2.shape()[0] % conv2.shape()[1] != 0) {
                throw new InputException("layer1.0.conv2.weight is missing or not a (out, in/groups, 3, 3) convolution: " + file);
            }
            inner = (int) conv2.shape()[0];
            groups = (int) (conv2.shape()[0] / conv2.shape()[1]);
        }
        Architecture arch = Architecture.fromStructure(type, blocks, width, groups, inner);
        if (arch == null) {
            throw new InputException("no network of torchvision's resnet.py has " + type.name().toLowerCase() + " blocks "
                    + Arrays.toString(blocks) + " per stage" + (bottleneck ? " with layer1's 3x3 convolution " + inner
                    + " channels wide in " + groups + " group" + (groups == 1 ? "" : "s") + " at stem width " + width : "")
                    + " (" + file + ")");
        }
        Tensor fc = sd.get("fc.weight");
        int classes = fc != null && fc.rank() == 2 ? (int) fc.shape()[0] : 1000;
        return new ResNetConfig(arch, classes, width, stem, 0f, false);
    }

    /**
     * A shape disagreement between the file and the network.
     *
     * @param key state_dict key
     * @param expected the network's shape
     * @param found the file's shape
     */
    public record Mismatch(String key, long[] expected, long[] found) {
        @Override
        public String toString() {
            return key + " (network " + Arrays.toString(expected) + ", file " + Arrays.toString(found) + ")";
        }
    }

    /**
     * What a load did.
     *
     * @param loaded keys copied into the network
     * @param missing network keys the file lacks
     * @param unexpected file keys the network lacks
     * @param mismatched keys present in both with different shapes
     * @param headReplaced the file's {@code fc} was for another class count and was dropped
     * @param fileClasses classes of the file's head
     */
    public record LoadReport(
            int loaded, List<String> missing, List<String> unexpected, List<Mismatch> mismatched,
            boolean headReplaced, int fileClasses) {

        /** One line per kind of problem, or a single "all N keys loaded" line. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add("loaded " + loaded + " tensors");
            if (headReplaced) {
                out.add("head replaced: the weights' fc (" + fileClasses + " classes) was dropped and a new "
                        + "head initialised for the new classes");
            }
            if (!missing.isEmpty()) {
                out.add("missing keys (" + missing.size() + "): " + abbreviate(missing));
            }
            if (!unexpected.isEmpty()) {
                out.add("unexpected keys (" + unexpected.size() + "): " + abbreviate(unexpected));
            }
            if (!mismatched.isEmpty()) {
                out.add("shape mismatches (" + mismatched.size() + "): " + abbreviate(mismatched.stream().map(Mismatch::toString).toList()));
            }
            return out;
        }

        private static String abbreviate(List<String> keys) {
            return keys.size() <= 6 ? String.join(", ", keys)
                    : String.join(", ", keys.subList(0, 6)) + ", ... (" + (keys.size() - 6) + " more)";
        }
    }

    /**
     * Copies every tensor of {@code sd} into {@code net} by key.
     *
     * <p>When the file's {@code fc} has another class count than the network's, the head is the part
     * being replaced (transfer learning): {@code fc.*} is dropped and reported, and the network keeps
     * its freshly initialised head. Otherwise any missing, unexpected or mis-shaped key is an error
     * unless {@code lenient}, in which case the report lists them and the network keeps its own values
     * for those keys.
     *
     * @throws InputException naming the file and the first offending keys
     */
    public static LoadReport load(ResNet net, StateDict sd, boolean lenient, Path file) {
        return load(net, sd, lenient, false, file);
    }

    private record Checked(LoadReport report, Map<String, Tensor> toLoad) {}

    /**
     * Checks {@code sd} against {@code structure}'s keys and shapes without copying anything:
     * what {@link #load(ResNet, StateDict, boolean, boolean, Path)} would load and report.
     * {@code structure} need not be initialised, so weights can be checked (and then used on the
     * host) without starting libtorch.
     *
     * @throws InputException naming the file and the first offending keys, unless {@code lenient}
     */
    public static LoadReport check(ResNet structure, StateDict sd, boolean lenient, boolean replaceHead, Path file) {
        return checked(structure, sd, lenient, replaceHead, file).report();
    }

    private static Checked checked(ResNet net, StateDict sd, boolean lenient, boolean replaceHead, Path file) {
        Map<String, Parameter> target = net.stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<Mismatch> mismatched = new ArrayList<>();
        Tensor fcw = sd.get("fc.weight");
        int fileClasses = fcw != null && fcw.rank() == 2 ? (int) fcw.shape()[0] : -1;
        replaceHead = fileClasses > 0 && (replaceHead || fileClasses != net.config().numClasses());
        Map<String, Tensor> toLoad = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : target.entrySet()) {
            String key = e.getKey();
            if (replaceHead && key.startsWith("fc.")) {
                continue;
            }
            Tensor t = sd.get(key);
            if (t == null) {
                // torchvision's V1 ImageNet files predate BN's num_batches_tracked buffer; torch's
                // BatchNorm accepts them (it only matters for momentum=None), and so does ferry.
                if (!key.endsWith(".num_batches_tracked")) {
                    missing.add(key);
                }
                continue;
            }
            long[] expected = e.getValue().getShape().getShape();
            if (!Arrays.equals(expected, t.shape())) {
                mismatched.add(new Mismatch(key, expected, t.shape()));
                continue;
            }
            toLoad.put(key, t);
        }
        for (String key : sd.keys()) {
            if (!target.containsKey(key)) {
                unexpected.add(key);
            }
        }
        LoadReport report = new LoadReport(toLoad.size(), missing, unexpected, mismatched, replaceHead, fileClasses);
        boolean problems = !missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty();
        if (problems && !lenient) {
            List<String> lines = report.lines();
            throw new InputException(Message.of("weights do not fit ", net.config().architecture().id(),
                    " (width ", net.config().width(), ", ", net.config().stem().id(), " stem): ",
                    String.join("; ", lines.subList(1, lines.size())), " (", file, "; ", Setting.LENIENT, " loads what fits)"));
        }
        return new Checked(report, toLoad);
    }

    /**
     * As {@link #load(ResNet, StateDict, boolean, Path)}; {@code replaceHead} also drops the file's
     * {@code fc} when its class count happens to equal the network's (a new task with as many classes
     * as the old one still needs a new head).
     */
    public static LoadReport load(ResNet net, StateDict sd, boolean lenient, boolean replaceHead, Path file) {
        Map<String, Parameter> target = net.stateDict();
        Checked checked = checked(net, sd, lenient, replaceHead, file);
        Map<String, Tensor> toLoad = checked.toLoad();
        LoadReport report = checked.report();
        try (NDManager scratch = target.values().iterator().next().getArray().getManager().newSubManager()) {
            for (Map.Entry<String, Tensor> e : toLoad.entrySet()) {
                NDArray dst = target.get(e.getKey()).getArray();
                Tensor t = e.getValue();
                Shape shape = dst.getShape();
                NDArray src = t.floats() != null ? scratch.create(t.floats(), shape) : scratch.create(t.longs(), shape);
                if (src.getDataType() != dst.getDataType()) {
                    src = src.toType(dst.getDataType(), false);
                }
                src.copyTo(dst);
            }
        }
        return report;
    }

    /**
     * The floating-point values of {@code sd} by key (null for a key it lacks or an integer
     * tensor), for an inference plan to read the weights on the host.
     */
    public static java.util.function.Function<String, float[]> values(StateDict sd) {
        return key -> {
            Tensor t = sd.get(key);
            return t == null ? null : t.floats();
        };
    }

    /** The network's parameters and buffers as a state dict (float32, and int64 for counters). */
    public static Map<String, Tensor> export(ResNet net) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> out.put(k, toTensor(p.getArray())));
        return out;
    }

    /** A host copy of an array. */
    public static Tensor toTensor(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType() == DataType.INT64) {
            return Tensor.ofLongs(shape, a.toLongArray());
        }
        if (a.getDataType() == DataType.FLOAT32) {
            return Tensor.ofFloats(shape, a.toFloatArray());
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return Tensor.ofFloats(shape, f.toFloatArray());
        }
    }
}
