/**
 * {@code ferry serve}: trained models behind HTTP on Jetty 12's core server.
 * {@link dev.ferry.serve.FerryServer} starts it from {@link dev.ferry.serve.ServeOptions}; each model
 * is a {@link dev.ferry.serve.ServedModel} whose {@link dev.ferry.serve.Batcher} joins the images of
 * concurrent requests into batches on the inference engine, behind a bounded queue;
 * {@link dev.ferry.serve.Routes} answers ferry's own {@code /predict/{model}}, the Open Inference
 * Protocol v2 ({@link dev.ferry.serve.OpenInference}), Prometheus {@code /metrics}
 * ({@link dev.ferry.serve.ServeMetrics}) and the page at {@code /}.
 *
 * <p>A front end: it uses the workflow, training, data, evaluation and platform layers below it,
 * and only the command line above uses it. Every failure a client can cause is an
 * {@link dev.ferry.serve.HttpError}: a status and a one-line JSON {@code {"error": ...}}, never a
 * stack trace, and the server keeps serving.
 */
package dev.ferry.serve;
