package dev.ferry.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.model.ResNet;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.SafetensorsWriter;
import dev.ferry.weights.StateDict;
import dev.ferry.weights.Tensor;
import dev.ferry.weights.WeightsReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model on disk: {@code model.safetensors} (the weights, under torchvision's keys, so any
 * safetensors reader can use them), {@code model.json} ({@link ModelInfo}) and, while training,
 * {@code checkpoint.safetensors} (last epoch's weights, optimizer state and {@link TrainState}, for
 * {@code --resume}). Every file is written to a temporary file and renamed into place.
 */
public final class ModelDirectory {
    public static final String WEIGHTS = "model.safetensors";
    public static final String INFO = "model.json";
    public static final String CHECKPOINT = "checkpoint.safetensors";

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .registerTypeAdapter(Double.class, new NanAsNull())
            .registerTypeAdapter(double.class, new NanAsNull())
            .create();

    private ModelDirectory() {}

    /** The JSON codec for model files (NaN written as null). */
    public static Gson gson() {
        return GSON;
    }

    /** Writes weights then info into {@code dir} (created if needed). */
    public static void save(Path dir, ResNet net, ModelInfo info) {
        createDirectories(dir);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", ModelInfo.FORMAT);
        meta.put("arch", info.arch());
        SafetensorsWriter.write(dir.resolve(WEIGHTS), ModelWeights.export(net), meta);
        AtomicFiles.writeString(dir.resolve(INFO), GSON.toJson(info) + "\n");
    }

