package dev.ferry.platform;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * libtorch's own log level. Its C++ log (c10's {@code LOG} and {@code TORCH_WARN}) prints to the
 * process's standard error, filtered by the exported global {@code FLAGS_caffe2_log_level} (0 info,
 * 1 warning, 2 error, 3 fatal). libtorch reads {@code TORCH_CPP_LOG_LEVEL} only when Python
 * initialises it, so without Python the one handle is that global, set here through JNA in the
 * already loaded {@code libc10}.
 */
final class NativeLogging {
    private static final String FLAG = "FLAGS_caffe2_log_level";
    private static final int ERROR = 2;

    private NativeLogging() {}

    /**
     * Sets libtorch's level to errors only. Returns false, changing nothing, where that is not
     * possible (no {@code /proc/self/maps}, libc10 not loaded, the symbol absent): the warnings then
     * stay, which is noise, not a failure.
     */
    static boolean errorsOnly() {
        Optional<Path> c10 = loadedLibrary("libc10.");
        if (c10.isEmpty()) {
            return false;
        }
        try {
            Pointer level = NativeLibrary.getInstance(c10.get().toString()).getGlobalVariableAddress(FLAG);
            if (level.getInt(0) < ERROR) {
                level.setInt(0, ERROR);
            }
            return true;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    /** The file of a shared library this process has mapped whose name starts with {@code prefix}. */
    static Optional<Path> loadedLibrary(String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                Path p = Path.of(line.substring(slash).trim());
                if (p.getFileName() != null && p.getFileName().toString().startsWith(prefix)) {
                    return Optional.of(p);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Optional.empty();
    }
}
