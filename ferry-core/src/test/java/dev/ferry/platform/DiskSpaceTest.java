package dev.ferry.platform;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.InputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpaceTest {
    @Test
    void tooLittleSpaceIsOneLineWithBothSizes() {
        InputException e = assertThrows(InputException.class,
                () -> DiskSpace.check(Path.of("models/a"), 190_400_000L, 120_000_000L, "the model"));
        assertEquals("not enough free space for the model in models/a: it needs about 190 MB, 120 MB free", e.getMessage());
        assertDoesNotThrow(() -> DiskSpace.check(Path.of("m"), 100, 100, "x"));
    }

    @Test
    void measuresTheDeepestExistingFolder(@TempDir Path tmp) {
        Path missing = tmp.resolve("not/yet/there");
        assertDoesNotThrow(() -> DiskSpace.require(missing, 1, "a byte"));
        InputException e = assertThrows(InputException.class, () -> DiskSpace.require(missing, Long.MAX_VALUE, "everything"));
        assertEquals(true, e.getMessage().startsWith("not enough free space for everything in " + missing), e.getMessage());
    }

    @Test
    void sizesInDecimalUnits() {
        assertEquals("1.5 GB", DiskSpace.size(1_500_000_000L));
        assertEquals("97 MB", DiskSpace.size(97_000_000L));
        assertEquals("12 kB", DiskSpace.size(11_200));
    }
}
