package dev.ferry.train;

import java.util.SplittableRandom;

/**
 * Mixup and CutMix as timm's {@code timm.data.mixup.Mixup} does them in its default batch mode: one
 * mixing coefficient per batch, each image paired with the image at the mirrored position of the
 * batch ({@code x.flip(0)}), CutMix's box shared by the batch and its coefficient corrected to the
 * pasted area, soft targets as timm's {@code mixup_target} (label smoothing applied to each one-hot
 * before mixing). With both on, each batch picks one of the two with probability 0.5 (timm's {@code
 * switch_prob}); timm's {@code mix_prob} is 1 here, every batch is mixed.
 *
 * <p>The pixel arithmetic works on host arrays in place, as the trainer holds each batch as a
 * {@code float[]} before it becomes a tensor.
 *
 * @param mixupAlpha Beta(alpha, alpha) of mixup's coefficient; 0 off
 * @param cutmixAlpha Beta(alpha, alpha) of CutMix's coefficient; 0 off
 */
public record Mixup(double mixupAlpha, double cutmixAlpha) {
    /** timm's {@code switch_prob}: the chance of CutMix when both are on. */
    public static final double SWITCH_PROBABILITY = 0.5;

    /** Whether any mixing is on. */
    public boolean on() {
        return mixupAlpha > 0 || cutmixAlpha > 0;
    }

    /**
     * A box of rows {@code [y0, y1)} and columns {@code [x0, x1)}.
     */
    public record Box(int y0, int y1, int x0, int x1) {
        /** Pixels inside the box. */
        public int area() {
            return (y1 - y0) * (x1 - x0);
        }
    }

    /**
     * One batch's mixing.
     *
     * @param cutmix paste a box (true) or blend whole images (false)
     * @param lam the weight of each image's own label: the drawn coefficient for mixup, the
     *     corrected one ({@link #correctedLam}) for CutMix
     * @param box CutMix's box, null for mixup
     */
    public record Draw(boolean cutmix, double lam, Box box) {}

    /**
     * Draws one batch's mixing as timm's {@code _params_per_batch} and {@code _mix_batch}, or null
     * when nothing is mixed.
     *
     * @param images whether the batch holds images: without them (cached features) CutMix cannot
     *     apply, so a CutMix-only configuration mixes nothing and a combined one always mixes up
     */
    public Draw draw(SplittableRandom random, int height, int width, boolean images) {
        boolean mixup = mixupAlpha > 0;
        boolean cutmix = cutmixAlpha > 0 && images;
        boolean useCutmix;
        if (mixup && cutmix) {
            useCutmix = random.nextDouble() < SWITCH_PROBABILITY;
        } else if (cutmix) {
            useCutmix = true;
        } else if (mixup) {
            useCutmix = false;
        } else {
            return null;
        }
        double lam = beta(useCutmix ? cutmixAlpha : mixupAlpha, random);
        if (!useCutmix) {
            return new Draw(false, lam, null);
        }
        int cy = random.nextInt(height);
        int cx = random.nextInt(width);
        Box b = box(height, width, lam, cy, cx);
        return new Draw(true, correctedLam(b, height, width), b);
    }

    /**
     * timm's {@code rand_bbox} for a given centre: sides {@code int(H * sqrt(1 - lam))} and {@code
     * int(W * sqrt(1 - lam))}, then {@code [c - side // 2, c + side // 2)} clipped to the image (as
     * timm, an odd side loses one pixel: the box spans twice the half side).
     */
    public static Box box(int height, int width, double lam, int cy, int cx) {
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (height * ratio);
        int cutW = (int) (width * ratio);
        int y0 = clip(cy - cutH / 2, height);
        int y1 = clip(cy + cutH / 2, height);
        int x0 = clip(cx - cutW / 2, width);
        int x1 = clip(cx + cutW / 2, width);
        return new Box(y0, y1, x0, x1);
    }

    /** timm's {@code correct_lam}: one minus the pasted fraction of the image. */
    public static double correctedLam(Box box, int height, int width) {
        return 1.0 - box.area() / (double) (height * width);
    }

    private static int clip(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    /**
     * Mixup in place: row {@code i} of the {@code n} rows of {@code x} becomes {@code lam * x[i] +
     * (1 - lam) * x[n - 1 - i]} (an odd batch's middle row is its own partner and stays).
     */
    public static void mix(float[] x, int n, double lam) {
        int row = x.length / n;
        float a = (float) lam;
        float b = (float) (1 - lam);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int oi = i * row;
            int oj = j * row;
            for (int p = 0; p < row; p++) {
                float u = x[oi + p];
                float v = x[oj + p];
                x[oi + p] = a * u + b * v;
                x[oj + p] = a * v + b * u;
            }
        }
    }

    /**
     * CutMix in place: every image of the NCHW batch {@code x} takes {@code box} from its partner
     * {@code n - 1 - i}.
     */
    public static void paste(float[] x, int n, int channels, int height, int width, Box box) {
        int per = channels * height * width;
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            for (int c = 0; c < channels; c++) {
                for (int y = box.y0(); y < box.y1(); y++) {
                    int oi = i * per + (c * height + y) * width;
                    int oj = j * per + (c * height + y) * width;
                    for (int xx = box.x0(); xx < box.x1(); xx++) {
                        float t = x[oi + xx];
                        x[oi + xx] = x[oj + xx];
                        x[oj + xx] = t;
                    }
                }
            }
        }
    }

    /**
     * timm's {@code mixup_target}: {@code lam * smooth(onehot(y)) + (1 - lam) * smooth(onehot(y_flipped))}
     * with {@code smooth} giving {@code 1 - e + e / K} to the label and {@code e / K} elsewhere.
     *
     * @return N x K row-major
     */
    public static float[] targets(int[] labels, int classes, double lam, double smoothing) {
        int n = labels.length;
        double off = smoothing / classes;
        double on = 1 - smoothing + off;
        float[] t = new float[n * classes];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < classes; k++) {
                double own = labels[i] == k ? on : off;
                double partner = labels[n - 1 - i] == k ? on : off;
                t[i * classes + k] = (float) (lam * own + (1 - lam) * partner);
            }
        }
        return t;
    }

    /**
     * The label each mixed image counts against for training accuracy: its own when {@code lam >=
     * 0.5}, its partner's otherwise (the label with the larger weight in its target).
     */
    public static int[] dominant(int[] labels, double lam) {
        int n = labels.length;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = lam >= 0.5 ? labels[i] : labels[n - 1 - i];
        }
        return out;
    }

    /**
     * A Beta(alpha, alpha) draw as {@code X / (X + Y)} of two Gamma(alpha, 1) draws (NumPy's
     * generator uses other algorithms, so the values differ from timm's; the distribution is the same).
     */
    public static double beta(double alpha, SplittableRandom random) {
        double x = gamma(alpha, random);
        double y = gamma(alpha, random);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /**
     * A Gamma(shape, 1) draw: Marsaglia and Tsang (2000) for {@code shape >= 1}; below 1, the draw for
     * {@code shape + 1} times {@code U^(1/shape)}.
     */
    static double gamma(double shape, SplittableRandom random) {
        if (shape < 1) {
            double u = random.nextDouble();
            return gamma(shape + 1, random) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = gaussian(random);
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** A standard normal draw (Box-Muller), from {@code random} alone. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
