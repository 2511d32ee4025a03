package dev.ferry.platform;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.ferry.FerryException;

/**
 * The one place ferry touches DJL's global engine.
 *
 * <p>DJL reads its configuration from system properties when the engine first loads; ferry sets
 * them before that: {@code ai.djl.offline=true} (otherwise DJL tries to reach the network at engine
 * start, and ferry must never download anything it was not asked to) and the thread counts.
 * Properties a user set explicitly on the command line win.
 *
 * <p>Once libtorch has loaded, its own log drops to errors ({@link NativeLogging}): its warnings
 * ("AutoNonVariableTypeMode is deprecated", "Could not initialize NNPACK!") are about DJL's and
 * libtorch's internals and give a ferry user nothing to act on. {@code FERRY_NATIVE_WARNINGS=1}
 * keeps them.
 */
public final class Engines {
    /** DJL's PyTorch engine name. */
    public static final String ENGINE = "PyTorch";

    private Engines() {}

    /**
     * Configures DJL (offline; intra-op threads when {@code threads > 0}) and returns the engine.
     * Thread settings only take effect before the engine's first use in this process.
     */
    public static Engine engine(int threads) {
        setIfAbsent("ai.djl.offline", "true");
        if (threads > 0) {
            setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threads));
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        }
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new FerryException("cannot start the PyTorch engine (libtorch " + e.getMessage() + ")", e);
        }
        Quiet.ensure();
        return engine;
    }

    /** A new root manager on the PyTorch engine (configured as {@link #engine(int)} with defaults). */
    public static NDManager newManager() {
        return engine(0).newBaseManager();
    }

    /** Seeds libtorch's global generator, which every random initialiser and dropout draws from. */
    public static void seed(long seed) {
        engine(0).setRandomSeed((int) seed);
    }

    /** Once per process, right after libtorch has loaded and before its first operation. */
    private static final class Quiet {
        static {
            if (!"1".equals(System.getenv("FERRY_NATIVE_WARNINGS"))) {
                NativeLogging.errorsOnly();
            }
        }

        /** Nothing: calling it runs the class's initialiser, once. */
        static void ensure() {}
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
