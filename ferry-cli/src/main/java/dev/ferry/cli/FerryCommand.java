package dev.ferry.cli;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * The base of every ferry command: each parses its options, calls the library and renders the
 * result, and this class owns what they share. Output goes through picocli's writers only:
 * {@link #out()} for results (with {@code --json}, nothing but JSON), {@link #err()} for logs,
 * progress and errors; {@link #log()} is the same stderr as a {@code PrintStream} for the library's
 * progress. Errors become one line and an exit code here, for every command: 0 success, 1 a failure
 * while working, 2 bad usage or bad input (set {@code FERRY_DEBUG=1} for the stack trace).
 */
abstract class FerryCommand implements Callable<Integer> {
    /** Exit code: success. */
    static final int OK = 0;
    /** Exit code: a failure while working. */
    static final int FAILED = 1;
    /** Exit code: bad usage or bad input. */
    static final int BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@link #err()} as a stream; made on first use, as the writer is only known once parsed. */
    private PrintStream log;

    /** Runs the command, then flushes both writers (a command may end with unflushed prints). */
    @Override
    public final Integer call() throws Exception {
        try {
            return run();
        } finally {
            out().flush();
            err().flush();
        }
    }

    /**
     * The command's work: parse, call the library, render.
     *
     * @return the exit code
     */
    protected abstract int run() throws Exception;

    /** Standard output: results only. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error: logs, progress, warnings. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** {@link #err()} for library calls that report progress on a {@code PrintStream}. */
    PrintStream log() {
        if (log == null) {
            log = new PrintStream(new WriterStream(err()), true, StandardCharsets.UTF_8);
        }
        return log;
    }

    /** Whether {@code option} was given on the command line (rather than left at its default). */
    boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** Whether stderr is a terminal, where progress is redrawn in place. */
    static boolean interactive() {
        return System.console() != null;
    }

    /** A folder option's path must not be a file; a path that does not exist yet is fine. */
    static void requireFolderPath(Path path, String flag) {
        if (path != null && Files.exists(path) && !Files.isDirectory(path)) {
            throw new InputException(flag + " is a file, not a folder: " + path);
        }
    }

    /** The exit code for a failure: 2 for bad input or usage, 1 for anything else. */
    static int exitCode(Throwable e) {
        return e instanceof InputException || e instanceof CommandLine.ParameterException ? BAD_INPUT : FAILED;
    }

    /** The one line a failure is reported as, naming settings by their flags. */
    static String errorLine(Throwable e) {
        if (e instanceof FerryException fe) {
            return "ferry: error: " + oneLine(Flags.render(fe));
        }
        if (e instanceof IOException || e instanceof CommandLine.ParameterException) {
            return "ferry: error: " + oneLine(String.valueOf(e.getMessage()));
        }
        return "ferry: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage()))
                + " (set FERRY_DEBUG=1 for the stack trace)";
    }

    /** picocli's handler of an exception thrown while a command works. */
    static int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(errorLine(e));
        if (System.getenv("FERRY_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return exitCode(e);
    }

    /** picocli's handler of a command line that does not parse. */
    static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(errorLine(e));
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return exitCode(e);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /**
     * Bytes written to a {@code Writer}: decoded as UTF-8 (a character split across writes is
     * kept until its last byte) and flushed on every write, so that progress drawn in place and
     * lines written to the writer directly keep their order.
     */
    static final class WriterStream extends OutputStream {
        private final Writer writer;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        private final ByteBuffer pending = ByteBuffer.allocate(1024);
        private final CharBuffer chars = CharBuffer.allocate(1024);

        WriterStream(Writer writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = Math.min(len, pending.remaining());
                pending.put(b, off, n);
                off += n;
                len -= n;
                pending.flip();
                decoder.decode(pending, chars, false);
                pending.compact();
                chars.flip();
                writer.write(chars.array(), chars.arrayOffset() + chars.position(), chars.remaining());
                chars.clear();
            }
            writer.flush();
        }

        @Override
        public void flush() throws IOException {
            writer.flush();
        }
    }
}
