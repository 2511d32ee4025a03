package dev.ferry.cli;

import dev.ferry.InputException;
import dev.ferry.data.BadImagesException;
import dev.ferry.workflow.Embed;
import dev.ferry.workflow.EmbeddingReports;
import dev.ferry.workflow.Predict;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry embed}: every image's backbone features into an {@code N x D} float32 {@code .npy}
 * and its {@code .index.json} ({@link Embed}).
 *
 * <p>Exit codes: 0 written; 2 bad usage, an unusable network or folder, or a bad image without
 * {@code --skip-bad} (then nothing is written); 1 a failure while working.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write the backbone's pooled feature vector of every image to an N x D float32 .npy file.",
            "--data is a flat folder of images or one sub-folder per class (the label). Beside FILE.npy goes"
                    + " FILE.index.json: per row the image path (relative to --data) and label, and the network that"
                    + " produced the rows. Rows are raw features (not normalised); ferry similar searches them."
        })
public final class EmbedCommand extends FerryCommand {
    @Option(names = "--weights", paramLabel = "SPEC",
            description = "Pretrained weights: a .pth/.safetensors file, a ferry model folder, or a name such as resnet50.IMAGENET1K_V2.")
    String weights;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Images: a flat folder of images, or one sub-folder per class.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "The matrix to write; the index goes beside it.")
    Path out;

    @CommandLine.Mixin
    ForwardBatchOption batch = new ForwardBatchOption();

    @Option(names = "--skip-bad", description = "Leave out unreadable images instead of stopping.")
    boolean skipBad;

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        if ((weights == null) == (model == null)) {
            throw new InputException(weights == null ? "give the network: --weights SPEC or --model DIR"
                    : "--weights and --model are exclusive: give one network");
        }
        Embed.Result r;
        try {
            r = Embed.run(new Embed.Options(new Predict.Network(weights, model, null), data, out, batch.resolve(), threads.resolve(),
                    skipBad), log());
        } catch (BadImagesException e) {
            e.badImages().forEach(b -> err().println("ferry: bad image: " + b));
            throw e;
        }
        r.skipped().forEach(b -> err().println("ferry: warning: skipped bad image " + b));
        if (json.on()) {
            out().println(EmbeddingReports.json(r));
        } else {
            out().print(EmbeddingReports.text(r));
        }
        return OK;
    }
}
