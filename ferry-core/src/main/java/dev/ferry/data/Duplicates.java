package dev.ferry.data;

import dev.ferry.FerryException;
import dev.ferry.platform.FileDigest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Duplicate images within and across splits: exact copies (the same bytes, by SHA-256) and near
 * copies by a perceptual hash (a resized or re-encoded copy keeps its hash within a few bits).
 *
 * <p>The perceptual hash is the difference hash ("dHash"): the image's luma averaged down to 9 x 8
 * cells, one bit per horizontally adjacent pair (is the left cell brighter?), 64 bits. It survives
 * resizing, re-compression and small colour changes, not crops or flips; embeddings catch those.
 * It is for images with detail at the 9 x 8 scale: among 28-pixel Fashion-MNIST garments of one
 * class, hundreds of distinct pairs fall within {@link #DEFAULT_MAX_DISTANCE} bits.
 */
public final class Duplicates {
    private Duplicates() {}

    /**
     * Differing bits up to which two hashes count as the same picture. In the tests, copies resized
     * by half again and re-encoded as JPEG differ by 0 to 3 bits, while two unrelated smooth
     * images came as close as 6: a near-duplicate by hash alone is a candidate, which embeddings confirm.
     */
    public static final int DEFAULT_MAX_DISTANCE = 4;

    /**
     * An image and the split it belongs to.
     *
     * @param split e.g. {@code train}, {@code val}, {@code test}
     * @param path the file
     */
    public record Image(String split, Path path) {
        public Image {
            Objects.requireNonNull(split, "split");
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * Files with the same bytes.
     *
     * @param sha256 their hash
     * @param images two or more, in the order given
     */
    public record Group(String sha256, List<Image> images) {
        public Group {
            images = List.copyOf(images);
        }

        /** True if the copies are in more than one split (leakage between them). */
        public boolean acrossSplits() {
            return images.stream().map(Image::split).distinct().count() > 1;
        }
    }

    /**
     * Two images whose perceptual hashes are close.
     *
     * @param a the earlier in the order given
     * @param b the later
     * @param distance differing bits of the 64
     */
    public record NearPair(Image a, Image b, int distance) {
        /** True if the two are in different splits. */
        public boolean acrossSplits() {
            return !a.split().equals(b.split());
        }
    }

    /** Every group of byte-identical files, in order of first appearance. */
    public static List<Group> exact(List<Image> images) {
        String[] sha256 = new String[images.size()];
        for (int i = 0; i < sha256.length; i++) {
            try {
                sha256[i] = FileDigest.sha256(images.get(i).path());
            } catch (IOException e) {
                throw new FerryException("cannot read " + images.get(i).path() + ": " + e.getMessage(), e);
            }
        }
        return exact(images, sha256);
    }

    /** As {@link #exact(List)}, with each file's SHA-256 already known. */
    public static List<Group> exact(List<Image> images, String[] sha256) {
        if (sha256.length != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + sha256.length + " digests");
        }
        Map<String, List<Image>> byHash = new LinkedHashMap<>();
        for (int i = 0; i < sha256.length; i++) {
            byHash.computeIfAbsent(sha256[i], k -> new ArrayList<>()).add(images.get(i));
        }
        List<Group> out = new ArrayList<>();
        byHash.forEach((h, list) -> {
            if (list.size() > 1) {
                out.add(new Group(h, list));
            }
        });
        return out;
    }

    /** The 64-bit difference hash of {@code img} (see the class comment). */
    public static long dHash(RgbImage img) {
        int w = img.width();
        int h = img.height();
        double[] cells = new double[9 * 8];
        double[] counts = new double[9 * 8];
        byte[] rgb = img.rgb();
        for (int y = 0; y < h; y++) {
            int cy = Math.min(7, y * 8 / h);
            for (int x = 0; x < w; x++) {
                int cx = Math.min(8, x * 9 / w);
                int p = (y * w + x) * 3;
                // ITU-R 601 luma, as Pillow's convert("L").
                double luma = 0.299 * (rgb[p] & 0xff) + 0.587 * (rgb[p + 1] & 0xff) + 0.114 * (rgb[p + 2] & 0xff);
                cells[cy * 9 + cx] += luma;
                counts[cy * 9 + cx] += 1;
            }
        }
        long hash = 0;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                double left = cells[y * 9 + x] / Math.max(1, counts[y * 9 + x]);
                double right = cells[y * 9 + x + 1] / Math.max(1, counts[y * 9 + x + 1]);
                hash = (hash << 1) | (left > right ? 1 : 0);
            }
        }
        return hash;
    }

    /**
     * Pairs whose hashes differ in at most {@code maxDistance} bits (byte-identical files included:
     * callers that report exact copies apart filter them).
     *
     * @param hashes one per image, as {@link #dHash}
     * @param acrossSplitsOnly only pairs from different splits
     */
    public static List<NearPair> near(List<Image> images, long[] hashes, int maxDistance, boolean acrossSplitsOnly) {
        if (images.size() != hashes.length) {
            throw new IllegalArgumentException(images.size() + " images but " + hashes.length + " hashes");
        }
        List<NearPair> out = new ArrayList<>();
        for (int i = 0; i < hashes.length; i++) {
            for (int j = i + 1; j < hashes.length; j++) {
                if (acrossSplitsOnly && images.get(i).split().equals(images.get(j).split())) {
                    continue;
                }
                int d = Long.bitCount(hashes[i] ^ hashes[j]);
                if (d <= maxDistance) {
                    out.add(new NearPair(images.get(i), images.get(j), d));
                }
            }
        }
        return out;
    }

    /** Side of the {@link #thumbprint}: 8 x 8 luma values. */
    public static final int THUMBPRINT_SIDE = 8;

    /**
     * Correlation of two {@link #thumbprint}s from which on they count as the same picture.
     *
     * <p>Chosen on the hardest images ferry has, Fashion-MNIST's (every garment centred on black, so
     * unrelated images look alike at 8 x 8): among 5,000 of its images, no two distinct ones
     * correlated above 0.9985 (median best match 0.986), while 100 copies resized to 36 to 65 pixels
     * and re-encoded as JPEG at quality 0.5 to 0.9 all correlated at least 0.9996 with their
     * original. At 16 x 16 the two ranges came within 0.0005 of each other (the resampling and
     * JPEG's blocks show at that size): a smaller thumbprint separates them better.
     */
    public static final double DEFAULT_MIN_CORRELATION = 0.999;

    /**
     * Two images whose thumbprints correlate at or above a threshold.
     *
     * @param correlation of their thumbprints, in [-1, 1]
     * @param hashDistance differing bits of their {@link #dHash}es, for the record
     */
    public record Similar(Image a, Image b, double correlation, int hashDistance) {
        /** True if the two are in different splits. */
        public boolean acrossSplits() {
            return !a.split().equals(b.split());
        }
    }

    /**
     * A tiny grey picture of {@code img} to compare by correlation: the image resized to
     * {@link #THUMBPRINT_SIDE} squared with Pillow's antialiased bilinear filter (so a copy at any
     * size and aspect gives nearly the same values), ITU-R 601 luma, minus its mean, scaled to unit
     * length. A flat image (no variation at all) gives all zeros, which correlates with nothing.
     */
    public static float[] thumbprint(RgbImage img) {
        int side = THUMBPRINT_SIDE;
        RgbImage small = PillowResize.resize(img, side, side, Interpolation.BILINEAR);
        byte[] rgb = small.rgb();
        double[] v = new double[side * side];
        double mean = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.299 * (rgb[3 * i] & 0xff) + 0.587 * (rgb[3 * i + 1] & 0xff) + 0.114 * (rgb[3 * i + 2] & 0xff);
            mean += v[i];
        }
        mean /= v.length;
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] -= mean;
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        if (norm > 1e-9) {
            for (int i = 0; i < v.length; i++) {
                out[i] = (float) (v[i] / norm);
            }
        }
        return out;
    }

    /**
     * Every pair whose thumbprints correlate at least {@code minCorrelation}, most alike first,
     * leaving out pairs of byte-identical files ({@code sha256} equal: those are exact duplicates).
     * Compares every pair on the calling thread: {@code n^2 / 2} products of 64 values, 18 s for 20,000 images on an Intel Xeon core.
     *
     * @param thumbprints one per image, as {@link #thumbprint}
     * @param hashes one per image, as {@link #dHash}
     * @param sha256 one per image
     */
    public static List<Similar> similar(List<Image> images, float[][] thumbprints, long[] hashes, String[] sha256,
            double minCorrelation) {
        int n = images.size();
        if (thumbprints.length != n || hashes.length != n || sha256.length != n) {
            throw new IllegalArgumentException(n + " images but " + thumbprints.length + " thumbprints, " + hashes.length
                    + " hashes and " + sha256.length + " digests");
        }
        List<Similar> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] a = thumbprints[i];
            for (int j = i + 1; j < n; j++) {
                float[] b = thumbprints[j];
                double c = 0;
                for (int k = 0; k < a.length; k++) {
                    c += a[k] * b[k];
                }
                if (c >= minCorrelation && !sha256[i].equals(sha256[j])) {
                    out.add(new Similar(images.get(i), images.get(j), Math.min(1.0, c), Long.bitCount(hashes[i] ^ hashes[j])));
                }
            }
        }
        out.sort(java.util.Comparator.comparingDouble((Similar x) -> -x.correlation()));
        return out;
    }
}
