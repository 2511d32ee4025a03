package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ferry.InputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code .npy} format as NumPy's format specification lays it out, written and read. */
class NpyTest {
    @TempDir
    Path tmp;

    /** A 3 x 4 float32 C-order header, as the specification lays it out (version 1.0). */
    private static byte[] handWrittenHeader() {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
        // 6 magic + 2 version + 2 length + 59 dict + 1 newline = 70: 58 spaces pad the data to offset 128.
        String padded = dict + "                                                          " + "\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        b.writeBytes(padded.getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private Path file(String name, byte[]... parts) throws IOException {
        return Files.write(tmp.resolve(name), concat(parts));
    }

    private static String error(Path file) {
        InputException e = assertThrows(InputException.class, () -> Npy.open(file));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void theHeaderIsTheSpecificationsByteForByte() {
        byte[] expected = handWrittenHeader();
        assertEquals(128, expected.length);
        assertArrayEquals(expected, Npy.header(3, 4));
        assertEquals(0, Npy.header(100_000, 2048).length % 64);
    }

    @Test
    void aWrittenFileIsTheHeaderThenLittleEndianRowMajorFloats() throws IOException {
        float[] data = {0f, -0f, 1.5f, -2.25f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 3e-38f, 7f, 8f, 9f};
        Path f = tmp.resolve("m.npy");
        Npy.write(f, data, 3, 4);
        byte[] bytes = Files.readAllBytes(f);
        assertArrayEquals(concat(handWrittenHeader(), floats(data)), bytes);

        Npy.Matrix m = Npy.open(f);
        assertEquals(3, m.rows());
        assertEquals(4, m.cols());
        float[] all = new float[12];
        m.rows(0, 3, all);
        // Bit patterns, so that -0 and NaN are compared exactly too.
        for (int i = 0; i < data.length; i++) {
            assertEquals(Float.floatToRawIntBits(data[i]), Float.floatToRawIntBits(all[i]), "value " + i);
        }
        assertArrayEquals(new float[] {3e-38f, 7f, 8f, 9f}, m.row(2));
    }

    @Test
    void rowsAreReadAcrossMappedSegments() throws IOException {
        int rows = 37;
        int cols = 5;
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f - 11;
        }
        Path f = tmp.resolve("seg.npy");
        Npy.write(f, data, rows, cols);
        // Segments of 3 rows (64 bytes rounds down to 3 rows of 20 bytes): reads cross every boundary.
        Npy.Matrix m = Npy.open(f, 64);
        float[] got = new float[rows * cols];
        m.rows(0, rows, got);
        assertArrayEquals(data, got);
        float[] middle = new float[7 * cols];
        m.rows(10, 7, middle);
        assertArrayEquals(Arrays.copyOfRange(data, 10 * cols, 17 * cols), middle);
    }

    @Test
    void aVersion2HeaderFromNumpyIsRead() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }";
        int unpadded = 12 + dict.length() + 1;
        String text = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(text.length());
        Path f = file("v2.npy", h.array(), text.getBytes(StandardCharsets.US_ASCII), floats(4f, 5f));
        assertArrayEquals(new float[] {4f, 5f}, Npy.open(f).row(0));
    }

    @Test
    void aTruncatedFileSaysHowMuchIsMissing() throws IOException {
        Path f = file("short.npy", handWrittenHeader(), floats(1, 2, 3, 4, 5));
        assertEquals(f + ": truncated: its header says 3 x 4 float32 (48 bytes of data), the file has 20", error(f));
        Path header = file("header.npy", Arrays.copyOf(handWrittenHeader(), 40));
        assertEquals(header + ": truncated: the file ends inside its .npy header", error(header));
    }

    @Test
    void anotherDtypeOrderOrShapeIsRefused() throws IOException {
        byte[] f8 = new String(handWrittenHeader(), StandardCharsets.ISO_8859_1).replace("<f4", "<f8")
                .getBytes(StandardCharsets.ISO_8859_1);
        Path doubles = file("f8.npy", f8, new byte[96]);
        assertEquals(doubles + ": dtype <f8 is not little-endian float32 (<f4); convert it with numpy: a.astype('<f4')", error(doubles));

        byte[] big = new String(handWrittenHeader(), StandardCharsets.ISO_8859_1).replace("<f4", ">f4")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(true, error(file("be.npy", big, new byte[48])).contains("dtype >f4 is not little-endian float32"));

        byte[] fortran = new String(handWrittenHeader(), StandardCharsets.ISO_8859_1).replace("False", "True ")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(true, error(file("f.npy", fortran, new byte[48])).contains("Fortran (column-major) order"));

        byte[] flat = new String(handWrittenHeader(), StandardCharsets.ISO_8859_1).replace("(3, 4)", "(12,)  ")
                .getBytes(StandardCharsets.ISO_8859_1);
        Path vector = file("v.npy", flat, new byte[48]);
        assertEquals(vector + ": shape (12,) is not 2-D (rows x dimensions)", error(vector));
    }

    @Test
    void somethingElseIsNotANpyFile() throws IOException {
        Path text = Files.writeString(tmp.resolve("t.npy"), "id,x\n1,2\n");
        assertEquals(text + ": not a .npy file (it does not start with \\x93NUMPY)", error(text));
        Path extra = file("extra.npy", handWrittenHeader(), new byte[52]);
        assertEquals(extra + ": 4 bytes after the 3 x 4 float32 its header describes (not one matrix)", error(extra));
        Path missing = tmp.resolve("missing.npy");
        assertEquals(missing + ": no such file", error(missing));
    }
}
