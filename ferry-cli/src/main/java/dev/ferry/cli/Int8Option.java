package dev.ferry.cli;

import picocli.CommandLine.Option;

/** {@code --int8}, shared by the commands that run a model: its quantized network instead of the float one. */
final class Int8Option {

    @Option(names = "--int8", description = "Run the model's int8 network (written by ferry quantize) instead of the float one.")
    boolean int8;
}
