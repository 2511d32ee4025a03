package dev.ferry.weights;

import java.util.Optional;

/**
 * Element types a weight file can store.
 *
 * <p>Floating types are widened (or, for {@link #F64}, rounded) to float32 when read, integer and
 * boolean types to int64; the dtype records what the file held, which matters for messages and for
 * judging precision (a float16 file cannot match float32 weights bit for bit).
 */
public enum DType {
    /** IEEE float32. */
    F32(4, true, "FloatStorage"),
    /** IEEE float16, widened exactly to float32. */
    F16(2, true, "HalfStorage"),
    /** bfloat16 (the upper half of a float32), widened exactly to float32. */
    BF16(2, true, "BFloat16Storage"),
    /** IEEE float64, rounded to the nearest float32 (as {@code tensor.float()} does). */
    F64(8, true, "DoubleStorage"),
    /** Signed 64-bit integer. */
    I64(8, false, "LongStorage"),
    /** Signed 32-bit integer, widened to int64. */
    I32(4, false, "IntStorage"),
    /** Signed 16-bit integer, widened to int64. */
    I16(2, false, "ShortStorage"),
    /** Signed 8-bit integer, widened to int64. */
    I8(1, false, "CharStorage"),
    /** Unsigned 8-bit integer, widened to int64. */
    U8(1, false, "ByteStorage"),
    /** Boolean stored as one byte, read as 0 or 1. */
    BOOL(1, false, "BoolStorage");

    private final int byteSize;
    private final boolean floating;
    private final String torchStorage;

    DType(int byteSize, boolean floating, String torchStorage) {
        this.byteSize = byteSize;
        this.floating = floating;
        this.torchStorage = torchStorage;
    }

    /** Bytes per element in the file. */
    public int byteSize() {
        return byteSize;
    }

    /** True for types read into {@link Tensor#floats()}, false for those read into {@link Tensor#longs()}. */
    public boolean isFloating() {
        return floating;
    }

    /** The name of the legacy typed storage class in module {@code torch}, e.g. {@code FloatStorage}. */
    public String torchStorageName() {
        return torchStorage;
    }

    /** The dtype string safetensors uses: the enum name (F32, F16, BF16, F64, I64, ..., BOOL). */
    public String safetensorsName() {
        return name();
    }

    /** The dtype for a safetensors dtype string, if it is one ferry reads. */
    public static Optional<DType> fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The dtype for a torch storage class name such as {@code HalfStorage}, if it is one ferry reads. */
    public static Optional<DType> fromTorchStorage(String className) {
        for (DType d : values()) {
            if (d.torchStorage.equals(className)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
