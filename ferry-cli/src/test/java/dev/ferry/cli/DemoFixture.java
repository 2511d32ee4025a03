package dev.ferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The demo's shipped target images and pretrained network, unpacked for a test. */
final class DemoFixture {
    private DemoFixture() {}

    /**
     * Unpacks the entries of the demo's target images under {@code prefix} ({@code train/} or
     * {@code test/}) into {@code dir}, keeping their paths below the prefix when {@code strip}.
     */
    static void unpackImages(String prefix, Path dir, boolean strip) throws IOException {
        try (InputStream in = DemoFixture.class.getResourceAsStream("/dev/ferry/demo/fashion-target.zip");
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (!e.isDirectory() && e.getName().startsWith(prefix)) {
                    Path to = dir.resolve(strip ? e.getName().substring(prefix.length()) : e.getName());
                    Files.createDirectories(to.getParent());
                    Files.copy(zip, to);
                }
            }
        }
    }

    /** Copies the demo's pretrained network (model.json, model.safetensors) into {@code dir}. */
    static Path copyNetwork(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("model.json", "model.safetensors")) {
            try (InputStream in = DemoFixture.class.getResourceAsStream("/dev/ferry/demo/pretrained/" + f)) {
                Files.copy(in, dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
