/**
 * The workflows as library calls with typed options and results: a ready network from what a
 * user names ({@link dev.ferry.workflow.Networks#fromPretrained}, {@link dev.ferry.workflow.Networks#fromModel}),
 * {@link dev.ferry.workflow.TrainingRun}, {@link dev.ferry.workflow.Evaluate} and
 * {@link dev.ferry.workflow.Predict}, with the reports they write and the lock a training run
 * holds on its model directory. What a run may decide before it trains is here too: its rate from
 * the learning-rate finder ({@link dev.ferry.workflow.LearningRate}), its strategy from a trial of
 * two ({@link dev.ferry.workflow.AutoStrategy}), and a cross-validated estimate of its recipe
 * ({@link dev.ferry.workflow.CrossValidation}); before any of that, which backbone to start from
 * ({@link dev.ferry.workflow.Sweep}) and what a dataset holds and gets wrong ({@link dev.ferry.workflow.Inspect}); after it,
 * what a model looks at ({@link dev.ferry.workflow.Explain}, Grad-CAM) and inside it ({@link dev.ferry.workflow.Visualize},
 * filters and feature maps). Backbone features of a folder as a matrix on disk ({@link dev.ferry.workflow.Embed}) and exact
 * cosine search over it ({@link dev.ferry.workflow.Similar}). Front ends (the command line, a server, a Spark job) parse,
 * call one of these and render the result.
 *
 * <p>The top of the library: it may use every other library package; only front ends use it.
 */
package dev.ferry.workflow;
