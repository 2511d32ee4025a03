package dev.ferry.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs a main class in a child JVM on this JVM's own class path, so that code which may die in
 * native code (a signal inside libtorch) can only take the child down. A crash comes back as an
 * {@link Outcome} naming the signal and the native frame from the JVM's fatal-error log.
 */
public final class ChildJvm {
    private static final Pattern SIGNAL = Pattern.compile("#\\s+(SIG[A-Z]+|EXCEPTION_[A-Z_]+)\\b");
    private static final Pattern FRAME_LINE = Pattern.compile("^#?\\s*[CjJVv]\\s+\\[?.*");

    private ChildJvm() {}

    /**
     * How a child JVM ended.
     *
     * @param exitCode the exit status (-1 when it was killed for running past its time)
     * @param timedOut whether it ran past its time
     * @param signal   the fatal signal from the JVM's error log ({@code SIGFPE}, ...), empty if none
     * @param frame    the problematic native frame from that log, empty if none
     * @param output   its standard output and error
     * @param took     wall time
     */
    public record Outcome(int exitCode, boolean timedOut, String signal, String frame, String output, Duration took) {
        /** Exited normally with status 0. */
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }

        /** One line: {@code exited 0}, {@code died of SIGFPE in [libtorch_cpu.so+0x...] dnnl::...}, ... */
        public String describe() {
            if (timedOut) {
                return "ran past its time limit (" + took.toSeconds() + " s)";
            }
            if (!signal.isEmpty()) {
                return "died of " + signal + (frame.isEmpty() ? "" : " in " + frame) + " (exit " + exitCode + ")";
            }
            if (exitCode != 0) {
                String last = lastLine(output);
                return "exited " + exitCode + (last.isEmpty() ? "" : ": " + last);
            }
            return "exited 0";
        }
    }

    /**
     * Runs {@code mainClass} with {@code args} in a new JVM (this JVM's {@code java}, class path and
     * DJL system properties), waiting at most {@code timeout}.
     *
     * @param jvmOptions extra JVM options, e.g. {@code -Xmx1g}
     * @param environment variables to set in the child (others are inherited)
     * @throws IOException if the child cannot be started
     */
    public static Outcome run(String mainClass, List<String> jvmOptions, List<String> args,
                              Map<String, String> environment, Duration timeout) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            java = Path.of(System.getProperty("java.home"), "bin", "java.exe");
        }
        Path work = Files.createTempDirectory("ferry-child-");
        try {
            Path log = work.resolve("output.txt");
            List<String> cmd = new ArrayList<>();
            cmd.add(java.toString());
            cmd.add("-XX:ErrorFile=" + work.resolve("hs_err_%p.log"));
            cmd.add("-XX:-CreateCoredumpOnCrash");
            cmd.add("-XX:+UseSerialGC");
            for (String p : List.of("ai.djl.offline", "ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
                String v = System.getProperty(p);
                if (v != null) {
                    cmd.add("-D" + p + "=" + v);
                }
            }
            cmd.addAll(jvmOptions);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(mainClass);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
            pb.environment().putAll(environment);
            long start = System.nanoTime();
            Process p = pb.start();
            boolean finished;
            try {
                finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + mainClass, e);
            }
            if (!finished) {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            String output = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            String errorLog = readErrorLog(work);
            String[] crash = crash(errorLog.isEmpty() ? output : errorLog);
            return new Outcome(finished ? p.exitValue() : -1, !finished, crash[0], crash[1], output, took);
        } finally {
            deleteTree(work);
        }
    }

    /** The signal and problematic frame of a JVM fatal-error report ({@code hs_err}), or empty strings. */
    static String[] crash(String report) {
        String signal = "";
        String frame = "";
        String[] lines = report.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (signal.isEmpty()) {
                Matcher m = SIGNAL.matcher(line);
                if (m.find() && line.contains(" at pc=")) {
                    signal = m.group(1);
                }
            }
            if (frame.isEmpty() && line.startsWith("# Problematic frame:") && i + 1 < lines.length
                    && FRAME_LINE.matcher(lines[i + 1]).matches()) {
                frame = lines[i + 1].replaceFirst("^#\\s*", "").replaceFirst("^[CjJVv]\\s+", "").trim()
                        .replaceAll("\\s+", " ");
            }
        }
        return new String[] {signal, frame};
    }

    private static String readErrorLog(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            Optional<Path> hs = s.filter(p -> p.getFileName().toString().startsWith("hs_err_")).findFirst();
            return hs.isPresent() ? Files.readString(hs.get(), StandardCharsets.ISO_8859_1) : "";
        }
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1].strip();
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
