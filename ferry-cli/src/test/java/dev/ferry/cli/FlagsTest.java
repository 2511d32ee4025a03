package dev.ferry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The library's settings, named on the command line by the flags that set them. */
class FlagsTest {

    @Test
    void everySettingIsAFlagOfSomeCommand() {
        Set<String> options = new HashSet<>();
        CommandLine cl = FerryCli.commandLine();
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().options().forEach(o -> options.addAll(java.util.List.of(o.names())));
        }
        Set<String> flags = new HashSet<>();
        for (Setting s : Setting.values()) {
            String flag = Flags.of(s);
            assertTrue(options.contains(flag), s + " is set by " + flag + ", which no command has");
            assertTrue(flags.add(flag), flag + " names two settings");
        }
    }

    @Test
    void aMessageRendersWithFlags() {
        InputException e = new InputException(Message.of(Setting.LEARNING_RATE, " must be a rate in (0, 100), got ", 0.0));
        assertEquals("lr must be a rate in (0, 100), got 0.0", e.getMessage());
        assertEquals("--lr must be a rate in (0, 100), got 0.0", Flags.render(e));
        assertEquals("ferry: error: --lr must be a rate in (0, 100), got 0.0", FerryCommand.errorLine(e));
        assertEquals(FerryCommand.BAD_INPUT, FerryCommand.exitCode(e));
    }

    @Test
    void libraryErrorsNameTheFlagsOnTheCommandLine(@TempDir Path tmp) {
        String data = tmp.resolve("images").toString();
        expect("ferry: error: --epochs must be at least 1, got 0",
                "train", "--data", data, "--epochs", "0");
        expect("ferry: error: two-stage: --head-epochs 3 leaves no epoch to fine-tune in --epochs 3; "
                        + "--epochs must be more than --head-epochs",
                "train", "--data", data, "--strategy", "two-stage", "--head-epochs", "3", "--epochs", "3");
        expect("ferry: error: --warmup-epochs must be in [0, --epochs], got 5.0",
                "train", "--data", data, "--epochs", "2", "--warmup-epochs", "5");
        expect("ferry: error: --dropout must be in [0, 1), got 1.0",
                "train", "--data", data, "--dropout", "1");
        expect("ferry: error: --cutmix needs images, but feature-extract trains its head on cached backbone features;"
                        + " pass --no-cache to run the backbone on mixed images every epoch",
                "train", "--data", data, "--strategy", "feature-extract", "--cutmix", "1");
        expect("ferry: error: --ema-horizon must be a fraction of the run's optimizer steps in (0, 1] (0: off), got 2.0",
                "train", "--data", data, "--ema-horizon", "2");
        expect("ferry: error: --mixup must be a Beta alpha in [0, 100.0] (0: off), got -1.0",
                "train", "--data", data, "--mixup", "-1");
        expect("ferry: error: --end must be a finite rate above --start (1.0E-7), got 1.0E-8",
                "lr-find", "--data", data, "--end", "1e-8");
        expect("ferry: error: --batch-size must be at least 2 (BatchNorm needs two images per step), got 1",
                "lr-find", "--data", data, "--batch-size", "1");
    }

    private static void expect(String line, String... args) {
        CliHarness.Result r = CliHarness.run(args);
        assertEquals(FerryCommand.BAD_INPUT, r.code(), r.err());
        assertEquals(line, r.err().strip());
        assertEquals("", r.out());
    }
}
