package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Files that would run code under a plain {@code torch.load} are refused with a one-line message. */
class MaliciousFilesTest {

    @ParameterizedTest
    @CsvSource({
        "malicious_os_system.pth, posix.system, /tmp/ferry-pwned-os-system",
        "malicious_eval_legacy.pth, builtins.eval, /tmp/ferry-pwned-eval",
        "malicious_stack_global.pth, posix.system, /tmp/ferry-pwned-stack-global",
        "malicious_unknown_global.pth, ferry_fixture_plugins.Gadget, /tmp/ferry-pwned-none",
    })
    void refusedNamingTheGlobalAndNothingRuns(String file, String global, String marker) throws IOException {
        Path markerFile = Path.of(marker);
        Files.deleteIfExists(markerFile);
        Path path = Fixtures.path(file);

        InputException e = assertThrows(InputException.class, () -> WeightsReader.read(path));

        String message = e.getMessage();
        assertTrue(message.startsWith(path + ": refused to load"), message);
        assertTrue(message.contains("'" + global + "'"), message);
        assertFalse(message.contains("\n"), message);
        assertFalse(Files.exists(markerFile), "the payload ran: " + markerFile);
    }

    @Test
    void wholePickledModelGetsAHint() {
        Path path = Fixtures.path("whole_module.pth");
        InputException e = assertThrows(InputException.class, () -> WeightsReader.read(path));
        assertTrue(e.getMessage().contains("'torch.nn.modules.linear.Linear'"), e.getMessage());
        assertTrue(e.getMessage().contains("torch.save(model.state_dict(), path)"), e.getMessage());
    }

    @Test
    void torchScriptArchiveIsRecognised(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("scripted.pt");
        try (OutputStream file = Files.newOutputStream(path); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (String name : new String[] {"scripted/data.pkl", "scripted/constants.pkl", "scripted/code/__torch__/m.py"}) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(new byte[] {(byte) 0x80, 2, 'N', '.'});
                zip.closeEntry();
            }
        }
        InputException e = assertThrows(InputException.class, () -> WeightsReader.read(path));
        assertTrue(e.getMessage().startsWith(path + ": is a TorchScript archive"), e.getMessage());
    }
}
