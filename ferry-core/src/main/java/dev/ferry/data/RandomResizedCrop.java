package dev.ferry.data;

import java.util.SplittableRandom;

/**
 * torchvision 0.14's {@code RandomResizedCrop.get_params}: the crop-box sampling, with a Java
 * random generator instead of torch's (so the boxes have the same distribution and constraints,
 * not the same values as a torch run with the same seed; that is deliberate, torch's generator is
 * not reproduced).
 *
 * <p>Up to 10 tries: {@code target_area = area * U(scale)}, {@code aspect = exp(U(log ratio))},
 * {@code w = int(round(sqrt(target_area * aspect)))}, {@code h = int(round(sqrt(target_area /
 * aspect)))} (Python rounding: half to even); accepted if {@code 0 < w <= width} and
 * {@code 0 < h <= height}, then {@code i ~ U{0..height-h}}, {@code j ~ U{0..width-w}}. Otherwise
 * the fallback: a centred crop of the whole image with its aspect ratio clamped to the range.
 *
 * @param scaleMin lower bound of the crop's area fraction (torchvision default 0.08)
 * @param scaleMax upper bound of the area fraction (default 1.0)
 * @param ratioMin lower bound of the aspect ratio w/h (default 3/4)
 * @param ratioMax upper bound of the aspect ratio (default 4/3)
 */
public record RandomResizedCrop(double scaleMin, double scaleMax, double ratioMin, double ratioMax) {

    /** Validates the ranges. */
    public RandomResizedCrop {
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1.0)) {
            throw new IllegalArgumentException("RandomResizedCrop scale must satisfy 0 < min <= max <= 1, got ("
                    + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException("RandomResizedCrop ratio must satisfy 0 < min <= max, got ("
                    + ratioMin + ", " + ratioMax + ")");
        }
    }

    /** torchvision's defaults: scale (0.08, 1.0), ratio (3/4, 4/3). */
    public static RandomResizedCrop defaults() {
        return new RandomResizedCrop(0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
    }

    /** Draws a crop box for a {@code width x height} image. */
    public CropBox sample(int width, int height, SplittableRandom random) {
        double area = (double) height * width;
        double logRatioMin = Math.log(ratioMin);
        double logRatioMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(random, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(random, logRatioMin, logRatioMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int i = random.nextInt(height - h + 1);
                int j = random.nextInt(width - w + 1);
                return new CropBox(i, j, h, w);
            }
        }
        return fallback(width, height);
    }

    /** The central crop torchvision uses when 10 tries fail. */
    CropBox fallback(int width, int height) {
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        // Rounding can reach 0 for extreme shapes (torchvision would then fail in resize); keep 1.
        w = Math.max(1, w);
        h = Math.max(1, h);
        return new CropBox(Math.floorDiv(height - h, 2), Math.floorDiv(width - w, 2), h, w);
    }

    /** torch's {@code uniform_(a, b)}: {@code a + (b - a) * U[0, 1)}. */
    private static double uniform(SplittableRandom random, double a, double b) {
        return a + (b - a) * random.nextDouble();
    }
}
