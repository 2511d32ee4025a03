package dev.ferry.eval;

import dev.ferry.eval.EpochRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, drawn with JFreeChart and returned as PNG bytes.
 *
 * <p>Every method renders headless (it sets {@code java.awt.headless=true} unless the property was
 * already set) and accepts sizes of 100 to 10,000 pixels per side; the overloads without a size
 * use {@link #DEFAULT_WIDTH} x {@link #DEFAULT_HEIGHT} unless documented otherwise. Non-finite data points (NaN from a run
 * without validation, a diverged loss) are left out rather than drawn as spikes.
 */
public final class Charts {
    /** Default chart width in pixels. */
    public static final int DEFAULT_WIDTH = 800;
    /** Default chart height in pixels. */
    public static final int DEFAULT_HEIGHT = 500;
    /** Default height of the two-panel learning-curve chart, so each panel keeps a readable height. */
    public static final int LEARNING_CURVES_HEIGHT = 700;

    /** Cells smaller than this many pixels get no count written in them: the digits would overlap. */
    private static final double MIN_ANNOTATED_CELL = 16;
    /** Class names longer than this are shortened on the confusion-matrix axes. */
    private static final int MAX_AXIS_NAME = 24;
    /** Line charts with more points than this draw lines only; markers would merge into a smear. */
    private static final int MAX_MARKED_POINTS = 60;

    private Charts() {}

    // ---------------------------------------------------------------- learning curves

    /**
     * Learning curves at {@link #DEFAULT_WIDTH} x {@link #LEARNING_CURVES_HEIGHT}.
     *
     * @param epochs the epochs; at least one
     * @return the PNG bytes
     * @see #learningCurves(List, int, int)
     */
    public static byte[] learningCurves(List<EpochRecord> epochs) {
        return learningCurves(epochs, DEFAULT_WIDTH, LEARNING_CURVES_HEIGHT);
    }

    /**
     * Learning curves: one chart with two panels sharing the epoch axis, train and validation loss
     * on top, train and validation accuracy below. Validation series are omitted when every
     * validation value is NaN (training without a validation set).
     *
     * @param epochs the epochs, in any order; at least one
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     * @return the PNG bytes
     */
    public static byte[] learningCurves(List<EpochRecord> epochs, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(epochs, "epochs");
        ChartStyle.checkSize("learning curves", width, height);
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("learning curves chart: no epochs");
        }
        XYSeries trainLoss = new XYSeries("train loss");
        XYSeries valLoss = new XYSeries("validation loss");
        XYSeries trainAcc = new XYSeries("train accuracy");
        XYSeries valAcc = new XYSeries("validation accuracy");
        for (EpochRecord e : epochs) {
            addFinite(trainLoss, e.epoch(), e.trainLoss());
            addFinite(valLoss, e.epoch(), e.valLoss());
            addFinite(trainAcc, e.epoch(), e.trainAccuracy());
            addFinite(valAcc, e.epoch(), e.valAccuracy());
        }
        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        epochAxis.setAutoRangeIncludesZero(false);

        NumberAxis lossAxis = new NumberAxis("loss");
        lossAxis.setAutoRangeIncludesZero(false);
        XYPlot lossPlot = new XYPlot(collection(trainLoss, valLoss), null, lossAxis, lineRenderer(epochs.size()));