    /** Reads {@code model.json}. */
    public static ModelInfo readInfo(Path dir) {
        Path file = dir.resolve(INFO);
        if (!Files.isDirectory(dir)) {
            throw new InputException("model directory not found: " + dir);
        }
        if (!Files.isRegularFile(file)) {
            throw new InputException("not a ferry model directory (no " + INFO + "): " + dir);
        }
        try {
            ModelInfo info = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), ModelInfo.class);
            if (info == null || !ModelInfo.FORMAT.equals(info.format()) || info.classes() == null || info.preset() == null) {
                throw new InputException("not a ferry model description (format " + ModelInfo.FORMAT + " expected): " + file);
            }
            return info;
        } catch (InputException e) {
            throw e;
        } catch (RuntimeException e) {
            // Bad JSON, or what a record's constructor rejects (a crop of -5, a std of 0), which Gson
            // wraps in a plain RuntimeException around the reflective call: the innermost message
            // says what is wrong.
            throw new InputException("corrupt " + INFO + ": " + file + " (" + rootMessage(e) + ")", e);
        } catch (IOException e) {
            throw new InputException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    /**
     * A model loaded for use.
     *
     * @param net the network, initialised in the caller's manager
     * @param info its description
     */
    public record Loaded(ResNet net, ModelInfo info) {}

    /**
     * A model directory read on the host: its description and its weights, checked against the
     * network the description names (keys, shapes, the head's class count), without starting
     * libtorch.
     *
     * @param info its description
     * @param weights its {@code model.safetensors}
     */
    public record Stored(ModelInfo info, StateDict weights) {}

    /**
     * Reads {@code model.json} and {@code model.safetensors} and checks that they hold together.
     *
     * @throws InputException naming the directory and what does not fit
     */
    public static Stored read(Path dir) {
        ModelInfo info = readInfo(dir);
        StateDict sd = readWeights(dir, info);
        ModelWeights.check(ResNet.create(info.config()), sd, false, false, dir.resolve(WEIGHTS));
        return new Stored(info, sd);
    }

    /** Loads {@code model.json} and {@code model.safetensors} into a new network. */
    public static Loaded load(Path dir, NDManager manager) {
        ModelInfo info = readInfo(dir);
        StateDict sd = readWeights(dir, info);
        ResNet net = ResNet.create(info.config()).initialize(manager);
        ModelWeights.load(net, sd, false, dir.resolve(WEIGHTS));
        return new Loaded(net, info);
    }

    private static StateDict readWeights(Path dir, ModelInfo info) {
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new InputException("model directory has no " + WEIGHTS + ": " + dir);
        }
        StateDict sd = WeightsReader.read(weights);
        // A model directory is loaded strictly: a head with another class count than model.json's
        // list is not a head to replace (as for pretrained weights) but a directory that does not
        // hold together, which would otherwise predict with a fresh random head.
        Tensor fc = sd.get("fc.weight");
        int classes = info.classes().size();
        if (fc == null || fc.rank() != 2 || fc.shape()[0] != classes) {
            throw new InputException(INFO + " lists " + classes + " classes but " + WEIGHTS + "'s head has "
                    + (fc == null || fc.rank() != 2 ? "no fc.weight" : fc.shape()[0] + " outputs") + ": " + dir);
        }
        return sd;
    }

    /** Writes {@code model.json} alone (the weights it describes are already in place). */
    public static void saveInfo(Path dir, ModelInfo info) {
        createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(INFO), GSON.toJson(info) + "\n");
    }

    /** Writes the resumable state of the current epoch and the run it belongs to. */
    public static void saveCheckpoint(Path dir, ResNet net, Optimizer optimizer, TrainState state, RunRecord run) {
        createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ModelWeights.export(net).forEach((k, t) -> tensors.put("model." + k, t));
        optimizer.state().forEach((k, a) -> tensors.put("optim." + k, ModelWeights.toTensor(a)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", ModelInfo.FORMAT + "-checkpoint");
        meta.put("state", GSON.toJson(state));
        meta.put("run", run.toJson());
        SafetensorsWriter.write(dir.resolve(CHECKPOINT), tensors, meta);
    }

    /**
     * A checkpoint read back.
     *
     * @param state where the run stood
     * @param run the run it belongs to
     * @param weights the network's tensors
     * @param optimizer the optimizer's tensors (names as {@link Optimizer#state()})
     */
    public record Checkpoint(TrainState state, RunRecord run, StateDict weights, Map<String, Tensor> optimizer) {

        /** The optimizer state as arrays in {@code manager}. */
        public Map<String, NDArray> optimizerArrays(NDManager manager) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            optimizer.forEach((k, t) -> out.put(k, manager.create(t.floats(), new ai.djl.ndarray.types.Shape(t.shape()))));
            return out;
        }
    }

    /**
     * Where a checkpointed run stands, from the checkpoint's header alone.
     *
     * @param state the state after its last epoch
     * @param run the run it belongs to
     */
    public record Recorded(TrainState state, RunRecord run) {}

    /**
     * Reads the state and run description of {@code checkpoint.safetensors} without its tensors.
     *
     * @throws InputException when there is no checkpoint or it holds no (readable) description
     */
    public static Recorded readRecorded(Path dir) {
        Path file = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            throw new InputException("nothing to resume: no " + CHECKPOINT + " in " + dir);
        }
        return recorded(WeightsReader.safetensorsMetadata(file), file);
    }

    private static Recorded recorded(Map<String, String> meta, Path file) {
        String stateJson = meta.get("state");
        if (stateJson == null) {
            throw new InputException("checkpoint without training state: " + file);
        }
        String runJson = meta.get("run");
        if (runJson == null) {
            throw new InputException(Message.of("checkpoint without a run description (written by an older ferry): ", file,
                    "; it cannot be resumed, train into a new ", Setting.OUT));
        }
        TrainState state;
        try {
            state = GSON.fromJson(stateJson, TrainState.class);
        } catch (RuntimeException e) {
            throw new InputException("corrupt training state in " + file, e);
        }
        if (state == null || state.history() == null) {
            throw new InputException("corrupt training state in " + file);
        }
        return new Recorded(state, RunRecord.fromJson(runJson, file));
    }

    /** Reads {@code checkpoint.safetensors}, or returns null when there is none. */
    public static Checkpoint readCheckpoint(Path dir) {
        Path file = dir.resolve(CHECKPOINT);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        StateDict sd = WeightsReader.read(file);
        Recorded rec = recorded(sd.metadata(), file);
        TrainState state = rec.state();
        Map<String, Tensor> weights = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        sd.asMap().forEach((k, t) -> {
            if (k.startsWith("model.")) {
                weights.put(k.substring(6), t);
            } else if (k.startsWith("optim.")) {
                optim.put(k.substring(6), t);
            }
        });
        return new Checkpoint(state, rec.run(), StateDict.of(weights), optim);
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FerryException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** JSON has no NaN: write null, read null back as NaN. */
    private static final class NanAsNull extends TypeAdapter<Double> {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                out.nullValue();
            } else {
                out.value(value);
            }
        }

        @Override
        public Double read(JsonReader in) throws IOException {
            if (in.peek() == JsonToken.NULL) {
                in.nextNull();
                return Double.NaN;
            }
            return in.nextDouble();
        }
    }
}
