/**
 * Transfer learning and the model directory: strategies and their phases, the trainer and its
 * optimizer and schedules, the feature cache, learning-rate finder, inference over a sample
 * source, prediction, pretrained-weights resolution, {@link dev.ferry.train.ModelDirectory} and
 * {@link dev.ferry.train.TrainingRun}, the whole run as a library call with typed options and
 * results.
 *
 * <p>Uses {@code data}, {@code model}, {@code weights}, {@code eval} (metric values and the report
 * writer), {@code platform}, DJL and Gson; never a front end.
 */
package dev.ferry.train;
