package dev.ferry.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;

/** The look shared by every chart, and PNG encoding. */
final class ChartStyle {
    /** Smallest and largest accepted chart side in pixels. */
    static final int MIN_SIDE = 100;
    static final int MAX_SIDE = 10_000;

    /** matplotlib's tab10 colours: familiar to anyone who has read a PyTorch tutorial's plots. */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };

    static final BasicStroke LINE = new BasicStroke(2.0f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    static final Color GRID = new Color(0xdddddd);
    static final String FONT = Font.SANS_SERIF;

    private ChartStyle() {}

    /** The paint for the {@code i}-th series. */
    static Color color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /**
     * Applies ferry's theme: larger fonts than JFreeChart's defaults (which are hard to read at
     * 800x500 once scaled down in a browser) and white backgrounds with light grid lines. A new
     * theme per chart, because {@code ChartFactory.setChartTheme} would be global mutable state.
     * Call before setting series paints and adding annotations, since the theme resets their fonts.
     */
    static JFreeChart apply(JFreeChart chart) {
        StandardChartTheme theme = new StandardChartTheme("ferry");
        theme.setExtraLargeFont(new Font(FONT, Font.BOLD, 20));
        theme.setLargeFont(new Font(FONT, Font.BOLD, 15));
        theme.setRegularFont(new Font(FONT, Font.PLAIN, 14));
        theme.setSmallFont(new Font(FONT, Font.PLAIN, 12));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setLegendBackgroundPaint(Color.WHITE);
        theme.setDomainGridlinePaint(GRID);
        theme.setRangeGridlinePaint(GRID);
        theme.setPlotOutlinePaint(Color.GRAY);
        theme.apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        return chart;
    }

    /**
     * Renders the chart to PNG bytes. Forces AWT into headless mode unless the application chose
     * otherwise, so rendering works on servers without a display; this must happen before AWT
     * initialises, which is why every public chart method calls {@link #headless()} first.
     */
    static byte[] png(JFreeChart chart, int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            ChartUtils.writeChartAsPNG(out, chart, width, height);
        } catch (IOException e) {
            // A ByteArrayOutputStream does not fail; this would be an encoder bug.
            throw new UncheckedIOException("encoding chart '" + chart.getTitle().getText() + "' as PNG", e);
        }
        return out.toByteArray();
    }

    /** Sets {@code java.awt.headless=true} unless it has been set either way. */
    static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Rejects sizes that cannot be a readable chart or would exhaust memory. */
    static void checkSize(String chart, int width, int height) {
        if (width < MIN_SIDE || width > MAX_SIDE || height < MIN_SIDE || height > MAX_SIDE) {
            throw new IllegalArgumentException(chart + " chart: size " + width + "x" + height
                    + " is outside " + MIN_SIDE + ".." + MAX_SIDE + " pixels per side");
        }
    }
}
