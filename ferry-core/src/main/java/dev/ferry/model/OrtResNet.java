package dev.ferry.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ferry.FerryException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A ResNet for inference on ONNX Runtime: the network exported by {@link OnnxExport} (BatchNorm
 * folded into the convolutions) and run on ONNX Runtime's CPU kernels.
 *
 * <p>Why a second engine: libtorch's eager operators run one at a time, each its own pass over
 * memory and its own parallel region, and DJL offers no way to fuse them. ONNX Runtime fuses
 * convolution, bias, residual addition and ReLU into one kernel and keeps activations in its
 * blocked layout between convolutions. On ResNet-50, batch 16, it measured about 1.3x the speed of
 * the folded channels-last libtorch network ({@link FusedResNet}) on one thread and 1.9x on two
 * threads of a loaded machine (where every extra parallel region waits for a descheduled thread),
 * with logits equal to about 1e-6 relative. Training stays on libtorch.
 *
 * <p>The session is a snapshot of the weights it was built from. Inputs and outputs are host
 * arrays, so inference needs no NDArray at all; a process that only predicts need not start
 * libtorch. Not for concurrent use from several threads. Close it to free the native session.
 */
public final class OrtResNet implements InferenceNetwork {
    /**
     * The most images one session run takes; a larger batch runs as several. Activation memory
     * grows with the images in a run while the speed does not: ResNet-50 on two threads measured
     * 38-39 images/s at 4, 8, 16 and 32 images per run, and peak memory 658 MB at 8 against 890 MB
     * at 32. The results are the same function of each image whatever the split.
     */
    static final int CHUNK = 8;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ResNetConfig config;
    /**
     * The input staging buffer, reused across calls. ONNX Runtime reads a direct buffer in place but
     * copies a heap array into a fresh direct buffer on every call, and those are only freed when
     * the garbage collector gets round to them: 9.6 MB per ResNet batch of 16 piling up in memory.
     */
    private FloatBuffer staging;

    private OrtResNet(OrtEnvironment env, OrtSession session, ResNetConfig config) {
        this.env = env;
        this.session = session;
        this.config = config;
    }

    /**
     * The network's current weights and statistics, with {@code threads} intra-op threads that
     * sleep while waiting for work (see {@link #of(ResNet, Function, int, boolean)}).
     */
    public static OrtResNet of(ResNet net, int threads) {
        return of(InferencePlan.of(net), InferencePlan.valuesOf(net), threads, false);
    }

