package dev.ferry.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Named tensors in file order, like a PyTorch {@code state_dict()}, plus what the reader noticed.
 *
 * <p>Immutable: the maps and lists are unmodifiable copies (tensor values are shared, see
 * {@link Tensor}).
 */
public final class StateDict {
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final List<String> notes;

    /**
     * @param tensors the tensors, in the order to keep
     * @param metadata free-form string metadata (safetensors {@code __metadata__}); may be empty
     * @param notes one-line remarks about how the file was read, for the user; may be empty
     */
    public StateDict(Map<String, Tensor> tensors, Map<String, String> metadata, List<String> notes) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        tensors.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"), Objects.requireNonNull(v, k)));
        this.tensors = Collections.unmodifiableMap(copy);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.notes = List.copyOf(notes);
    }

    /** A state dict without metadata or notes. */
    public static StateDict of(Map<String, Tensor> tensors) {
        return new StateDict(tensors, Map.of(), List.of());
    }

    /** The tensor for {@code key}, or null if there is none. */
    public Tensor get(String key) {
        return tensors.get(key);
    }

    /** True if there is a tensor named {@code key}. */
    public boolean contains(String key) {
        return tensors.containsKey(key);
    }

    /** The keys in file order. */
    public Set<String> keys() {
        return tensors.keySet();
    }

    /** Number of tensors. */
    public int size() {
        return tensors.size();
    }

    /** All tensors in file order (unmodifiable). */
    public Map<String, Tensor> asMap() {
        return tensors;
    }

    /** String metadata stored with the tensors (safetensors {@code __metadata__}); empty for torch files. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Remarks about how the file was read that a user may want to see, such as "took the
     * 'state_dict' entry of a checkpoint". Empty when the file was a plain state dict.
     */
    public List<String> notes() {
        return notes;
    }

    /**
     * This state dict with {@code prefix} removed from every key that starts with it, e.g.
     * {@code "module."} from a model saved while wrapped in {@code DataParallel}.
     *
     * @throws IllegalArgumentException if removing the prefix makes two keys equal
     */
    public StateDict withoutPrefix(String prefix) {
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        int stripped = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(prefix)) {
                key = key.substring(prefix.length());
                stripped++;
            }
            if (renamed.put(key, e.getValue()) != null) {
                throw new IllegalArgumentException("removing prefix '" + prefix + "' makes key '" + key + "' ambiguous");
            }
        }
        List<String> moreNotes = new ArrayList<>(notes);
        if (stripped > 0) {
            moreNotes.add("removed prefix '" + prefix + "' from " + stripped + " keys");
        }
        return new StateDict(renamed, metadata, moreNotes);
    }

    /** Number of tensors and the first few keys. */
    @Override
    public String toString() {
        List<String> first = new ArrayList<>();
        for (String key : tensors.keySet()) {
            if (first.size() == 3) {
                first.add("...");
                break;
            }
            first.add(key);
        }
        return "StateDict[" + tensors.size() + " tensors: " + String.join(", ", first) + "]";
    }
}
