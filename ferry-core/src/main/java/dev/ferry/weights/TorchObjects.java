package dev.ferry.weights;

import java.util.Optional;

/**
 * The few Python objects a {@code torch.save} pickle of a state dict may construct, and the
 * allow-list of globals that names them.
 *
 * <p>This mirrors {@code torch.load(weights_only=True)} from torch 1.13 (its
 * {@code _get_allowed_globals}), narrowed to what dense CPU/GPU state dicts use: no sparse or
 * quantized tensors, no numpy scalars, no arbitrary classes.
 */
final class TorchObjects {
    private TorchObjects() {}

    /** Allowed globals other than the storage classes. */
    enum Global {
        ORDERED_DICT("collections", "OrderedDict"),
        REBUILD_TENSOR("torch._utils", "_rebuild_tensor"),
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
        REBUILD_FROM_TYPE_V2("torch._tensor", "_rebuild_from_type_v2"),
        TENSOR_CLASS("torch", "Tensor"),
        PARAMETER_CLASS("torch.nn.parameter", "Parameter"),
        SIZE("torch", "Size");

        private final String module;
        private final String name;

        Global(String module, String name) {
            this.module = module;
            this.name = name;
        }

        /** The dotted Python name, e.g. {@code collections.OrderedDict}. */
        String pythonName() {
            return module + "." + name;
        }
    }

    /** A legacy typed storage class such as {@code torch.FloatStorage}, which only names a dtype. */
    record StorageType(DType dtype) {}

    /**
     * A storage referenced by a persistent id: where its bytes live and how to read them.
     *
     * @param key the storage's key in the file ({@code data/<key>} in a zip, the storage list in legacy files)
     * @param dtype element type
     * @param numel elements in the whole stored storage
     * @param viewOffset first element of the view the tensor uses (0 unless a pre-1.0 legacy storage view)
     * @param viewSize elements in that view ({@code numel} unless a view)
     */
    record StorageRef(String key, DType dtype, long numel, long viewOffset, long viewSize) {}

    /**
     * A tensor as {@code _rebuild_tensor_v2} describes it: a strided window on a storage. Its values
     * are read only after the pickle is done, because legacy files store the bytes after the pickle.
     * A class rather than a record so that identical-looking tensors stay distinct.
     */
    static final class TensorRef {
        final StorageRef storage;
        final long offset;
        final long[] size;
        final long[] stride;

        TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.size = size;
            this.stride = stride;
        }
    }

    /**
     * The allowed object for a pickle GLOBAL, or empty if the global is refused. Applies torch's
     * own module rename ({@code torch.tensor} became {@code torch._tensor} in 1.8).
     */
    static Optional<Object> resolve(String module, String name) {
        String mod = module.equals("torch.tensor") ? "torch._tensor" : module;
        for (Global g : Global.values()) {
            if (g.module.equals(mod) && g.name.equals(name)) {
                return Optional.of(g);
            }
        }
        if (mod.equals("torch")) {
            return DType.fromTorchStorage(name).map(StorageType::new);
        }
        return Optional.empty();
    }

    /** A short Python-ish description of an unpickled value, for messages. */
    static String describe(Object value) {
        if (value == null) {
            return "None";
        } else if (value instanceof Boolean) {
            return "bool";
        } else if (value instanceof Long || value instanceof java.math.BigInteger) {
            return "int";
        } else if (value instanceof Double) {
            return "float";
        } else if (value instanceof String) {
            return "str";
        } else if (value instanceof byte[]) {
            return "bytes";
        } else if (value instanceof PyTuple) {
            return "tuple";
        } else if (value instanceof java.util.List) {
            return "list";
        } else if (value instanceof java.util.Map) {
            return "dict";
        } else if (value instanceof TensorRef) {
            return "tensor";
        } else if (value instanceof StorageRef) {
            return "storage";
        } else if (value instanceof Global g) {
            return g.pythonName();
        } else if (value instanceof StorageType s) {
            return "torch." + s.dtype().torchStorageName();
        }
        return value.getClass().getSimpleName();
    }
}
