package dev.ferry.data;

import java.util.SplittableRandom;

/**
 * Derives independent random streams from (seed, epoch, index) so that augmentation and
 * shuffling do not depend on thread scheduling or on which other samples exist.
 */
public final class Seeds {

    private Seeds() {
    }

    /**
     * A well-mixed 64-bit value for the triple (seed, epoch, index): nested SplitMix64 finalizers,
     * so nearby triples give unrelated values.
     */
    public static long mix(long seed, long epoch, long index) {
        long h = fmix(seed ^ 0x6A09E667F3BCC909L);
        h = fmix(h ^ (epoch * 0x9E3779B97F4A7C15L + 0xBB67AE8584CAA73BL));
        return fmix(h ^ (index * 0xC2B2AE3D27D4EB4FL + 0x3C6EF372FE94F82BL));
    }

    /** The generator for one sample of one epoch. */
    public static SplittableRandom forSample(long seed, int epoch, long sampleIndex) {
        return new SplittableRandom(mix(seed, epoch, sampleIndex));
    }

    /** The generator for epoch-level decisions (the shuffle order); distinct from every sample's. */
    public static SplittableRandom forEpoch(long seed, int epoch) {
        return new SplittableRandom(mix(seed, epoch, -1L));
    }

    /**
     * The generator for one batch's decisions (mixup and CutMix): distinct from every sample's
     * ({@code index >= 0}) and from the epoch's ({@code -1}).
     */
    public static SplittableRandom forBatch(long seed, int epoch, int batch) {
        return new SplittableRandom(mix(seed, epoch, -2L - batch));
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014). */
    private static long fmix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