        NumberAxis accAxis = new NumberAxis("accuracy");
        accAxis.setAutoRangeIncludesZero(false);
        accAxis.setNumberFormatOverride(percentFormat());
        XYPlot accPlot = new XYPlot(collection(trainAcc, valAcc), null, accAxis, lineRenderer(epochs.size()));

        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis);
        plot.setGap(14);
        plot.add(lossPlot, 1);
        plot.add(accPlot, 1);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Learning curves", plot));
        // Train and validation keep their colours in both panels; accuracy is dashed so the four
        // legend entries stay distinguishable.
        styleTrainVal(lossPlot, false);
        styleTrainVal(accPlot, true);
        legendAtBottom(chart);
        return ChartStyle.png(chart, width, height);
    }

    private static void styleTrainVal(XYPlot plot, boolean dashed) {
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
        BasicStroke stroke = dashed
                ? new BasicStroke(2.0f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 5f}, 0f)
                : ChartStyle.LINE;
        XYSeriesCollection data = (XYSeriesCollection) plot.getDataset();
        for (int s = 0; s < data.getSeriesCount(); s++) {
            boolean train = data.getSeriesKey(s).toString().startsWith("train");
            r.setSeriesPaint(s, ChartStyle.color(train ? 0 : 1));
            r.setSeriesStroke(s, stroke);
        }
    }

    // ---------------------------------------------------------------- learning-rate schedule

    /**
     * The learning-rate schedule at the default size.
     *
     * @param rates the learning rate at each step; at least one
     * @return the PNG bytes
     * @see #learningRateSchedule(double[], int, int)
     */
    public static byte[] learningRateSchedule(double[] rates) {
        return learningRateSchedule(rates, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * The learning-rate schedule: the rate of every optimizer step, x = step index from 0.
     *
     * @param rates the learning rate at each step; at least one
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     * @return the PNG bytes
     */
    public static byte[] learningRateSchedule(double[] rates, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(rates, "rates");
        ChartStyle.checkSize("learning-rate schedule", width, height);
        if (rates.length == 0) {
            throw new IllegalArgumentException("learning-rate schedule chart: no steps");
        }
        // Unsorted, duplicates allowed: makes add() constant time for schedules with 100k steps.
        XYSeries series = new XYSeries("learning rate", false, true);
        double max = 0;
        for (int i = 0; i < rates.length; i++) {
            if (Double.isFinite(rates[i])) {
                series.add(i, rates[i], false);
                max = Math.max(max, Math.abs(rates[i]));
            }
        }
        NumberAxis stepAxis = new NumberAxis("step");
        stepAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        stepAxis.setAutoRangeIncludesZero(false);
        NumberAxis rateAxis = new NumberAxis("learning rate");
        if (max > 0 && max < 1e-2) {
            // Plain decimals would print 0.00005-style labels that are hard to read.
            rateAxis.setNumberFormatOverride(new DecimalFormat("0.0#E0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        }
        XYLineAndShapeRenderer renderer = lineRenderer(rates.length);
        renderer.setDrawSeriesLineAsPath(true);
        XYPlot plot = new XYPlot(new XYSeriesCollection(series), stepAxis, rateAxis, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Learning-rate schedule", plot));
        chart.removeLegend();
        renderer.setSeriesPaint(0, ChartStyle.color(0));
        renderer.setSeriesStroke(0, ChartStyle.LINE);
        return ChartStyle.png(chart, width, height);
    }

    // ---------------------------------------------------------------- reliability

    /**
     * The reliability diagram: per confidence bin, the fraction of predictions that were right
     * against the bin's mean confidence, before and after temperature scaling; the diagonal is
     * perfect calibration. Empty bins are left out.
     *
     * @param before the reliability of the network's own probabilities
     * @param after the reliability after temperature scaling
     * @param temperature the fitted temperature, for the legend
     * @return the PNG bytes
     */
    public static byte[] reliability(Calibration.Reliability before, Calibration.Reliability after, double temperature) {
        ChartStyle.headless();
        XYSeries ideal = new XYSeries("perfect calibration", false, true);
        ideal.add(0, 0);
        ideal.add(1, 1);
        XYSeries a = new XYSeries("network (ECE " + String.format(Locale.ROOT, "%.3f", before.ece()) + ")", false, true);
        XYSeries b = new XYSeries(String.format(Locale.ROOT, "temperature %.2f (ECE %.3f)", temperature, after.ece()),
                false, true);
        for (int i = 0; i < before.counts().length; i++) {
            if (before.counts()[i] > 0) {
                a.add(before.confidence()[i], before.accuracy()[i]);
            }
            if (after.counts()[i] > 0) {
                b.add(after.confidence()[i], after.accuracy()[i]);
            }
        }
        NumberAxis x = new NumberAxis("confidence (mean top probability in the bin)");
        x.setRange(0, 1);
        NumberAxis y = new NumberAxis("accuracy in the bin");
        y.setRange(0, 1);
        XYLineAndShapeRenderer renderer = lineRenderer(before.counts().length);
        XYPlot plot = new XYPlot(collection(ideal, a, b), x, y, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Reliability (validation)", plot));
        for (int i = 0; i < 3; i++) {
            renderer.setSeriesPaint(i, i == 0 ? java.awt.Color.GRAY : ChartStyle.color(i - 1));
            renderer.setSeriesStroke(i, ChartStyle.LINE);
        }
        legendAtBottom(chart);
        return ChartStyle.png(chart, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    // ---------------------------------------------------------------- confusion matrix

    /**
     * The confusion-matrix heat map, square, with a side that grows with the number of classes
     * (600 to 1600 pixels high, 100 more wide for the colour legend).
     *
     * @param metrics the metrics whose matrix and class names to draw
     * @return the PNG bytes
     * @see #confusionMatrix(ClassificationMetrics, int, int)
     */
    public static byte[] confusionMatrix(ClassificationMetrics metrics) {
        int side = Math.max(600, Math.min(1600, 250 + 60 * metrics.numClasses()));
        return confusionMatrix(metrics, side + 100, side);
    }

    /**
     * The confusion matrix as a heat map: predicted class on the x-axis, true class on the
     * y-axis (first class at the top, like the printed matrix), each cell coloured by its share
     * of the row, so a small class's mistakes are as visible as a large one's, and the count
     * written in the cell. Counts are left out when a cell would be under 16 pixels; class names
     * over 24 characters are shortened with an ellipsis.
     *
     * @param metrics the metrics whose matrix and class names to draw
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     * @return the PNG bytes
     */
    public static byte[] confusionMatrix(ClassificationMetrics metrics, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(metrics, "metrics");
        ChartStyle.checkSize("confusion matrix", width, height);
        ConfusionMatrix cm = metrics.confusionMatrix();
        int n = cm.size();
        String[] names = metrics.classNames().stream().map(Charts::axisName).toArray(String[]::new);

        double[] xs = new double[n * n];
        double[] ys = new double[n * n];
        double[] zs = new double[n * n];
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                int i = t * n + p;
                xs[i] = p;
                ys[i] = t;
                zs[i] = cm.rowFraction(t, p);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("row share", new double[][] {xs, ys, zs});

        SymbolAxis predictedAxis = symbolAxis("predicted class", names);
        int longest = 0;
        for (String name : names) {
            longest = Math.max(longest, name.length());
        }
        // Horizontal labels overlap once the names are wider than their cells (about 8 px a char).
        predictedAxis.setVerticalTickLabels(longest * 8.0 > (width - 250.0) / n);
        SymbolAxis trueAxis = symbolAxis("true class", names);
        trueAxis.setInverted(true);

        BlueScale scale = new BlueScale();
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        renderer.setBlockAnchor(RectangleAnchor.CENTER);
        XYPlot plot = new XYPlot(data, predictedAxis, trueAxis, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Confusion matrix", plot));
        chart.removeLegend();
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);

        NumberAxis legendAxis = new NumberAxis("share of true class");
        legendAxis.setRange(0.0, 1.0);
        legendAxis.setTickUnit(new NumberTickUnit(0.1, percentFormat()));
        legendAxis.setLabelFont(new Font(ChartStyle.FONT, Font.PLAIN, 13));
        legendAxis.setTickLabelFont(new Font(ChartStyle.FONT, Font.PLAIN, 12));
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(new RectangleInsets(10, 10, 10, 10));
        legend.setStripWidth(14);
        legend.setAxisOffset(4);
        legend.setBackgroundPaint(Color.WHITE);
        legend.setFrame(BlockBorder.NONE);
        chart.addSubtitle(legend);

        double cell = Math.min(width - 250.0, height - 150.0) / n;
        if (cell >= MIN_ANNOTATED_CELL) {
            Font font = new Font(ChartStyle.FONT, Font.BOLD, (int) Math.max(9, Math.min(18, cell * 0.3)));
            for (int t = 0; t < n; t++) {
                for (int p = 0; p < n; p++) {
                    XYTextAnnotation a = new XYTextAnnotation(Integer.toString(cm.count(t, p)), p, t);
                    a.setFont(font);
                    a.setTextAnchor(TextAnchor.CENTER);
                    a.setPaint(BlueScale.darkBackground(cm.rowFraction(t, p)) ? Color.WHITE : Color.BLACK);
                    plot.addAnnotation(a, false);
                }
            }
        }
        return ChartStyle.png(chart, width, height);
    }

    private static SymbolAxis symbolAxis(String label, String[] names) {
        SymbolAxis axis = new SymbolAxis(label, names);
        axis.setGridBandsVisible(false);
        axis.setRange(-0.5, names.length - 0.5);
        return axis;
    }

    private static String axisName(String name) {
        String line = Fmt.oneLine(name);
        return line.length() <= MAX_AXIS_NAME ? line : line.substring(0, MAX_AXIS_NAME - 1) + "\u2026";
    }

    // ---------------------------------------------------------------- accuracy vs shots

    /**
     * Test accuracy against labelled images per class at the default size.
     *
     * @param results the measurements; at least one
     * @return the PNG bytes
     * @see #accuracyVsShots(List, int, int)
     */
    public static byte[] accuracyVsShots(List<ShotResult> results) {
        return accuracyVsShots(results, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * Test accuracy (y, 0 to 100%) against labelled images per class (x), one line per strategy,
     * series in order of first appearance and points sorted by shots.
     *
     * @param results the measurements; at least one
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     * @return the PNG bytes
     */
    public static byte[] accuracyVsShots(List<ShotResult> results, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(results, "results");
        ChartStyle.checkSize("accuracy vs shots", width, height);
        if (results.isEmpty()) {
            throw new IllegalArgumentException("accuracy vs shots chart: no results");
        }
        Map<String, XYSeries> byStrategy = new LinkedHashMap<>();
        for (ShotResult r : results) {
            XYSeries s = byStrategy.computeIfAbsent(r.strategy(), k -> new XYSeries(k, true, true));
            addFinite(s, r.shots(), r.accuracy());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        byStrategy.values().forEach(data::addSeries);

        NumberAxis shotsAxis = new NumberAxis("labelled images per class");
        shotsAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis accAxis = new NumberAxis("test accuracy");
        // A fixed 0..100% scale keeps the gaps between strategies honest.
        accAxis.setRange(0.0, 1.0);
        accAxis.setNumberFormatOverride(percentFormat());
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(data, shotsAxis, accAxis, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Test accuracy vs labelled images per class", plot));
        for (int s = 0; s < data.getSeriesCount(); s++) {
            renderer.setSeriesPaint(s, ChartStyle.color(s));
            renderer.setSeriesStroke(s, ChartStyle.LINE);
        }
        legendAtBottom(chart);
        return ChartStyle.png(chart, width, height);
    }

    // ---------------------------------------------------------------- backbone sweep

    /**
     * A sweep's probe accuracy (y, mean with its 95% interval as a bar) against multiply-accumulates
     * per image (x, log scale), one point per candidate labelled with its name; random baselines
     * in a second colour.
     *
     * @param scores the candidates; at least one
     * @return the PNG bytes
     */
    public static byte[] backboneSweep(List<BackboneScore> scores) {
        return backboneSweep(scores, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * As {@link #backboneSweep(List)} at a given size.
     *
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     */
    public static byte[] backboneSweep(List<BackboneScore> scores, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(scores, "scores");
        ChartStyle.checkSize("backbone sweep", width, height);
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("backbone sweep chart: no candidates");
        }
        org.jfree.data.xy.YIntervalSeries pretrained = new org.jfree.data.xy.YIntervalSeries("pretrained", false, true);
        org.jfree.data.xy.YIntervalSeries random = new org.jfree.data.xy.YIntervalSeries("random baseline", false, true);
        double minX = Double.POSITIVE_INFINITY;
        double maxX = 0;
        for (BackboneScore b : scores) {
            if (!(b.gmacs() > 0) || !Double.isFinite(b.mean())) {
                continue;
            }
            (b.baseline() ? random : pretrained).add(b.gmacs(), b.mean(), Math.max(0, b.low()), Math.min(1, b.high()));
            minX = Math.min(minX, b.gmacs());
            maxX = Math.max(maxX, b.gmacs());
        }
        org.jfree.data.xy.YIntervalSeriesCollection data = new org.jfree.data.xy.YIntervalSeriesCollection();
        data.addSeries(pretrained);
        data.addSeries(random);
        LogAxis macsAxis = new LogAxis("multiply-accumulates per image (billions, log scale)");
        macsAxis.setNumberFormatOverride(new DecimalFormat("0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        if (maxX > 0) {
            macsAxis.setRange(minX / 2, maxX * 2);
        }
        NumberAxis accAxis = new NumberAxis("probe accuracy (mean of the folds, 95% interval)");
        accAxis.setRange(0.0, 1.0);
        accAxis.setNumberFormatOverride(percentFormat());
        org.jfree.chart.renderer.xy.XYErrorRenderer renderer = new org.jfree.chart.renderer.xy.XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDefaultLinesVisible(false);
        renderer.setDefaultShapesVisible(true);
        renderer.setErrorStroke(ChartStyle.LINE);
        XYPlot plot = new XYPlot(data, macsAxis, accAxis, renderer);
        for (int s = 0; s < 2; s++) {
            renderer.setSeriesPaint(s, ChartStyle.color(s));
        }
        for (BackboneScore b : scores) {
            if (b.gmacs() > 0 && Double.isFinite(b.mean())) {
                XYTextAnnotation label = new XYTextAnnotation("  " + b.name(), b.gmacs(), b.mean());
                label.setTextAnchor(TextAnchor.CENTER_LEFT);
                label.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                plot.addAnnotation(label);
            }
        }
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Linear-probe accuracy vs cost", plot));
        legendAtBottom(chart);
        return ChartStyle.png(chart, width, height);
    }

    // ---------------------------------------------------------------- learning-rate finder

    /**
     * The learning-rate finder's curve at the default size.
     *
     * @param rates the learning rates tried, all positive; at least two
     * @param losses the loss at each rate
     * @param suggested the suggested rate; NaN for none
     * @return the PNG bytes
     * @see #lrFinder(double[], double[], double, int, int)
     */
    public static byte[] lrFinder(double[] rates, double[] losses, double suggested) {
        return lrFinder(rates, losses, suggested, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    /**
     * The learning-rate finder's curve: loss against learning rate on a log axis, with a dashed
     * vertical line at the suggested rate. The loss axis stops at the larger of the first loss and
     * 4x the lowest loss, because the final exploding losses would otherwise flatten the part of
     * the curve that matters.
     *
     * @param rates the learning rates tried, all positive; at least two
     * @param losses the (usually smoothed) loss at each rate
     * @param suggested the suggested rate; NaN for none
     * @param width PNG width in pixels
     * @param height PNG height in pixels
     * @return the PNG bytes
     */
    public static byte[] lrFinder(double[] rates, double[] losses, double suggested, int width, int height) {
        ChartStyle.headless();
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(losses, "losses");
        ChartStyle.checkSize("learning-rate finder", width, height);
        if (rates.length != losses.length) {
            throw new IllegalArgumentException("learning-rate finder chart: " + rates.length + " rates but "
                    + losses.length + " losses");
        }
        if (rates.length < 2) {
            throw new IllegalArgumentException("learning-rate finder chart: needs at least 2 points, got " + rates.length);
        }
        XYSeries series = new XYSeries("loss", false, true);
        double first = Double.NaN;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < rates.length; i++) {
            if (!(rates[i] > 0) || Double.isInfinite(rates[i])) {
                throw new IllegalArgumentException(
                        "learning-rate finder chart: rate " + rates[i] + " at " + i + " is not a positive number");
            }
            if (Double.isFinite(losses[i])) {
                series.add(rates[i], losses[i], false);
                if (Double.isNaN(first)) {
                    first = losses[i];
                }
                min = Math.min(min, losses[i]);
                max = Math.max(max, losses[i]);
            }
        }
        LogAxis rateAxis = new LogAxis("learning rate (log scale)");
        rateAxis.setBase(10);
        rateAxis.setNumberFormatOverride(new DecimalFormat("0.#E0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        NumberAxis lossAxis = new NumberAxis("loss");
        lossAxis.setAutoRangeIncludesZero(false);
        if (series.getItemCount() > 0 && min > 0) {
            double top = Math.min(max, Math.max(first, 4 * min));
            double margin = Math.max((top - min) * 0.05, 1e-9);
            lossAxis.setRange(min - margin, top + margin);
        }
        XYLineAndShapeRenderer renderer = lineRenderer(rates.length);
        XYPlot plot = new XYPlot(new XYSeriesCollection(series), rateAxis, lossAxis, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Learning-rate finder", plot));
        chart.removeLegend();
        renderer.setSeriesPaint(0, ChartStyle.color(0));
        renderer.setSeriesStroke(0, ChartStyle.LINE);
        if (suggested > 0 && Double.isFinite(suggested)) {
            ValueMarker marker = new ValueMarker(suggested, ChartStyle.color(3),
                    new BasicStroke(2.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
            marker.setLabel("suggested " + Fmt.scientific(suggested));
            marker.setLabelFont(new Font(ChartStyle.FONT, Font.BOLD, 14));
            marker.setLabelPaint(ChartStyle.color(3));
            // Translucent white keeps the label readable where it crosses the curve.
            marker.setLabelBackgroundColor(new Color(255, 255, 255, 210));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            marker.setLabelOffset(new RectangleInsets(8, 6, 8, 6));
            plot.addDomainMarker(0, marker, Layer.FOREGROUND, false);
        }
        return ChartStyle.png(chart, width, height);
    }

    // ---------------------------------------------------------------- shared

    private static void addFinite(XYSeries series, double x, double y) {
        if (Double.isFinite(y)) {
            series.add(x, y, false);
        }
    }

    /** A collection of the series that have points, so an all-NaN series leaves no legend entry. */
    private static XYSeriesCollection collection(XYSeries... series) {
        XYSeriesCollection c = new XYSeriesCollection();
        for (XYSeries s : series) {
            if (s.getItemCount() > 0) {
                c.addSeries(s);
            }
        }
        return c;
    }

    private static XYLineAndShapeRenderer lineRenderer(int points) {
        return new XYLineAndShapeRenderer(true, points <= MAX_MARKED_POINTS);
    }

    private static NumberFormat percentFormat() {
        NumberFormat f = NumberFormat.getPercentInstance(Locale.ROOT);
        f.setMaximumFractionDigits(1);
        return f;
    }

    // ---------------------------------------------------------------- embedding map

    /**
     * A dataset's images on a 2-D map (e.g. the first two principal components of their features),
     * one colour per class, at the default size.
     *
     * @param coordinates n x 2, row-major
     * @param labels each image's class, indexing {@code classes}
     * @param axes the two axes' titles
     */
    public static byte[] embeddingMap(double[] coordinates, int[] labels, List<String> classes, String[] axes) {
        ChartStyle.headless();
        Objects.requireNonNull(classes, "classes");
        if (coordinates.length != 2 * labels.length) {
            throw new IllegalArgumentException("embedding map: " + coordinates.length + " coordinates for " + labels.length + " images");
        }
        if (axes.length != 2) {
            throw new IllegalArgumentException("embedding map: two axis titles, got " + axes.length);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        List<XYSeries> series = new java.util.ArrayList<>();
        for (String c : classes) {
            XYSeries xy = new XYSeries(c, false, true);
            series.add(xy);
            data.addSeries(xy);
        }
        for (int i = 0; i < labels.length; i++) {
            series.get(labels[i]).add(coordinates[2 * i], coordinates[2 * i + 1], false);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        for (int c = 0; c < classes.size(); c++) {
            renderer.setSeriesPaint(c, ChartStyle.color(c));
            renderer.setSeriesShape(c, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        NumberAxis x = new NumberAxis(axes[0]);
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(axes[1]);
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = ChartStyle.apply(new JFreeChart("Images by their features", plot));
        legendAtBottom(chart);
        return ChartStyle.png(chart, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    private static void legendAtBottom(JFreeChart chart) {
        if (chart.getLegend() != null) {
            chart.getLegend().setPosition(RectangleEdge.BOTTOM);
            chart.getLegend().setFrame(BlockBorder.NONE);
        }
    }
}
