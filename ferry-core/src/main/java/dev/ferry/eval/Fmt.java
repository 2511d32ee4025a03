package dev.ferry.eval;

import java.util.Locale;

/** Number formatting shared by the renderers; always {@link Locale#ROOT} so decimals use a dot. */
final class Fmt {
    /** Digits after the point for metrics, as in scikit-learn's report with {@code digits=4}. */
    static final int DIGITS = 4;

    private Fmt() {}

    /** A metric with {@link #DIGITS} decimals; "nan" / "inf" / "-inf" for non-finite values. */
    static String metric(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%." + DIGITS + "f", v);
    }

    /** A fraction as a percentage with one decimal, e.g. {@code 0.1234 -> "12.3%"}. */
    static String percent(double fraction) {
        if (!Double.isFinite(fraction)) {
            return metric(fraction);
        }
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    /** A learning rate or other value spanning decades, e.g. {@code 3.0e-04}. */
    static String scientific(double v) {
        if (!Double.isFinite(v)) {
            return metric(v);
        }
        return String.format(Locale.ROOT, "%.1e", v);
    }

    /**
     * Replaces line breaks and other control characters with a space, so a strange class name
     * cannot break a one-row-per-line text table.
     */
    static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }
}
