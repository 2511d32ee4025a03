package dev.ferry.weights;

import dev.ferry.weights.TorchObjects.StorageRef;
import dev.ferry.weights.TorchObjects.StorageType;
import dev.ferry.weights.TorchObjects.TensorRef;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What both torch formats share once the pickle is read: storage ids, finding the state dict, decoding. */
final class TorchStateDicts {
    /**
     * Keys under which training scripts commonly nest the model's state dict in a checkpoint, most
     * specific first; used to choose when a checkpoint holds several dicts of tensors.
     */
    static final List<String> CHECKPOINT_KEYS = List.of(
            "state_dict", "model_state_dict", "model", "module", "net", "network", "weights", "params");

    private TorchStateDicts() {}

    /** The tensors chosen from the pickled object, and what the user should know about the choice. */
    record Extracted(Map<String, TensorRef> tensors, List<String> notes) {}

    /**
     * Parses a torch storage persistent id, {@code ('storage', StorageType, key, location, numel)},
     * with a sixth element {@code view_metadata} in the legacy format, and remembers each storage
     * so that all tensors sharing it agree on its dtype and size.
     */
    static StorageRef storage(Path file, PyTuple pid, long offset, boolean legacy, Map<String, StorageRef> seen) {
        int expected = legacy ? 6 : 5;
        Object tag = pid.size() > 0 ? pid.get(0) : null;
        if (tag instanceof byte[] bytes) {
            tag = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
        }
        if (!"storage".equals(tag)) {
            throw WeightsErrors.bad(file, "persistent id at offset " + offset + " is a '" + tag
                    + "' record; only tensor storages are allowed in a weights file");
        }
        if (pid.size() != expected
                || !(pid.get(1) instanceof StorageType type)
                || !(pid.get(2) instanceof String key)
                || !(pid.get(4) instanceof Long numel) || numel < 0) {
            throw WeightsErrors.bad(file, "malformed storage record at offset " + offset);
        }
        long viewOffset = 0;
        long viewSize = numel;
        if (legacy && pid.get(5) != null) {
            // Storage views were written by PyTorch before 1.0: (view_key, offset, size) into the root storage.
            if (!(pid.get(5) instanceof PyTuple view) || view.size() != 3
                    || !(view.get(1) instanceof Long o) || !(view.get(2) instanceof Long s)
                    || o < 0 || s < 0 || o + s > numel) {
                throw WeightsErrors.bad(file, "malformed storage view at offset " + offset);
            }
            viewOffset = o;
            viewSize = s;
        }
        StorageRef ref = new StorageRef(key, type.dtype(), numel, viewOffset, viewSize);
        StorageRef earlier = seen.putIfAbsent(key, ref);
        if (earlier != null && (earlier.dtype() != ref.dtype() || earlier.numel() != ref.numel())) {
            throw WeightsErrors.bad(file, "storage '" + key + "' is used as both " + earlier.dtype() + "[" + earlier.numel()
                    + "] and " + ref.dtype() + "[" + ref.numel() + "]");
        }
        return ref;
    }

