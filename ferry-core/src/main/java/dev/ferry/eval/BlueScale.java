package dev.ferry.eval;

import java.awt.Color;
import java.awt.Paint;
import org.jfree.chart.renderer.PaintScale;

/**
 * White to dark blue over 0..1, the ends of matplotlib's "Blues" map; shared by the heat-map chart
 * and the HTML confusion table so both read the same. A record because it is stateless and
 * JFreeChart compares paint scales with equals.
 */
record BlueScale() implements PaintScale {
    private static final int[] LOW = {247, 251, 255};
    private static final int[] HIGH = {8, 48, 107};

    @Override
    public double getLowerBound() {
        return 0.0;
    }

    @Override
    public double getUpperBound() {
        return 1.0;
    }

    @Override
    public Paint getPaint(double value) {
        return new Color(rgb(value));
    }

    /** The colour for a value as 0xRRGGBB; values outside 0..1 are clamped, NaN is 0. */
    static int rgb(double value) {
        double v = Double.isFinite(value) ? Math.max(0.0, Math.min(1.0, value)) : 0.0;
        return mix(0, v) << 16 | mix(1, v) << 8 | mix(2, v);
    }

    /** Whether text on this value's colour should be white rather than black. */
    static boolean darkBackground(double value) {
        return value > 0.5;
    }

    private static int mix(int channel, double v) {
        return (int) Math.round(LOW[channel] + (HIGH[channel] - LOW[channel]) * v);
    }
}
