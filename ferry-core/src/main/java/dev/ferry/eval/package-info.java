/**
 * Evaluation of a trained classifier and everything that presents it: metric values
 * ({@link dev.ferry.eval.ClassificationMetrics}), their text, JSON and HTML renderings
 * ({@link dev.ferry.eval.MetricsText}, {@link dev.ferry.eval.MetricsJson},
 * {@link dev.ferry.eval.MetricsHtml}), calibration by temperature scaling with its reliability
 * ({@link dev.ferry.eval.Calibration}), likely label errors from out-of-sample scores ({@link dev.ferry.eval.LabelIssues}), a backbone sweep's scores and their renderings ({@link dev.ferry.eval.BackboneScore},
 * {@link dev.ferry.eval.SweepReport}), PNG charts ({@link dev.ferry.eval.Charts}), Grad-CAM overlays
 * ({@link dev.ferry.eval.Heatmap}), filter and feature-map grids ({@link dev.ferry.eval.Grids}) and the
 * self-contained HTML report ({@link dev.ferry.eval.Report}, {@link dev.ferry.eval.ReportWriter}).
 *
 * <p>The package is plain Java on purpose: inputs are {@code int[]} labels and {@code float[][]}
 * softmax rows, so it can be tested on hand-made numbers without an engine. Contract violations
 * by the calling code (mismatched lengths, labels out of range) throw
 * {@link java.lang.IllegalArgumentException}; failures to write files throw
 * {@link dev.ferry.FerryException} naming the path.
 */
package dev.ferry.eval;
