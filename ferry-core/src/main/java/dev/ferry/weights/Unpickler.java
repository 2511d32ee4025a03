package dev.ferry.weights;

import dev.ferry.weights.TorchObjects.Global;
import dev.ferry.weights.TorchObjects.StorageRef;
import dev.ferry.weights.TorchObjects.StorageType;
import dev.ferry.weights.TorchObjects.TensorRef;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A restricted Python unpickler for {@code torch.save} files, in the spirit of
 * {@code torch.load(weights_only=True)}.
 *
 * <p>It builds only plain values (None, bool, int, float, str, bytes, tuple, list, dict) and the
 * torch objects of {@link TorchObjects}. A GLOBAL or STACK_GLOBAL naming anything else is refused
 * the moment it is read, before any later opcode could use it, and nothing is ever instantiated by
 * reflection: REDUCE only dispatches on the allow-listed {@link Global} constants.
 *
 * <p>Supports the opcodes torch writes with pickle protocol 2 (its default) and the protocol 3-4
 * additions that {@code torch.save(..., pickle_protocol=4)} produces. One instance reads one pickle.
 */
final class Unpickler {
    /** Turns a persistent id (torch's storage references) into a value; supplied by each file format. */
    interface PersistentLoader {
        Object load(PyTuple pid, long offset) throws IOException;
    }

    /** Python refuses recursion this deep too; it bounds what a hostile file can make us nest. */
    private static final int MAX_MARK_DEPTH = 10_000;

    private final PickleInput in;
    private final Path file;
    private final PersistentLoader persistent;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long opOffset;

    /**
     * @param in the pickle bytes
     * @param file the file, for messages
     * @param persistent loader for BINPERSID, or null if the pickle must not contain persistent ids
     */
    Unpickler(PickleInput in, Path file, PersistentLoader persistent) {
        this.in = in;
        this.file = file;
        this.persistent = persistent;
    }

