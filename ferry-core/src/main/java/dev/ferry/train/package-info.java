/**
 * Transfer learning and the model directory: strategies and their phases, the trainer and its
 * optimizer and schedules, the feature cache, the linear probe on fixed features ({@link dev.ferry.train.LinearProbe}), the learning-rate finder, inference over a sample
 * source, prediction, Grad-CAM on autograd ({@link dev.ferry.train.GradCam}) and the intermediate
 * activations ({@link dev.ferry.train.FeatureMaps}), pretrained-weights resolution, {@link dev.ferry.train.ModelDirectory} and
 * the run record a checkpoint keeps ({@link dev.ferry.train.RunRecord}). The whole run as one
 * library call is {@code dev.ferry.workflow.TrainingRun}.
 *
 * <p>Uses {@code data}, {@code model}, {@code weights}, {@code eval} (metric values),
 * {@code platform}, DJL and Gson; never {@code workflow} or a front end.
 */
package dev.ferry.train;
