package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.InputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The restricted unpickler on hand-written opcode sequences. */
class UnpicklerTest {
    private static final Path FILE = Path.of("hand-made.pkl");

    /** Builds pickle bytes opcode by opcode. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            op(0x80, 2); // PROTO 2
        }

        Pickle op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            return this;
        }

        Pickle str(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            op('X', utf8.length, 0, 0, 0);
            out.writeBytes(utf8);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        Object load() throws IOException {
            byte[] data = bytes();
            return new Unpickler(new PickleInput(new ByteArrayInputStream(data), FILE, 0, data.length), FILE, null).load();
        }

        InputException fails() {
            return assertThrows(InputException.class, this::load);
        }
    }

    @Test
    void scalars() throws IOException {
        assertEquals(-2L, new Pickle().op('J', 0xfe, 0xff, 0xff, 0xff, '.').load());
        assertEquals(200L, new Pickle().op('K', 200, '.').load());
        assertEquals(0xbeefL, new Pickle().op('M', 0xef, 0xbe, '.').load());
        assertEquals(-1L, new Pickle().op(0x8a, 1, 0xff, '.').load());
        assertEquals(0L, new Pickle().op(0x8a, 0, '.').load());
        assertEquals(BigInteger.ONE.shiftLeft(70), new Pickle().op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, '.').load());
        assertEquals(1.5, new Pickle().op('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, '.').load());
        assertEquals(Boolean.TRUE, new Pickle().op(0x88, '.').load());
        assertEquals(Boolean.FALSE, new Pickle().op(0x89, '.').load());
        assertNull(new Pickle().op('N', '.').load());
        assertEquals("grüß", new Pickle().str("grüß").op('.').load());
        assertEquals("py2", new Pickle().op('U', 3, 'p', 'y', '2', '.').load());
        assertEquals("abc", new Pickle().op(0x8c, 3, 'a', 'b', 'c', '.').load());
        assertEquals(List.of((byte) 1, (byte) 2), toList((byte[]) new Pickle().op('C', 2, 1, 2, '.').load()));
    }

    private static List<Byte> toList(byte[] b) {
        return List.of(b[0], b[1]);
    }

    @Test
    void containersAndMemo() throws IOException {
        // [1, (2,), (3, 4), (5, 6, 7), (8, 9, 10, 11)] with the tuple (2,) memoised and fetched again.
        Object value = new Pickle()
                .op(']', 'q', 0)
                .op('K', 1, 'a')
                .op('(', 'K', 2, 0x85, 'q', 1, 'K', 3, 'K', 4, 0x86, 'K', 5, 'K', 6, 'K', 7, 0x87)
                .op('(', 'K', 8, 'K', 9, 'K', 10, 'K', 11, 't', 'e')
                .op('h', 1, 'a')
                .op('r', 9, 0, 0, 0, '0', 'j', 9, 0, 0, 0, '.')
                .load();
        List<?> list = assertInstanceOf(List.class, value);
        assertEquals(6, list.size());
        assertEquals(1L, list.get(0));
        assertEquals(new PyTuple(List.of(2L)), list.get(1));
        assertEquals(new PyTuple(List.of(3L, 4L)), list.get(2));
        assertEquals(new PyTuple(List.of(5L, 6L, 7L)), list.get(3));
        assertEquals(new PyTuple(List.of(8L, 9L, 10L, 11L)), list.get(4));
        assertEquals(new PyTuple(List.of(2L)), list.get(5));
    }

    @Test
    void orderedDictWithMetadataAttribute() throws IOException {
        // What torch writes for a state dict: OrderedDict() REDUCE, SETITEMS, then BUILD with {'_metadata': ...}.
        Object value = new Pickle()
                .global("collections", "OrderedDict").op(')', 'R')
                .op('(').str("a").op('K', 1).str("b").op('K', 2, 'u')
                .str("c").op('K', 3, 's')
                .op('}').str("_metadata").op('}', 's', 'b', '.')
                .load();
        assertEquals(Map.of("a", 1L, "b", 2L, "c", 3L), value);
        assertEquals(List.of("a", "b", "c"), List.copyOf(((Map<?, ?>) value).keySet()));
    }

    @Test
    void refusesAGlobalTheMomentItIsRead() {
        // The bytes after the GLOBAL are garbage: the refusal must come first, naming the global.
        InputException e = new Pickle().global("os", "system").op(0xff, 0xff).fails();
        assertTrue(e.getMessage().startsWith("hand-made.pkl: refused to load"), e.getMessage());
        assertTrue(e.getMessage().contains("'os.system' at offset 2"), e.getMessage());
    }

    @Test
    void refusesStackGlobalAndBuiltins() {
        InputException e = new Pickle().op(0x8c, 8).op("builtins".chars().toArray()).op(0x8c, 4).op("exec".chars().toArray())
                .op(0x93, 0xff).fails();
        assertTrue(e.getMessage().contains("'builtins.exec'"), e.getMessage());
        assertTrue(new Pickle().global("__builtin__", "eval").fails().getMessage().contains("'builtins.eval'"));
        assertTrue(new Pickle().global("torch", "load").fails().getMessage().contains("'torch.load'"));
        assertTrue(new Pickle().global("torch._utils", "_rebuild_qtensor").fails().getMessage().contains("refused"));
    }

    @Test
    void unknownAndUnsupportedOpcodesNameTheOpcodeAndOffset() {
        assertEquals("hand-made.pkl: unknown pickle opcode 0xff at offset 2; not a torch.save file or corrupt",
                new Pickle().op(0xff).fails().getMessage());
        assertTrue(new Pickle().op(')', ')', 0x81).fails().getMessage()
                .contains("unsupported pickle opcode NEWOBJ (0x81) at offset 4"));
    }

    @Test
    void malformedSequencesAreReportedNotThrownRaw() {
        assertTrue(new Pickle().op('a').fails().getMessage().contains("stack underflow"));
        assertTrue(new Pickle().op('h', 7).fails().getMessage().contains("memo entry 7"));
        assertTrue(new Pickle().op(')', ')', 'R').fails().getMessage().contains("cannot call a tuple"));
        assertTrue(new Pickle().op('K', 1, 'K', 2, 'a').fails().getMessage().contains("cannot append to a int"));
        assertTrue(new Pickle().op('t').fails().getMessage().contains("no MARK"));
        assertTrue(new Pickle().op('K', 1, 'K', 2, '.').fails().getMessage().contains("STOP with 2 values"));
        assertTrue(new Pickle().op(0x80, 9).fails().getMessage().contains("protocol 9"));
        assertTrue(new Pickle().op('Q').fails().getMessage().contains("stack underflow"));
        assertTrue(new Pickle().op(')', 'Q').fails().getMessage().contains("unexpected persistent id"));
    }

    @Test
    void lyingLengthsAreTruncationNotHugeAllocations() {
        InputException e = new Pickle().op('X', 0xff, 0xff, 0xff, 0x7f, 'a').fails();
        assertTrue(e.getMessage().contains("file ends too early at offset 7"), e.getMessage());
        assertTrue(new Pickle().op(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x70).fails().getMessage().contains("file ends too early"));
        assertTrue(new Pickle().op('K').fails().getMessage().contains("file ends too early"));
    }
}