    /** Reads one pickle up to and including its STOP opcode and returns the value. */
    Object load() throws IOException {
        while (true) {
            opOffset = in.position();
            int op = in.readByte();
            switch (op) {
                case 0x80 -> { // PROTO
                    int version = in.readByte();
                    if (version > 5) {
                        throw malformed("pickle protocol " + version + " is newer than any ferry knows");
                    }
                }
                case 0x95 -> in.readLittleEndian(8); // FRAME: only a read-ahead hint
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw malformed("STOP with " + stack.size() + " values on the stack");
                    }
                    return stack.get(0);
                }
                case 'c' -> { // GLOBAL
                    String module = in.readLine(256);
                    String name = in.readLine(256);
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case '(' -> { // MARK
                    if (marks.size() >= MAX_MARK_DEPTH) {
                        throw malformed("nesting deeper than " + MAX_MARK_DEPTH);
                    }
                    marks.push(stack.size());
                }
                case ')' -> push(new PyTuple(List.of()));
                case 't' -> push(new PyTuple(popMark()));
                case 0x85 -> push(new PyTuple(popN(1)));
                case 0x86 -> push(new PyTuple(popN(2)));
                case 0x87 -> push(new PyTuple(popN(3)));
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) (int) in.readLittleEndian(4)); // BININT, signed
                case 'K' -> push((long) in.readByte()); // BININT1
                case 'M' -> push(in.readLittleEndian(2)); // BININT2
                case 0x8a -> push(decodeLong(in.readBytes(in.readByte()))); // LONG1
                case 0x8b -> push(decodeLong(in.readBytes(signedLength(4)))); // LONG4
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.readLittleEndian(8)))); // BINFLOAT, big-endian
                case 'X' -> push(utf8(in.readBytes(in.readLittleEndian(4)))); // BINUNICODE
                case 0x8c -> push(utf8(in.readBytes(in.readByte()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(in.readBytes(in.readLittleEndian(8)))); // BINUNICODE8
                // Python 2 str; torch.load decodes these as UTF-8 by default, so do the same.
                case 'U' -> push(utf8(in.readBytes(in.readByte()))); // SHORT_BINSTRING
                case 'T' -> push(utf8(in.readBytes(signedLength(4)))); // BINSTRING
                case 'C' -> push(in.readBytes(in.readByte())); // SHORT_BINBYTES
                case 'B' -> push(in.readBytes(in.readLittleEndian(4))); // BINBYTES
                case 0x8e -> push(in.readBytes(in.readLittleEndian(8))); // BINBYTES8
                case 'q' -> memo.put((long) in.readByte(), peek()); // BINPUT
                case 'r' -> memo.put(in.readLittleEndian(4), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(in.readByte())); // BINGET
                case 'j' -> push(memoGet(in.readLittleEndian(4))); // LONG_BINGET
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'a' -> list(-2).add(pop()); // APPEND
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    list(-1).addAll(items);
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(-1).put(hashable(key), value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) {
                        throw malformed("SETITEMS with an odd number of values");
                    }
                    Map<Object, Object> target = dict(-1);
                    for (int i = 0; i < items.size(); i += 2) {
                        target.put(hashable(items.get(i)), items.get(i + 1));
                    }
                }
                case 'b' -> build(pop(), peek()); // BUILD
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    if (!(args instanceof PyTuple tuple)) {
                        throw malformed("REDUCE arguments are a " + TorchObjects.describe(args) + ", not a tuple");
                    }
                    push(reduce(callable, tuple));
                }
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (persistent == null) {
                        throw malformed("unexpected persistent id");
                    }
                    if (!(pid instanceof PyTuple tuple)) {
                        throw malformed("persistent id is a " + TorchObjects.describe(pid) + ", not a tuple");
                    }
                    push(persistent.load(tuple, opOffset));
                }
                default -> throw unsupported(op);
            }
        }
    }

    /** Resolves a global against the allow-list, refusing anything else right here. */
    private Object global(String module, String name) {
        Optional<Object> allowed = TorchObjects.resolve(module, name);
        if (allowed.isPresent()) {
            return allowed.get();
        }
        // Protocol 2 writes Python 3's builtins as __builtin__ and Python reads it back as builtins.
        String dotted = (module.equals("__builtin__") ? "builtins" : module) + "." + name;
        String why;
        if (module.startsWith("__torch__")) {
            why = "; this is a TorchScript archive (torch.jit.save), save model.state_dict() with torch.save instead";
        } else if (module.startsWith("torch.nn.modules") || module.startsWith("torchvision.") || module.equals("__main__")) {
            why = "; the file holds a whole pickled model, re-save it with torch.save(model.state_dict(), path)";
        } else {
            why = "; loading it with plain torch.load could run arbitrary code";
        }
        throw WeightsErrors.bad(file, "refused to load: the pickle references the Python global '" + dotted
                + "' at offset " + opOffset + ", which is not allowed in a weights file (only tensors and plain containers are)" + why);
    }

    /** Calls one of the allow-listed functions. Nothing else is callable. */
    private Object reduce(Object callable, PyTuple args) {
        if (!(callable instanceof Global g)) {
            throw malformed("cannot call a " + TorchObjects.describe(callable));
        }
        switch (g) {
            case ORDERED_DICT -> {
                Map<Object, Object> dict = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object pair : pairs) {
                        if (!(pair instanceof PyTuple kv) || kv.size() != 2) {
                            throw malformed("OrderedDict needs (key, value) pairs");
                        }
                        dict.put(hashable(kv.get(0)), kv.get(1));
                    }
                } else if (args.size() != 0) {
                    throw malformed("unexpected OrderedDict arguments");
                }
                return dict;
            }
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> {
                // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
                int expected = g == Global.REBUILD_TENSOR ? 4 : 6;
                if (args.size() < expected || args.size() > expected + 1) {
                    throw malformed(g.pythonName() + " takes " + expected + " arguments, got " + args.size());
                }
                if (!(args.get(0) instanceof StorageRef storage)) {
                    throw malformed(g.pythonName() + " needs a storage, got a " + TorchObjects.describe(args.get(0)));
                }
                long offset = nonNegative(args.get(1), "storage offset");
                long[] size = dims(args.get(2), "size");
                long[] stride = dims(args.get(3), "stride");
                if (size.length != stride.length) {
                    throw malformed("tensor has " + size.length + " sizes but " + stride.length + " strides");
                }
                return new TensorRef(storage, offset, size, stride);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                // (data, requires_grad, backward_hooks[, state]): a Parameter is its data here.
                if (args.size() < 3 || !(args.get(0) instanceof TensorRef data)) {
                    throw malformed(g.pythonName() + " needs a tensor");
                }
                return data;
            }
            case REBUILD_FROM_TYPE_V2 -> {
                // (func, new_type, args, state): how torch pickles a Tensor subclass; only plain
                // Tensor and Parameter are accepted, and func must itself be an allowed rebuilder.
                if (args.size() != 4 || !(args.get(2) instanceof PyTuple inner)) {
                    throw malformed(g.pythonName() + " needs (func, type, args, state)");
                }
                Object type = args.get(1);
                if (type != Global.TENSOR_CLASS && type != Global.PARAMETER_CLASS) {
                    throw malformed("tensor subclass " + TorchObjects.describe(type) + " is not supported");
                }
                return reduce(args.get(0), inner);
            }
            case SIZE -> {
                if (args.size() != 1 || !(args.get(0) instanceof PyTuple dims)) {
                    throw malformed("torch.Size needs one tuple");
                }
                return dims;
            }
            default -> throw malformed("cannot call " + g.pythonName());
        }
    }

    /** BUILD: only the attribute dict torch attaches to a state dict's OrderedDict ({@code _metadata}). */
    private void build(Object state, Object target) {
        if (target instanceof Map && (state instanceof Map || state == null)) {
            // _metadata holds per-module version numbers; tensors are all ferry needs, so drop it.
            return;
        }
        throw malformed("cannot BUILD a " + TorchObjects.describe(target) + " from a " + TorchObjects.describe(state));
    }

    private long[] dims(Object value, String what) {
        if (!(value instanceof PyTuple tuple)) {
            throw malformed("tensor " + what + " is a " + TorchObjects.describe(value) + ", not a tuple");
        }
        long[] out = new long[tuple.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(tuple.get(i), what);
        }
        return out;
    }

    private long nonNegative(Object value, String what) {
        if (!(value instanceof Long n) || n < 0) {
            throw malformed("tensor " + what + " holds " + value + ", not a non-negative int");
        }
        return n;
    }

    private long signedLength(int width) throws IOException {
        long n = in.readLittleEndian(width);
        if (width == 4) {
            n = (int) n;
        }
        if (n < 0) {
            throw malformed("negative length " + n);
        }
        return n;
    }

    private static Object decodeLong(byte[] littleEndian) {
        if (littleEndian.length == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[littleEndian.length];
        for (int i = 0; i < littleEndian.length; i++) {
            bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
        }
        BigInteger value = new BigInteger(bigEndian);
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private Object hashable(Object key) {
        if (key instanceof List || key instanceof Map) {
            throw malformed("unhashable dict key of type " + TorchObjects.describe(key));
        }
        return key;
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw malformed("memo entry " + index + " is used before it is stored");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(int fromTop) {
        Object target = at(fromTop);
        if (!(target instanceof ArrayList)) {
            throw malformed("cannot append to a " + TorchObjects.describe(target));
        }
        return (List<Object>) target;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(int fromTop) {
        Object target = at(fromTop);
        if (!(target instanceof Map)) {
            throw malformed("cannot set items on a " + TorchObjects.describe(target));
        }
        return (Map<Object, Object>) target;
    }

    private Object at(int fromTop) {
        int index = stack.size() + fromTop;
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (index < floor) {
            throw malformed("stack underflow");
        }
        return stack.get(index);
    }

    private void push(Object value) {
        stack.add(value);
    }

    private Object peek() {
        return at(-1);
    }

    private Object pop() {
        Object top = at(-1);
        stack.remove(stack.size() - 1);
        return top;
    }

    private List<Object> popN(int n) {
        at(-n);
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return items;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw malformed("no MARK to pop to");
        }
        int start = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(start, stack.size()));
        stack.subList(start, stack.size()).clear();
        return items;
    }

    private RuntimeException malformed(String what) {
        return WeightsErrors.bad(file, "malformed pickle at offset " + opOffset + ": " + what);
    }

    private RuntimeException unsupported(int op) {
        String name = OPCODE_NAMES.get(op);
        String shown = String.format("0x%02x", op);
        if (name == null) {
            return WeightsErrors.bad(file, "unknown pickle opcode " + shown + " at offset " + opOffset + "; not a torch.save file or corrupt");
        }
        return WeightsErrors.bad(file, "unsupported pickle opcode " + name + " (" + shown + ") at offset " + opOffset
                + "; a state dict saved by torch.save never needs it");
    }

    /** Names of the opcodes this reader knows but will not run, for clearer messages. */
    private static final Map<Integer, String> OPCODE_NAMES = Map.ofEntries(
            Map.entry((int) 'F', "FLOAT"), Map.entry((int) 'I', "INT"), Map.entry((int) 'L', "LONG"),
            Map.entry((int) 'S', "STRING"), Map.entry((int) 'V', "UNICODE"), Map.entry((int) 'P', "PERSID"),
            Map.entry((int) 'd', "DICT"), Map.entry((int) 'l', "LIST"), Map.entry((int) 'g', "GET"),
            Map.entry((int) 'p', "PUT"), Map.entry((int) 'i', "INST"), Map.entry((int) 'o', "OBJ"),
            Map.entry(0x81, "NEWOBJ"), Map.entry(0x82, "EXT1"), Map.entry(0x83, "EXT2"), Map.entry(0x84, "EXT4"),
            Map.entry(0x8f, "EMPTY_SET"), Map.entry(0x90, "ADDITEMS"), Map.entry(0x91, "FROZENSET"),
            Map.entry(0x92, "NEWOBJ_EX"), Map.entry(0x96, "BYTEARRAY8"), Map.entry(0x97, "NEXT_BUFFER"),
            Map.entry(0x98, "READONLY_BUFFER"));
}
