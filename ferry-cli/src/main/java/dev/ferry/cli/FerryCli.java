package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} command line: one class per subcommand, each a {@link FerryCommand} and a thin
 * layer over the library.
 *
 * <p>Exit codes: 0 success, 1 a failure while working, 2 bad usage or bad input. Errors are one line
 * on stderr, never a stack trace (set {@code FERRY_DEBUG=1} to get one for a bug report); how a
 * failure becomes a line and a code is {@link FerryCommand}'s.
 */
@Command(
        name = "ferry",
        mixinStandardHelpOptions = true,
        versionProvider = FerryCli.Version.class,
        description = "Image-classification transfer learning with torchvision-exact ResNets.",
        subcommands = {
            DemoCommand.class, TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ServeCommand.class, ExportCommand.class, QuantizeCommand.class, LrFindCommand.class, SweepCommand.class, InspectCommand.class, ExplainCommand.class, VisualizeCommand.class, EmbedCommand.class, SimilarCommand.class, SparkCommand.class,
            SummaryCommand.class, WeightsCommand.class, BenchCommand.class, PretrainDemoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class
        })
public final class FerryCli extends FerryCommand {

    @Override
    protected int run() {
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
        cl.setExecutionExceptionHandler(FerryCommand::handleExecutionException);
        cl.setParameterExceptionHandler(FerryCommand::handleParameterException);
        return cl;
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
