package dev.ferry.cli;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} command line: one class per subcommand, each a thin layer over the library.
 *
 * <p>Exit codes: 0 success, 1 a failure while working, 2 bad usage or bad input. Errors are one line
 * on stderr, never a stack trace (set {@code FERRY_DEBUG=1} to get one for a bug report).
 */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryCli.Version.class,
        description = "Image-classification transfer learning with torchvision-exact ResNets.",
        subcommands = {
            DemoCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class, LrFindCommand.class,
            SummaryCommand.class, BenchCommand.class, PretrainDemoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class
        })
public final class FerryCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs ferry with the given arguments and returns the exit code (for tests and embedding). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line: error handlers and converters installed. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FerryCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(FerryCli::handleExecutionException);
        cl.setParameterExceptionHandler(FerryCli::handleParameterException);
        return cl;
    }

    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("ferry: error: " + oneLine(e.getMessage()));
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        err.flush();
        return 2;
    }

    private static int handleExecutionException(
            Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        int code;
        if (e instanceof FerryException fe) {
            err.println("ferry: error: " + oneLine(fe.getMessage()));
            // Bad usage or input is 2, a failure while working 1.
            code = fe instanceof InputException ? 2 : 1;
        } else if (e instanceof IOException io) {
            err.println("ferry: error: " + oneLine(String.valueOf(io.getMessage())));
            code = 1;
        } else {
            err.println("ferry: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(String.valueOf(e.getMessage()))
                    + " (set FERRY_DEBUG=1 for the stack trace)");
            code = 1;
        }
        if (System.getenv("FERRY_DEBUG") != null) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    /** The version from the build, e.g. {@code ferry 0.1.0}. */
    public static String version() {
        return dev.ferry.platform.BuildInfo.current().ferry();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ferry " + version()};
        }
    }
}
