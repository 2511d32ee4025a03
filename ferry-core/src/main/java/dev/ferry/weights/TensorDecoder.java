package dev.ferry.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns raw little-endian storage bytes plus a strided view into a contiguous {@link Tensor}.
 *
 * <p>All index arithmetic is checked before any array is touched, so a damaged file yields a
 * message naming the tensor rather than an exception from deep inside a loop.
 */
final class TensorDecoder {
    /** The largest Java array the JVM reliably allocates. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorDecoder() {}

    /**
     * Reads the view {@code (offset, size, stride)} of a storage.
     *
     * @param file the file, for messages
     * @param key the tensor's name, for messages
     * @param dtype the storage's element type
     * @param storage the storage's bytes; element 0 at index 0
     * @param storageElements the number of elements the view may reach (the storage, or a legacy storage view)
     * @param base element of {@code storage} that the view's offset 0 is
     * @param offset the tensor's storage offset, relative to {@code base}
     * @param size the tensor's shape
     * @param stride the tensor's strides, in elements
     */
    static Tensor decode(Path file, String key, DType dtype, ByteBuffer storage, long storageElements,
            long base, long offset, long[] size, long[] stride) {
        long count;
        long last = offset;
        try {
            count = 1;
            for (int d = 0; d < size.length; d++) {
                count = Math.multiplyExact(count, size[d]);
                if (size[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw WeightsErrors.bad(file, "tensor '" + key + "' has an impossible shape " + Arrays.toString(size));
        }
        if (count > MAX_ELEMENTS) {
            throw WeightsErrors.bad(file, "tensor '" + key + "' has " + count + " elements, more than ferry can hold in one array");
        }
        if (count > 0 && last >= storageElements) {
            throw WeightsErrors.bad(file, "tensor '" + key + "' with shape " + Arrays.toString(size) + ", strides "
                    + Arrays.toString(stride) + " and offset " + offset + " reaches element " + last
                    + " of a storage with only " + storageElements + " elements");
        }
        if (count > 0 && (base + last + 1) * dtype.byteSize() > storage.capacity()) {
            throw WeightsErrors.bad(file, "tensor '" + key + "' needs more bytes than its storage holds");
        }
        ByteBuffer buf = storage.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) count;
        float[] floats = dtype.isFloating() ? new float[n] : null;
        long[] longs = dtype.isFloating() ? null : new long[n];
        if (n > 0) {
            long start = base + offset;
            if (isContiguous(size, stride)) {
                readRun(buf, dtype, start, n, floats, longs);
            } else {
                readStrided(buf, dtype, start, size, stride, floats, longs);
            }
        }
        return new Tensor(dtype, size, floats, longs);
    }

    /** True if the strides are the row-major strides of {@code size}; size-1 dimensions may have any stride. */
    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    private static void readRun(ByteBuffer buf, DType dtype, long start, int n, float[] floats, long[] longs) {
        if (dtype == DType.F32) {
            // Bulk path for the overwhelmingly common case.
            buf.position((int) (start * 4)).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats, 0, n);
            return;
        }
        if (dtype == DType.I64) {
            buf.position((int) (start * 8)).slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(longs, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            store(buf, dtype, start + i, i, floats, longs);
        }
    }

    /** Walks the view in row-major order with an odometer over the dimensions. */
    private static void readStrided(ByteBuffer buf, DType dtype, long start, long[] size, long[] stride,
            float[] floats, long[] longs) {
        int rank = size.length;
        long[] index = new long[rank];
        long element = start;
        int n = floats != null ? floats.length : longs.length;
        for (int i = 0; i < n; i++) {
            store(buf, dtype, element, i, floats, longs);
            for (int d = rank - 1; d >= 0; d--) {
                index[d]++;
                element += stride[d];
                if (index[d] < size[d]) {
                    break;
                }
                element -= stride[d] * size[d];
                index[d] = 0;
            }
        }
    }

    private static void store(ByteBuffer buf, DType dtype, long element, int i, float[] floats, long[] longs) {
        int at = (int) (element * dtype.byteSize());
        switch (dtype) {
            case F32 -> floats[i] = buf.getFloat(at);
            case F16 -> floats[i] = halfToFloat(buf.getShort(at));
            case BF16 -> floats[i] = Float.intBitsToFloat((buf.getShort(at) & 0xffff) << 16);
            case F64 -> floats[i] = (float) buf.getDouble(at);
            case I64 -> longs[i] = buf.getLong(at);
            case I32 -> longs[i] = buf.getInt(at);
            case I16 -> longs[i] = buf.getShort(at);
            case I8 -> longs[i] = buf.get(at);
            case U8 -> longs[i] = buf.get(at) & 0xff;
            case BOOL -> longs[i] = buf.get(at) != 0 ? 1 : 0;
            default -> throw new IllegalStateException("no decoder for " + dtype);
        }
    }

    /** IEEE binary16 to binary32, exact for every value including subnormals, infinities and NaN. */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal: value = mantissa * 2^-24, exactly representable in float32.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