    /**
     * {@code plan} with the values {@code values} returns for each torchvision state_dict key, e.g.
     * read from a weights file.
     *
     * <p>{@code spinWait}: whether ONNX Runtime's worker threads spin between operators instead of
     * sleeping. Spinning is about 5% faster when nothing else needs the cores (ResNet-50, batch
     * 16, two threads) but takes them from whatever runs alongside: ferry's prediction, evaluation
     * and feature caching decode the next images on worker threads meanwhile, and folder prediction
     * measured 12% faster with sleeping threads (24.0 against 21.3 images/s). So ferry's pipelines
     * sleep; only inference on images already in memory should spin.
     *
     * @throws IllegalArgumentException if a value is missing or has the wrong length
     */
    public static OrtResNet of(InferencePlan plan, Function<String, float[]> values, int threads, boolean spinWait) {
        // Through a temporary file rather than a byte array: the exporter streams one layer at a
        // time, and ONNX Runtime loading from a file peaked about 120 MB lower for ResNet-50 than
        // loading the same model from memory, with no 100 MB array on the Java heap either.
        Path file = null;
        try {
            file = Files.createTempFile("ferry-", ".onnx");
            try (OutputStream out = Files.newOutputStream(file)) {
                OnnxExport.write(plan, values, out);
            }
            if (values instanceof HostValues host) {
                // The session reads the file; the weights on the Java heap are no longer needed.
                // Collecting them now, before ONNX Runtime allocates its own copy, lets the heap
                // give their pages back instead of holding them as garbage beside the session.
                host.release();
                System.gc();
            }
            return create(file, plan.config(), threads, spinWait);
        } catch (IOException e) {
            throw new FerryException("cannot write the exported network to a temporary file (" + e.getMessage() + ")", e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // The session no longer needs the file; a leftover in the temp folder is harmless.
                }
            }
        }
    }

    /**
     * A network ONNX Runtime loads from a file ferry wrote with the same input and outputs (an
     * int8 export), with sleeping intra-op threads.
     */
    public static OrtResNet load(Path model, ResNetConfig config, int threads) {
        return create(model, config, threads, false);
    }

    private static OrtResNet create(Path model, ResNetConfig config, int threads, boolean spinWait) {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                options.setIntraOpNumThreads(Math.max(1, threads));
                // One graph, run node after node: an inter-op pool would only sit idle.
                options.setInterOpNumThreads(1);
                options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                // ONNX Runtime's own arena for activations, without a per-shape memory plan. In a
                // process that does not load libtorch (folder prediction of 160 JPEGs, ResNet-50,
                // two threads) the arena measured both faster and smaller than plain malloc: peak
                // RSS 1,040-1,058 MB against 1,158-1,289 MB, 7.6-7.9 s against 7.7-8.4 s, because
                // malloc kept every run's freed activations in per-thread heaps. The memory plan
                // adds a block per input shape on top (858 MB against 680 MB, batch 16).
                options.setCPUArenaAllocator(true);
                options.setMemoryPatternOptimization(false);
                options.addConfigEntry("session.intra_op.allow_spinning", spinWait ? "1" : "0");
                return new OrtResNet(env, env.createSession(model.toString(), options), config);
            }
        } catch (OrtException e) {
            throw new FerryException("ONNX Runtime rejected the exported network (" + e.getMessage() + ")", e);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new FerryException("cannot load ONNX Runtime's native library (" + e.getMessage() + ")", e);
        }
    }

    /** The structure the network was exported from. */
    public ResNetConfig config() {
        return config;
    }

    /**
     * Logits of {@code n} normalised images (N x 3 x H x W, row-major) as N x classes, row-major.
     */
    @Override
    public float[] forward(float[] images, int n, int height, int width) {
        return run(OnnxExport.LOGITS, images, n, height, width);
    }

    /** The pooled backbone features of {@code n} images as N x featureDim, row-major. */
    @Override
    public float[] forwardFeatures(float[] images, int n, int height, int width) {
        return run(OnnxExport.FEATURES, images, n, height, width);
    }

    private float[] run(String output, float[] images, int n, int height, int width) {
        long expected = (long) n * 3 * height * width;
        if (images.length < expected) {
            throw new IllegalArgumentException("need " + expected + " floats for " + n + " images, got " + images.length);
        }
        int per = 3 * height * width;
        float[] out = null;
        int width1 = 0;
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            float[] part = runChunk(output, images, start * per, count, height, width);
            if (out == null) {
                width1 = part.length / count;
                out = new float[n * width1];
            }
            System.arraycopy(part, 0, out, start * width1, part.length);
        }
        return out == null ? new float[0] : out;
    }

    private float[] runChunk(String output, float[] images, int offset, int n, int height, int width) {
        int expected = n * 3 * height * width;
        if (staging == null || staging.capacity() < expected) {
            staging = ByteBuffer.allocateDirect(Math.multiplyExact(expected, Float.BYTES))
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        staging.clear();
        staging.put(images, offset, expected);
        staging.flip();
        try (OnnxTensor input = OnnxTensor.createTensor(env, staging, new long[] {n, 3, height, width});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input), Set.of(output))) {
            OnnxValue v = result.get(0);
            FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        } catch (OrtException e) {
            throw new FerryException("ONNX Runtime inference failed (" + e.getMessage() + ")", e);
        }
    }

    /** Frees the native session. */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new FerryException("closing the ONNX Runtime session failed (" + e.getMessage() + ")", e);
        }
    }
}
