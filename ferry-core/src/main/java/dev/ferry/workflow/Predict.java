package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.data.BadImage;
import dev.ferry.model.Architecture;
import dev.ferry.model.InferenceNetwork;
import dev.ferry.train.Predictor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The top-k classes of image files, from pretrained weights or a trained model, as a library call.
 * Folders are searched recursively; an image that cannot be read is reported and the others are
 * still predicted. Results reach the sink in input order as they come, so a long folder can be
 * shown while it runs.
 */
public final class Predict {
    private Predict() {}

    /**
     * The network to predict with: exactly one of {@code weights} and {@code model}.
     *
     * @param weights pretrained weights (file or known name), or null
     * @param model a model directory written by training, or null
     * @param expected the architecture the caller expects, or null
     * @param int8 the model directory's int8 network ({@code ferry quantize}) instead of the float one
     */
    public record Network(String weights, Path model, Architecture expected, boolean int8) {
        /** The float network. */
        public Network(String weights, Path model, Architecture expected) {
            this(weights, model, expected, false);
        }

        public Network {
            if (int8 && model == null) {
                throw new InputException("int8 needs a model directory that ferry quantize has quantized, not pretrained weights");
            }
            if ((weights == null) == (model == null)) {
                throw new InputException(weights == null ? "name the network: pretrained weights or a model directory"
                        : "pretrained weights and a model directory exclude each other: give one network");
            }
        }
    }

    /**
     * What to predict.
     *
     * @param network the network
     * @param inputs image files and folders of images
     * @param topK classes per image
     * @param batchSize images per forward pass
     * @param threads decoding threads
     * @param mirror test-time augmentation: each image's probabilities averaged with its mirror
     *     image's
     */
    public record Options(Network network, List<Path> inputs, int topK, int batchSize, int threads, boolean mirror) {
        /** Without test-time augmentation. */
        public Options(Network network, List<Path> inputs, int topK, int batchSize, int threads) {
            this(network, inputs, topK, batchSize, threads, false);
        }

        public Options {
            inputs = List.copyOf(inputs);
            if (topK < 1) {
                throw new InputException("top-k must be at least 1, got " + topK);
            }
            if (batchSize < 1) {
                throw new InputException("the batch size must be at least 1, got " + batchSize);
            }
            if (threads < 1) {
                throw new InputException("the thread count must be at least 1, got " + threads);
            }
        }
    }

    /**
     * What was predicted.
     *
     * @param predictions one per readable image, in input order
     * @param failed the inputs that could not be read (missing files, empty folders, bad images)
     */
    public record Result(List<Predictor.Prediction> predictions, List<BadImage> failed) {
        /** Every input that reached the network or failed. */
        public int total() {
            return predictions.size() + failed.size();
        }
    }

    /**
     * Predicts, handing each result and failure to {@code sink} as it comes (inputs that are missing
     * or hold no image first, before any network is loaded).
     *
     * @param progress download progress, if a known weights name must be fetched
     * @throws InputException when no input can be read at all, or the network is unusable
     */
    public static Result run(Options o, Predictor.Sink sink, PrintStream progress) {
        Predictor.Inputs found = Predictor.collect(o.inputs());
        found.problems().forEach(sink::failed);
        if (found.images().isEmpty()) {
            throw new InputException("no image to predict: none of the " + o.inputs().size() + " inputs could be read");
        }
        List<Predictor.Prediction> predictions = new ArrayList<>();
        List<BadImage> failed = new ArrayList<>(found.problems());
        Network n = o.network();
        int engineThreads = InferenceNetwork.defaultThreads();
        try (Networks.Open net = n.model() != null ? Networks.openModel(n.model(), n.expected(), engineThreads, n.int8())
                     : Networks.openPretrained(n.weights(), n.expected(), engineThreads, progress);
             Predictor predictor = new Predictor(net.network(), net.labels(), net.preset(), o.batchSize(), o.threads(),
                     net.temperature(), o.mirror())) {
            predictor.predict(found.images(), o.topK(), new Predictor.Sink() {
                @Override
                public void predicted(Predictor.Prediction p) {
                    predictions.add(p);
                    sink.predicted(p);
                }

                @Override
                public void failed(BadImage bad) {
                    failed.add(bad);
                    sink.failed(bad);
                }
            });
        }
        if (predictions.isEmpty()) {
            throw new InputException("no image could be read (" + failed.size() + " failed)");
        }
        return new Result(List.copyOf(predictions), List.copyOf(failed));
    }
}
