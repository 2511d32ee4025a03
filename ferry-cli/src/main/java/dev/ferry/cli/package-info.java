/**
 * The {@code ferry} command line (picocli): each command is a {@link dev.ferry.cli.FerryCommand} that
 * parses its options into the library's typed values, calls the library and renders the result on
 * picocli's writers; the options several commands share are mixins ({@code WeightsOptions},
 * {@code ThreadsOption}, {@code JsonOption}, ...). {@code FerryCommand} maps failures to exit codes
 * and one-line errors, naming the library's settings by their flags ({@code Flags}). The top
 * layer: it may use every other package; none may use it.
 */
package dev.ferry.cli;
