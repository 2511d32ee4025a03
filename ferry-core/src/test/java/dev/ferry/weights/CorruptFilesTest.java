package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Damaged and foreign files give a one-line {@link InputException} that names the file, nothing else. */
class CorruptFilesTest {

    @TempDir
    Path dir;

    private static InputException rejected(Path path) {
        InputException e = assertThrows(InputException.class, () -> WeightsReader.read(path));
        assertOneLineAbout(path, e);
        return e;
    }

    private static void assertOneLineAbout(Path path, FerryException e) {
        String message = e.getMessage();
        assertTrue(message.startsWith(path + ": "), message);
        assertFalse(message.contains("\n") || message.contains("\r"), message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "truncated_zip.pth | damaged zip archive",
        "truncated_legacy.pth | file ends too early",
        "zip_without_pickle.pth | is a zip archive without data.pkl",
        "lying_header_length.safetensors | safetensors header length 1048576 is larger than the 104 bytes after it",
        "lying_offsets.safetensors | tensor 'w' data starts at 16 but the previous tensor ends at 0",
    })
    void damagedFixtures(String file, String expected) {
        InputException e = rejected(Fixtures.path(file));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void emptyFile() throws IOException {
        Path path = Files.write(dir.resolve("empty.pth"), new byte[0]);
        assertEquals(path + ": is empty (0 bytes), not a weights file", rejected(path).getMessage());
    }

    @Test
    void randomBytes() throws IOException {
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        noise[0] = 0x13; // keep the noise from starting like one of the recognised formats by chance
        Path path = Files.write(dir.resolve("noise.pth"), noise);
        assertTrue(rejected(path).getMessage().contains("is not a PyTorch (.pth/.pt) or safetensors weights file"));
    }

    @Test
    void jpegImage() throws IOException {
        Path path = dir.resolve("cat.pth");
        assertTrue(ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpg", path.toFile()));
        assertTrue(rejected(path).getMessage().contains("it looks like a JPEG image"));
    }

    @Test
    void textFile() throws IOException {
        Path path = Files.writeString(dir.resolve("notes.pth"), "{\"not\": \"weights\"}\n");
        assertTrue(rejected(path).getMessage().endsWith("(it looks like a text file)"));
    }

    @Test
    void plainPickleIsNotATorchFile() throws IOException {
        Path path = Files.write(dir.resolve("plain.pkl"), new byte[] {(byte) 0x80, 4, 'N', '.'});
        assertTrue(rejected(path).getMessage().contains("a Python pickle, but not one written by torch.save"));
    }

    @Test
    void missingFileAndFolder() {
        Path missing = dir.resolve("nope.pth");
        assertEquals(missing + ": no such file", rejected(missing).getMessage());
        assertEquals(dir + ": is a folder, not a weights file", rejected(dir).getMessage());
    }

    @Test
    void safetensorsWithBadJsonAndDtype() throws IOException {
        Path badJson = writeSafetensors("bad-json", "{\"w\": {dtype: F32}}", 0);
        assertTrue(rejected(badJson).getMessage().contains("safetensors header is not valid JSON"));
        Path badDtype = writeSafetensors("bad-dtype", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        assertTrue(rejected(badDtype).getMessage().contains("has dtype F8_E4M3, which ferry does not read"));
        Path badSize = writeSafetensors("bad-size", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertTrue(rejected(badSize).getMessage().contains("spans 8 bytes but F32 [3] needs 12"));
        Path overlap = writeSafetensors("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertTrue(rejected(overlap).getMessage().contains("gaps or overlaps"));
        Path leftover = writeSafetensors("leftover", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12);
        assertTrue(rejected(leftover).getMessage().contains("tensors cover 8 bytes of data but the file holds 12"));
        Path negative = writeSafetensors("negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
        assertTrue(rejected(negative).getMessage().contains("negative number -2"));
    }

    private Path writeSafetensors(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8 + json.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putLong(json.length).put(json);
        return Files.write(dir.resolve(name + ".safetensors"), buf.array());
    }

    /**
     * Truncations of small files in each format are rejected cleanly: every length in the first
     * and last 128 bytes (headers, zip directory) and a spread of lengths in between.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny_proto4.pth", "mixed_dtypes_legacy.pth", "mixed_dtypes.safetensors"})
    void everyTruncationIsRejectedCleanly(String file) throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.path(file));
        Path path = dir.resolve("cut-" + file);
        for (int length = 0; length < full.length; length += length < 128 || length >= full.length - 128 ? 1 : 5) {
            Files.write(path, Arrays.copyOf(full, length));
            try {
                WeightsReader.read(path);
                fail(file + " cut to " + length + " bytes was accepted");
            } catch (InputException e) {
                assertOneLineAbout(path, e);
                assertFalse(e.getMessage().contains("Exception"), "backstop hit at length " + length + ": " + e.getMessage());
            }
        }
    }

    /** Random byte damage either still reads or is rejected with a proper message; nothing escapes. */
    @ParameterizedTest
    @ValueSource(strings = {"mixed_dtypes.pth", "mixed_dtypes_legacy.pth", "mixed_dtypes.safetensors", "malicious_os_system.pth"})
    void randomDamageNeverEscapes(String file) throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.path(file));
        Path path = dir.resolve("damaged-" + file);
        Random random = new Random(file.hashCode());
        for (int round = 0; round < 250; round++) {
            byte[] damaged = full.clone();
            for (int hits = 1 + random.nextInt(3); hits > 0; hits--) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            }
            Files.write(path, damaged);
            try {
                WeightsReader.read(path);
            } catch (InputException e) {
                assertOneLineAbout(path, e);
            }
        }
    }
}
