package dev.ferry;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place ferry touches DJL's global engine.
 *
 * <p>DJL reads its configuration from system properties when the engine first loads; ferry sets
 * them before that: {@code ai.djl.offline=true} (otherwise DJL tries to reach the network at engine
 * start, and ferry must never download anything it was not asked to) and the thread counts.
 * Properties a user set explicitly on the command line win.
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
        try {
            return Engine.getEngine(ENGINE);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new FerryException("cannot start the PyTorch engine (libtorch " + e.getMessage() + ")", e);
        }
    }

    /** A new root manager on the PyTorch engine (configured as {@link #engine(int)} with defaults). */
    public static NDManager newManager() {
        return engine(0).newBaseManager();
    }

    /** Seeds libtorch's global generator, which every random initialiser and dropout draws from. */
    public static void seed(long seed) {
        engine(0).setRandomSeed((int) seed);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
