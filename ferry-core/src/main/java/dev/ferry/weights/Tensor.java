package dev.ferry.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor read from (or to be written to) a weight file: contiguous row-major values.
 *
 * <p>Exactly one of {@link #floats()} and {@link #longs()} is non-null: floating dtypes
 * ({@link DType#isFloating()}) hold float32 values, integer and boolean dtypes hold int64 values.
 * {@link #dtype()} is the type the file stored (a float16 file gives {@code F16} with exactly
 * widened float32 values).
 *
 * <p>The value arrays are shared, not copied, because state dicts of real models hold hundreds of
 * megabytes; treat them as read-only. The shape is copied.
 *
 * @param dtype the element type the file stored
 * @param shape the size of each dimension; empty for a scalar
 * @param floats the values for floating dtypes, else null
 * @param longs the values for integer and boolean dtypes, else null
 */
public record Tensor(DType dtype, long[] shape, float[] floats, long[] longs) {

    /** Checks that the values match the dtype and the shape. */
    public Tensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        shape = shape.clone();
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        if (dtype.isFloating() ? floats == null || longs != null : longs == null || floats != null) {
            throw new IllegalArgumentException(
                    "a " + dtype + " tensor needs " + (dtype.isFloating() ? "float" : "long") + " values only");
        }
        int length = floats != null ? floats.length : longs.length;
        if (count != length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + count + " values, got " + length);
        }
    }

    /** A float32 tensor over {@code values} (not copied). */
    public static Tensor ofFloats(long[] shape, float[] values) {
        return new Tensor(DType.F32, shape, values, null);
    }

    /** An int64 tensor over {@code values} (not copied). */
    public static Tensor ofLongs(long[] shape, long[] values) {
        return new Tensor(DType.I64, shape, null, values);
    }

    /** The shape (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions; 0 for a scalar. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return floats != null ? floats.length : longs.length;
    }

    /** True when the values are in {@link #floats()}. */
    public boolean isFloating() {
        return floats != null;
    }

    /** Value {@code i} in row-major order as a double, whichever array holds it. */
    public double value(int i) {
        return floats != null ? floats[i] : longs[i];
    }

    /** Sum of all values, accumulated in double. */
    public double sum() {
        double total = 0;
        for (int i = 0, n = numel(); i < n; i++) {
            total += value(i);
        }
        return total;
    }

    /** The shape as text, e.g. {@code [64, 3, 7, 7]}. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** True when both have the same dtype, shape and bit-identical values. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor t
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(floats, t.floats)
                && Arrays.equals(longs, t.longs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(floats), Arrays.hashCode(longs));
    }

    /** Dtype and shape only; the values can be millions of numbers. */
    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shapeString() + "]";
    }
}
