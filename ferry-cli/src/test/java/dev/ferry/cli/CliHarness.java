package dev.ferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * Runs the CLI in-process and captures stdout, stderr and the exit code: both what goes through
 * picocli's writers (errors, help) and what commands print on {@code System.out} and {@code
 * System.err} (logs, progress, JSON lines), each stream's two sources concatenated.
 */
final class CliHarness {
    record Result(int code, String out, String err) {}

    private CliHarness() {}

    static synchronized Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream();
        ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            CommandLine cl = FerryCli.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String e = sysErr.toString(StandardCharsets.UTF_8) + err;
        stderr.print(e); // still visible in the test's output
        return new Result(code, sysOut.toString(StandardCharsets.UTF_8) + out, e);
    }
}
