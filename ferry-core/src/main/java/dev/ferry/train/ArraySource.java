package dev.ferry.train;

import java.util.SplittableRandom;

/**
 * Samples held in memory as normalised CHW floats, with the small-image augmentation (random
 * horizontal flip and a random shift of up to {@code maxShift} pixels, zero-padded), as used for
 * 28x28 images where random-resized crops would destroy the content.
 */
public final class ArraySource implements SampleSource {
    private final float[] data;
    private final int[] labels;
    private final int[] shape;
    private final boolean flip;
    private final int maxShift;

    /**
     * @param data N x C x H x W normalised pixels (not copied)
     * @param labels N class indices
     * @param shape {C, H, W}
     */
    public ArraySource(float[] data, int[] labels, int[] shape, boolean flip, int maxShift) {
        int per = shape[0] * shape[1] * shape[2];
        if (data.length != labels.length * per) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, expected " + labels.length * per);
        }
        this.data = data;
        this.labels = labels;
        this.shape = shape.clone();
        this.flip = flip;
        this.maxShift = maxShift;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public int[] sampleShape() {
        return shape.clone();
    }

    @Override
    public void load(int[] indices, boolean augment, long seed, int epoch, float[] dst) {
        int c = shape[0];
        int h = shape[1];
        int w = shape[2];
        int per = c * h * w;
        for (int i = 0; i < indices.length; i++) {
            int src = indices[i] * per;
            int out = i * per;
            if (!augment) {
                System.arraycopy(data, src, dst, out, per);
                continue;
            }
            SplittableRandom r = new SplittableRandom(mix(seed, epoch, indices[i]));
            boolean mirror = flip && r.nextBoolean();
            int dy = maxShift > 0 ? r.nextInt(-maxShift, maxShift + 1) : 0;
            int dx = maxShift > 0 ? r.nextInt(-maxShift, maxShift + 1) : 0;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y - dy;
                    for (int x = 0; x < w; x++) {
                        int sx0 = x - dx;
                        int sx = mirror ? w - 1 - sx0 : sx0;
                        float v = 0f;
                        if (sy >= 0 && sy < h && sx0 >= 0 && sx0 < w) {
                            v = data[src + (ch * h + sy) * w + sx];
                        }
                        dst[out + (ch * h + y) * w + x] = v;
                    }
                }
            }
        }
    }

    /** A well-mixed 64-bit seed from (seed, epoch, index), so neighbouring samples draw independently. */
    static long mix(long seed, int epoch, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
