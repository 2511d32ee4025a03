package dev.ferry.platform;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

/**
 * Versions fixed when ferry was built (from {@code dev/ferry/version.properties}, filled in by
 * Maven): ferry's own, and those of the native libraries it bundles.
 *
 * @param ferry       ferry's version
 * @param djl         DJL's version
 * @param libtorch    the bundled libtorch
 * @param onnxRuntime the bundled ONNX Runtime
 */
public record BuildInfo(String ferry, String djl, String libtorch, String onnxRuntime) {

    /**
     * oneDNN inside each libtorch release ferry has shipped with (libtorch links it statically and
     * exposes no call for its version; the pairs are from PyTorch's release notes and submodules).
     */
    private static final Map<String, String> ONEDNN = Map.of("2.7.1", "3.7.1");

    /** The versions of this build; "unknown" for any the resource lacks. */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/ferry/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // informational only: an unreadable resource reads as "unknown"
        }
        return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("djl", "unknown"),
                p.getProperty("libtorch", "unknown"), p.getProperty("onnxruntime", "unknown"));
    }

    /** The oneDNN version inside {@link #libtorch()}, or "unknown". */
    public String oneDnn() {
        return ONEDNN.getOrDefault(libtorch, "unknown");
    }
}
