package dev.ferry.cli;

import dev.ferry.data.BadImagesException;
import dev.ferry.workflow.EmbeddingReports;
import dev.ferry.workflow.Similar;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry similar}: the embedded images most like each query image ({@link Similar}).
 *
 * <p>Exit codes: 0 searched; 2 bad usage, an unreadable or inconsistent index, a network the
 * index records that cannot be found, or a bad query image; 1 a failure while working.
 */
@Command(
        name = "similar",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Find the images of an embedding (ferry embed) most similar to each query image.",
            "Each query goes through the network the index records; every row is compared by cosine similarity"
                    + " (exact search). Prints rank, cosine, path and label per neighbour."
        })
public final class SimilarCommand extends FerryCommand {
    @Option(names = "--index", required = true, paramLabel = "FILE.npy", description = "The matrix ferry embed wrote (its index beside it).")
    Path index;

    @Option(names = "--top-k", defaultValue = "5", description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
    int topK;

    @CommandLine.Mixin
    ForwardBatchOption batch = new ForwardBatchOption();

    @CommandLine.Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--json", description = "Print one JSON object on stdout: {\"matrix\", \"rows\", \"dim\", \"network\", \"searchMillis\","
            + " \"queries\": [{\"image\", \"matches\": [{\"rank\", \"row\", \"cosine\", \"path\", \"label\"}]}]}.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Query image files.")
    List<Path> images;

    @Override
    protected int run() {
        if (topK < 1) {
            throw new dev.ferry.InputException("--top-k must be at least 1, got " + topK);
        }
        Similar.Result r;
        try {
            r = Similar.run(new Similar.Options(index, images, topK, batch.resolve(), threads.resolve()), log());
        } catch (BadImagesException e) {
            e.badImages().forEach(b -> err().println("ferry: bad image: " + b));
            throw e;
        }
        if (json) {
            out().println(EmbeddingReports.json(r));
        } else {
            out().print(EmbeddingReports.text(r));
        }
        return OK;
    }
}
