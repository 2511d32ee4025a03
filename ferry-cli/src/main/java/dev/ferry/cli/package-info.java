/**
 * The {@code ferry} command line (picocli): each command parses its options into the library's
 * typed values, calls the library and renders the result; exit codes and one-line errors are
 * mapped here. The top layer: it may use every other package; none may use it.
 */
package dev.ferry.cli;