    /**
     * Picks the state dict out of whatever was pickled: a dict of tensors itself, or a checkpoint
     * dict that nests one (e.g. {@code {"epoch": 3, "state_dict": {...}}}).
     */
    static Extracted extract(Path file, Object root) {
        if (root instanceof TensorRef) {
            throw WeightsErrors.bad(file, "holds a single tensor, not a state dict of named tensors");
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw WeightsErrors.bad(file, "holds a Python " + TorchObjects.describe(root) + ", not a state dict (a dict of named tensors)");
        }
        if (map.isEmpty()) {
            throw WeightsErrors.bad(file, "holds an empty dict, no tensors");
        }
        if (allTensors(map)) {
            return new Extracted(tensors(file, map, ""), List.of());
        }
        List<String> candidates = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() instanceof String key && e.getValue() instanceof Map<?, ?> inner && !inner.isEmpty() && allTensors(inner)) {
                candidates.add(key);
            }
        }
        String chosen = null;
        for (String preferred : CHECKPOINT_KEYS) {
            if (candidates.contains(preferred)) {
                chosen = preferred;
                break;
            }
        }
        if (chosen == null && candidates.size() == 1) {
            chosen = candidates.get(0);
        }
        if (chosen == null && candidates.size() > 1) {
            throw WeightsErrors.bad(file, "is a checkpoint with several dicts of tensors (" + String.join(", ", candidates)
                    + ") and none is called " + String.join("/", CHECKPOINT_KEYS) + "; extract the model's state dict in Python first");
        }
        if (chosen != null) {
            List<String> others = new ArrayList<>();
            for (Object k : map.keySet()) {
                if (!chosen.equals(k)) {
                    others.add(String.valueOf(k));
                }
            }
            String note = "read the '" + chosen + "' entry of a checkpoint dict"
                    + (others.isEmpty() ? "" : " (ignored: " + String.join(", ", others) + ")");
            return new Extracted(tensors(file, (Map<?, ?>) map.get(chosen), chosen + "."), List.of(note));
        }
        // A state dict with a few non-tensor entries (e.g. a module's _extra_state): keep the tensors.
        Map<Object, Object> onlyTensors = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        map.forEach((k, v) -> {
            if (v instanceof TensorRef) {
                onlyTensors.put(k, v);
            } else {
                skipped.add(k + " (" + TorchObjects.describe(v) + ")");
            }
        });
        if (onlyTensors.isEmpty()) {
            List<String> keys = new ArrayList<>();
            map.forEach((k, v) -> keys.add(k + " (" + TorchObjects.describe(v) + ")"));
            throw WeightsErrors.bad(file, "holds a dict without tensors and without a nested state dict; its entries: "
                    + String.join(", ", keys.subList(0, Math.min(keys.size(), 10))) + (keys.size() > 10 ? ", ..." : ""));
        }
        return new Extracted(tensors(file, onlyTensors, ""),
                List.of("ignored entries that are not tensors: " + String.join(", ", skipped)));
    }

    private static boolean allTensors(Map<?, ?> map) {
        for (Object v : map.values()) {
            if (!(v instanceof TensorRef)) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, TensorRef> tensors(Path file, Map<?, ?> map, String where) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw WeightsErrors.bad(file, "state dict " + (where.isEmpty() ? "" : "'" + where + "' ")
                        + "has a key of type " + TorchObjects.describe(e.getKey()) + "; tensor names must be strings");
            }
            out.put(key, (TensorRef) e.getValue());
        }
        return out;
    }

    /** The tensors grouped by the storage key they read, in order of first use. */
    static Map<String, List<Map.Entry<String, TensorRef>>> byStorage(Map<String, TensorRef> tensors) {
        Map<String, List<Map.Entry<String, TensorRef>>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            groups.computeIfAbsent(e.getValue().storage.key(), k -> new ArrayList<>()).add(e);
        }
        return groups;
    }

    /** Decodes the tensors {@code users} of one storage, whose bytes are {@code bytes}, into {@code into}. */
    static void decodeUsers(Path file, List<Map.Entry<String, TensorRef>> users, ByteBuffer bytes,
            IdentityHashMap<TensorRef, Tensor> into) {
        for (Map.Entry<String, TensorRef> e : users) {
            TensorRef t = e.getValue();
            into.put(t, TensorDecoder.decode(file, e.getKey(), t.storage.dtype(), bytes, t.storage.viewSize(),
                    t.storage.viewOffset(), t.offset, t.size, t.stride));
        }
    }

    /** The decoded tensors under their names, in file order, with a note on any float64 rounding. */
    static StateDict assemble(Extracted extracted, IdentityHashMap<TensorRef, Tensor> decoded) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int rounded = 0;
        for (Map.Entry<String, TensorRef> e : extracted.tensors().entrySet()) {
            Tensor t = decoded.get(e.getValue());
            if (t.dtype() == DType.F64) {
                rounded++;
            }
            out.put(e.getKey(), t);
        }
        List<String> notes = new ArrayList<>(extracted.notes());
        if (rounded > 0) {
            notes.add("rounded " + rounded + " float64 tensors to float32");
        }
        return new StateDict(out, Map.of(), notes);
    }
}
