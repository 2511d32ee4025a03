package dev.ferry.model;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Writes a ResNet's {@link InferencePlan} as an ONNX model (opset 17): one {@code Conv} per folded
 * convolution (BatchNorm already folded in by the plan), {@code Relu}, {@code Add}, the pools and a
 * {@code Gemm} head.
 *
 * <p>The graph has one input {@code input} (N x 3 x H x W, N and H x W free) and two outputs:
 * {@code features} (the pooled backbone output, N x featureDim) and {@code logits} (N x classes).
 * ONNX Runtime computes only what the requested outputs need.
 *
 * <p>The values come from a function of the torchvision state_dict key, so the same export serves a
 * live network ({@link #export(ResNet)}) and a weights file read on the host without starting
 * libtorch.
 *
 * <p>The model is streamed: each layer's folded weights are computed when they are written and
 * dropped right after, so exporting ResNet-50 holds one layer's values at a time instead of three
 * copies of all 100 MB (values, TensorProtos, the assembled model), which counted against the
 * inference process's peak memory.
 *
 * <p>The protobuf is written by hand: the handful of ONNX messages needed here do not justify a
 * protobuf runtime and generated classes.
 */
public final class OnnxExport {
    /** Name of the graph input. */
    public static final String INPUT = "input";
    /** Name of the pooled-features output. */
    public static final String FEATURES = "features";
    /** Name of the logits output. */
    public static final String LOGITS = "logits";
    /** Name of the optional probabilities output ({@link Settings#temperature()}). */
    public static final String PROBABILITIES = "probabilities";
    /** The opsets an export may target: every operator used is unchanged across them. */
    public static final int MIN_OPSET = 13;
    /** See {@link #MIN_OPSET}; 17 is the newest that ONNX 1.12's checker (Debian's) verifies. */
    public static final int MAX_OPSET = 17;
    private static final int FLOAT = 1;

    /**
     * How a model is exported.
     *
     * @param opset the ONNX opset, {@value #MIN_OPSET} to {@value #MAX_OPSET}
     * @param foldBn whether BatchNorm is folded into the convolutions (what ferry's engine runs);
     *     otherwise each convolution is followed by a {@code BatchNormalization} node under
     *     torchvision's parameter names, the graph torch.onnx.export writes in eval mode
     * @param dynamicBatch whether the batch dimension is free ({@code N}); otherwise 1
     * @param size the input's height and width, or 0 for free dimensions {@code H} and {@code W}
     * @param temperature with a value, a {@value #PROBABILITIES} output: the softmax of the logits
     *     divided by it (a trained model's calibration, 1 for none); null for none
     * @param metadata the model's metadata properties (class names, preset, ...)
     * @param activations float, observed (every activation an output, for calibration) or int8
     */
    public record Settings(int opset, boolean foldBn, boolean dynamicBatch, int size, Double temperature,
                           java.util.Map<String, String> metadata, Activations activations) {
        /** Float activations. */
        public Settings(int opset, boolean foldBn, boolean dynamicBatch, int size, Double temperature,
                        java.util.Map<String, String> metadata) {
            this(opset, foldBn, dynamicBatch, size, temperature, metadata, new Float32());
        }

        public Settings {
            if (opset < MIN_OPSET || opset > MAX_OPSET) {
                throw new IllegalArgumentException("the ONNX opset must be in [" + MIN_OPSET + ", " + MAX_OPSET + "], got " + opset);
            }
            if (size < 0) {
                throw new IllegalArgumentException("the input size must be 0 (free) or positive, got " + size);
            }
            if (temperature != null && !(temperature > 0 && Double.isFinite(temperature))) {
                throw new IllegalArgumentException("the temperature must be positive and finite, got " + temperature);
            }
            metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
            java.util.Objects.requireNonNull(activations, "activations");
            if (!(activations instanceof Float32) && !foldBn) {
                throw new IllegalArgumentException("int8 quantization and calibration work on the folded network");
            }
        }

        /** These settings with every activation also an output. */
        public Settings observing() {
            return new Settings(opset, foldBn, dynamicBatch, size, temperature, metadata, new Observe());
        }

        /** These settings with int8 activations over {@code ranges}. */
        public Settings int8(List<float[]> ranges) {
            return new Settings(opset, foldBn, dynamicBatch, size, temperature, metadata, new Int8(ranges));
        }

        /** What ferry's own engine loads: folded, every dimension free, no softmax, no metadata. */
        public static Settings engine() {
            return new Settings(MAX_OPSET, true, true, 0, null, java.util.Map.of());
        }
    }

    /**
     * What the activations are: the network's float ones, the same with each one also a graph
     * output (named in {@link #observed}) for calibration, or quantized to uint8 between the
     * convolutions as QuantizeLinear / DequantizeLinear pairs, the QDQ form ONNX Runtime fuses into
     * integer kernels.
     */
    public sealed interface Activations permits Float32, Observe, Int8 {}

    /** Float activations throughout. */
    public record Float32() implements Activations {}

    /** Float activations, each quantization point also an output ({@link #observedOutputs}). */
    public record Observe() implements Activations {}

    /**
     * Static int8: each activation (in {@link #observedOutputs} order) quantized to uint8 over its
     * calibrated range, each convolution's weights to int8, symmetric per output channel, its bias
     * to int32; the head (pooling and fc) stays float.
     *
     * @param ranges the calibrated [min, max] of each activation, in order
     */
    public record Int8(List<float[]> ranges) implements Activations {
        public Int8 {
            ranges = List.copyOf(ranges);
        }
    }

    private final Function<String, float[]> values;
    private final Settings settings;
    /** The quantization points' tensor names, in graph order. */
    private final List<String> observed = new ArrayList<>();
    /** For int8: the scale of each dequantized activation, by its tensor name. */
    private final java.util.Map<String, Float> scaleOf = new java.util.HashMap<>();
    private final List<Pb> nodes = new ArrayList<>();
    /** The initializers in graph order; their values are computed only when written. */
    private final List<Initializer> initializers = new ArrayList<>();

    /** ONNX TensorProto data types used here. */
    private static final int UINT8 = 2;
    private static final int INT8 = 3;
    private static final int INT32 = 6;

    /**
     * A TensorProto to be written: its name, dims, data type and a way to compute its raw
     * little-endian bytes.
     */
    private record Initializer(String name, long[] dims, int dataType, Supplier<byte[]> raw) {
        long count() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        long byteCount() {
            return count() * (dataType == FLOAT || dataType == INT32 ? 4 : 1);
        }

        /** TensorProto fields before the raw data: dims, data_type, name, raw_data's tag and length. */
        byte[] header() {
            Pb h = new Pb();
            for (long d : dims) {
                h.varintField(1, d);
            }
            h.varintField(2, dataType);
            h.string(8, name);
            h.tag(9, 2);
            h.varint(byteCount());
            return h.bytes();
        }
    }

    private int counter;

    private OnnxExport(Function<String, float[]> values, Settings settings) {
        this.values = values;
        this.settings = settings;
    }

    /** The ONNX model of a live network's current weights and statistics, in memory. */
    public static byte[] export(ResNet net) {
        return export(InferencePlan.of(net), InferencePlan.valuesOf(net));
    }

    /**
     * The ONNX model of {@code plan} with the values {@code values} returns for each state_dict key
     * ({@code conv1.weight}, {@code layer1.0.bn1.running_var}, ...), in memory.
     *
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    public static byte[] export(InferencePlan plan, Function<String, float[]> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(plan, values, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Streams the ONNX model to {@code out} (not closed), folding each layer as it is written.
     *
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    public static void write(InferencePlan plan, Function<String, float[]> values, OutputStream out) throws IOException {
        write(plan, values, Settings.engine(), out);
    }

    /**
     * Streams the ONNX model to {@code out} (not closed) as {@code settings} say.
     *
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    public static void write(InferencePlan plan, Function<String, float[]> values, Settings settings, OutputStream out)
            throws IOException {
        OnnxExport e = new OnnxExport(values, settings);
        e.build(plan);
        e.writeModel(plan.config(), out);
    }

    private void build(InferencePlan plan) {
        String x = conv(plan.stem(), act(INPUT));
        if (plan.maxPool()) {
            x = act(node("MaxPool", new String[] {x}, ints("kernel_shape", 3, 3), ints("strides", 2, 2),
                    ints("pads", 1, 1, 1, 1)));
        }
        for (InferencePlan.Block block : plan.blocks()) {
            x = block(block, x);
        }
        String pooled = node("GlobalAveragePool", new String[] {x});
        nodes.add(node("Flatten", new String[] {pooled}, new String[] {FEATURES}, intAttr("axis", 1)));
        InferencePlan.Head fc = plan.head();
        String w = initializer(fc.key() + ".weight", new long[] {fc.out(), fc.in()}, () -> fc.weight(values));
        String b = initializer(fc.key() + ".bias", new long[] {fc.out()}, () -> fc.bias(values));
        nodes.add(node("Gemm", new String[] {FEATURES, w, b}, new String[] {LOGITS}, intAttr("transB", 1)));
        if (settings.temperature() != null) {
            double t = settings.temperature();
            String temperature = initializer("temperature", new long[0], () -> new float[] {(float) t});
            String scaled = node("Div", new String[] {LOGITS, temperature});
            nodes.add(node("Softmax", new String[] {scaled}, new String[] {PROBABILITIES}, intAttr("axis", 1)));
        }
    }

    /**
     * ModelProto: ir_version, producer, opset, then the graph, whose length is known up front from
     * the shapes, so the weights can follow without being held.
     */
    private void writeModel(ResNetConfig config, OutputStream sink) throws IOException {
        Pb small = new Pb();
        nodes.forEach(n -> small.message(1, n));
        small.string(2, "resnet");
        Object batch = settings.dynamicBatch() ? "N" : (Object) 1L;
        Object height = settings.size() > 0 ? (Object) (long) settings.size() : "H";
        Object width = settings.size() > 0 ? (Object) (long) settings.size() : "W";
        small.message(11, valueInfo(INPUT, batch, 3L, height, width));
        small.message(12, valueInfo(FEATURES, batch, (long) config.featureDim()));
        small.message(12, valueInfo(LOGITS, batch, (long) config.numClasses()));
        if (settings.temperature() != null) {
            small.message(12, valueInfo(PROBABILITIES, batch, (long) config.numClasses()));
        }
        if (settings.activations() instanceof Observe) {
            for (String t : observed) {
                // A float tensor of unstated shape.
                small.message(12, new Pb().string(1, t).message(2, new Pb().message(1, new Pb().varintField(1, FLOAT))));
            }
        }
        byte[] smallBytes = small.bytes();
        List<byte[]> headers = new ArrayList<>();
        long graphLength = smallBytes.length;
        for (Initializer init : initializers) {
            byte[] h = init.header();
            headers.add(h);
            long tensorLength = h.length + init.byteCount();
            graphLength += varintSize(5L << 3 | 2) + varintSize(tensorLength) + tensorLength;
        }
        // IR 7 goes with opsets up to 15, IR 8 with 16 and 17.
        Pb head = new Pb().varintField(1, settings.opset() <= 15 ? 7 : 8).string(2, "ferry")
                .message(8, new Pb().string(1, "").varintField(2, settings.opset()));
        head.tag(7, 2);
        head.varint(graphLength);
        OutputStream out = new BufferedOutputStream(sink, 1 << 16);
        out.write(head.bytes());
        out.write(smallBytes);
        for (int i = 0; i < initializers.size(); i++) {
            Initializer init = initializers.get(i);
            byte[] h = headers.get(i);
            Pb field = new Pb();
            field.tag(5, 2);
            field.varint(h.length + init.byteCount());
            out.write(field.bytes());
            out.write(h);
            byte[] raw = init.raw().get();
            if (raw.length != init.byteCount()) {
                throw new IllegalStateException(init.name() + ": " + raw.length + " bytes for " + init.byteCount());
            }
            out.write(raw);
        }
        // ModelProto.metadata_props (14), after the graph: field order is free in protobuf.
        Pb meta = new Pb();
        settings.metadata().forEach((k, v) -> meta.message(14, new Pb().string(1, k).string(2, v)));
        out.write(meta.bytes());
        out.flush();
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** {@code relu(branch(x) + shortcut(x))}. */
    private String block(InferencePlan.Block block, String x) {
        String y = x;
        for (InferencePlan.Conv c : block.branch()) {
            y = conv(c, y);
        }
        String identity = block.identity() ? x : conv(block.shortcut(), x);
        return act(node("Relu", new String[] {node("Add", new String[] {y, identity})}));
    }

    /** A folded convolution, with ReLU when the plan says so; returns the output name. */
    private String conv(InferencePlan.Conv c, String x) {
        int p = c.padding();
        Pb[] attrs = c.groups() == 1
                ? new Pb[] {ints("kernel_shape", c.kernel(), c.kernel()), ints("strides", c.stride(), c.stride()), ints("pads", p, p, p, p)}
                : new Pb[] {ints("kernel_shape", c.kernel(), c.kernel()), ints("strides", c.stride(), c.stride()), ints("pads", p, p, p, p),
                        intAttr("group", c.groups())};
        long[] wDims = {c.out(), c.inPerGroup(), c.kernel(), c.kernel()};
        String y;
        if (settings.activations() instanceof Int8) {
            y = int8Conv(c, x, attrs, wDims);
            return act(c.relu() ? node("Relu", new String[] {y}) : y);
        }
        if (settings.foldBn()) {
            // Folded when written: weight first, then the bias (the order initializers are written in).
            InferencePlan.Folded[] folded = new InferencePlan.Folded[1];
            String wName = initializer(c.conv() + ".weight", wDims, () -> {
                folded[0] = c.fold(values);
                return folded[0].weight();
            });
            String bName = initializer(c.bn() + ".bias.folded", new long[] {c.out()}, () -> {
                float[] b = folded[0].bias();
                folded[0] = null;
                return b;
            });
            y = node("Conv", new String[] {x, wName, bName}, attrs);
        } else {
            String wName = initializer(c.conv() + ".weight", wDims, () -> raw(c.conv() + ".weight", c.weightCount()));
            String conv = node("Conv", new String[] {x, wName}, attrs);
            String[] bn = new String[5];
            bn[0] = conv;
            String[] keys = {"weight", "bias", "running_mean", "running_var"};
            for (int i = 0; i < 4; i++) {
                String key = c.bn() + "." + keys[i];
                bn[i + 1] = initializer(key, new long[] {c.out()}, () -> raw(key, c.out()));
            }
            y = node("BatchNormalization", bn, floatAttr("epsilon", BatchNorm2d.EPS));
        }
        return act(c.relu() ? node("Relu", new String[] {y}) : y);
    }

    /**
     * A quantization point: with observation the tensor becomes an output too; with int8 it goes
     * through QuantizeLinear and DequantizeLinear over its calibrated range (uint8, the zero point
     * where 0 falls, so a ReLU before it is exact and ONNX Runtime drops it).
     */
    private String act(String t) {
        int k = observed.size();
        observed.add(t);
        if (!(settings.activations() instanceof Int8 q)) {
            return t;
        }
        if (k >= q.ranges().size()) {
            throw new IllegalArgumentException("int8: " + q.ranges().size() + " calibrated ranges for a network with more activations");
        }
        float lo = Math.min(0f, q.ranges().get(k)[0]);
        float hi = Math.max(0f, q.ranges().get(k)[1]);
        float scale = hi > lo ? (hi - lo) / 255f : 1e-8f;
        int zp = Math.max(0, Math.min(255, Math.round(-lo / scale)));
        String sName = rawInitializer("act" + k + ".scale", new long[0], FLOAT, () -> floats(scale));
        String zName = rawInitializer("act" + k + ".zero_point", new long[0], UINT8, () -> new byte[] {(byte) zp});
        String quantized = node("QuantizeLinear", new String[] {t, sName, zName});
        String dq = node("DequantizeLinear", new String[] {quantized, sName, zName});
        scaleOf.put(dq, scale);
        return dq;
    }

    /** A folded convolution on a dequantized input: int8 weights per channel, an int32 bias. */
    private String int8Conv(InferencePlan.Conv c, String x, Pb[] attrs, long[] wDims) {
        Float inputScale = scaleOf.get(x);
        if (inputScale == null) {
            throw new IllegalStateException("int8: " + c.conv() + " has no quantized input");
        }
        int out = c.out();
        float[] wScale = new float[out];
        InferencePlan.Folded[] folded = new InferencePlan.Folded[1];
        String w = rawInitializer(c.conv() + ".weight_quantized", wDims, INT8, () -> {
            folded[0] = c.fold(values);
            float[] fw = folded[0].weight();
            int per = fw.length / out;
            byte[] q = new byte[fw.length];
            for (int o = 0; o < out; o++) {
                float m = 0;
                for (int j = 0; j < per; j++) {
                    m = Math.max(m, Math.abs(fw[o * per + j]));
                }
                wScale[o] = m > 0 ? m / 127f : 1e-8f;
                for (int j = 0; j < per; j++) {
                    q[o * per + j] = (byte) Math.max(-127, Math.min(127, Math.round(fw[o * per + j] / wScale[o])));
                }
            }
            return q;
        });
        String ws = rawInitializer(c.conv() + ".weight_scale", new long[] {out}, FLOAT, () -> floats(wScale));
        String wz = rawInitializer(c.conv() + ".weight_zero_point", new long[] {out}, INT8, () -> new byte[out]);
        String b = rawInitializer(c.bn() + ".bias_quantized", new long[] {out}, INT32, () -> {
            float[] fb = folded[0].bias();
            folded[0] = null;
            ByteBuffer bb = ByteBuffer.allocate(out * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int o = 0; o < out; o++) {
                bb.putInt((int) Math.max(Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE,
                        Math.round((double) fb[o] / ((double) inputScale * wScale[o])))));
            }
            return bb.array();
        });
        String bs = rawInitializer(c.bn() + ".bias_scale", new long[] {out}, FLOAT, () -> {
            float[] v = new float[out];
            for (int o = 0; o < out; o++) {
                v[o] = inputScale * wScale[o];
            }
            return floats(v);
        });
        String bz = rawInitializer(c.bn() + ".bias_zero_point", new long[] {out}, INT32, () -> new byte[out * 4]);
        String wdq = node("DequantizeLinear", new String[] {w, ws, wz}, intAttr("axis", 0));
        String bdq = node("DequantizeLinear", new String[] {b, bs, bz}, intAttr("axis", 0));
        return node("Conv", new String[] {x, wdq, bdq}, attrs);
    }

    private static byte[] floats(float... v) {
        ByteBuffer raw = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(v);
        return raw.array();
    }

    /**
     * The names of the quantization points of {@code plan}, in order: the outputs an export with
     * {@link Observe} adds, and the activations {@link Int8#ranges()} are given for.
     */
    public static List<String> observedOutputs(InferencePlan plan) {
        OnnxExport e = new OnnxExport(name -> null, Settings.engine().observing());
        e.build(plan);
        return List.copyOf(e.observed);
    }

    /** A state_dict value as it is, checked for its length. */
    private float[] raw(String key, long count) {
        float[] v = values.apply(key);
        if (v == null || v.length != count) {
            throw new IllegalArgumentException(key + ": " + (v == null ? "missing" : v.length + " values for " + count));
        }
        return v;
    }

    /** Registers a float initializer whose values are computed when the model is written. */
    private String initializer(String name, long[] dims, Supplier<float[]> values) {
        long count = new Initializer(name, dims, FLOAT, null).count();
        initializers.add(new Initializer(name, dims, FLOAT, () -> {
            float[] v = values.get();
            if (v.length != count) {
                throw new IllegalStateException(name + ": " + v.length + " values for " + count);
            }
            ByteBuffer raw = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(v);
            return raw.array();
        }));
        return name;
    }

    /** Registers an initializer of another data type, its bytes computed when written. */
    private String rawInitializer(String name, long[] dims, int dataType, Supplier<byte[]> raw) {
        initializers.add(new Initializer(name, dims, dataType, raw));
        return name;
    }

    /** Adds a node with one fresh output and returns the output's name. */
    private String node(String op, String[] inputs, Pb... attributes) {
        String out = op.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
        nodes.add(node(op, inputs, new String[] {out}, attributes));
        return out;
    }

    private static Pb node(String op, String[] inputs, String[] outputs, Pb... attributes) {
        Pb n = new Pb();
        for (String s : inputs) {
            n.string(1, s);
        }
        for (String s : outputs) {
            n.string(2, s);
        }
        n.string(4, op);
        for (Pb a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    /** An INTS attribute (AttributeProto type 7). */
    private static Pb ints(String name, long... v) {
        Pb a = new Pb().string(1, name).varintField(20, 7);
        for (long x : v) {
            a.varintField(8, x);
        }
        return a;
    }

    /** An INT attribute (AttributeProto type 2). */
    private static Pb intAttr(String name, long v) {
        return new Pb().string(1, name).varintField(20, 2).varintField(3, v);
    }

    /** A FLOAT attribute (AttributeProto type 1). */
    private static Pb floatAttr(String name, float v) {
        Pb a = new Pb().string(1, name).varintField(20, 1);
        a.tag(2, 5);
        int bits = Float.floatToIntBits(v);
        for (int i = 0; i < 4; i++) {
            a.out.write((bits >>> (8 * i)) & 0xFF);
        }
        return a;
    }

    /** A float tensor's ValueInfoProto; a String dimension is symbolic, a Long fixed. */
    private static Pb valueInfo(String name, Object... dims) {
        Pb shape = new Pb();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new Pb().string(2, s) : new Pb().varintField(1, (Long) d));
        }
        Pb tensorType = new Pb().varintField(1, FLOAT).message(2, shape);
        return new Pb().string(1, name).message(2, new Pb().message(1, tensorType));
    }

    /** Protobuf wire format, the parts ONNX needs: varints and length-delimited fields. */
    static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void tag(int field, int wireType) {
            varint(((long) field << 3) | wireType);
        }

        Pb varintField(int field, long v) {
            tag(field, 0);
            varint(v);
            return this;
        }

        Pb bytesField(int field, byte[] v) {
            tag(field, 2);
            varint(v.length);
            out.write(v, 0, v.length);
            return this;
        }

        Pb string(int field, String v) {
            return bytesField(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Pb message(int field, Pb v) {
            return bytesField(field, v.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
