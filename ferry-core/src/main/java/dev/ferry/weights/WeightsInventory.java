package dev.ferry.weights;

import ai.djl.ndarray.types.Shape;
import dev.ferry.FerryException;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.platform.FileDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What a user chooses weights by, and what the cache holds: every known entry with its cost,
 * accuracy and preprocessing ({@link #list}), and a check of every cached file against the hash it
 * must have ({@link #verify}). The values behind {@code ferry weights list|verify}.
 */
public final class WeightsInventory {
    private WeightsInventory() {}

    /**
     * One known weights entry.
     *
     * @param name the name users type, e.g. {@code resnet50.IMAGENET1K_V2}
     * @param arch the architecture, e.g. {@code resnet50}
     * @param params parameters
     * @param gmacs multiply-accumulates of one image at the preset's crop, in billions (what
     *     torchvision reports as GFLOPS)
     * @param acc1 ImageNet-1K top-1 in percent, as published
     * @param acc5 ImageNet-1K top-5 in percent, as published
     * @param preset the evaluation preprocessing, e.g. {@code bilinear 256/224}
     * @param bytes the cached file's size, or the float32 estimate (params x 4) when not cached
     * @param cached whether the cache holds the file
     * @param url where the file comes from
     * @param path where the cache keeps it
     */
    public record Entry(String name, String arch, long params, double gmacs, double acc1, double acc5, String preset,
                        long bytes, boolean cached, String url, String path) {}

    /**
     * Every known entry, torchvision's then the hub's, in declaration order, with its state in the
     * cache.
     */
    public static List<Entry> list(HubCache hub) {
        WeightsCache cache = hub.cache();
        List<Entry> out = new ArrayList<>();
        for (KnownWeights w : KnownWeights.values()) {
            Preset p = w.preset();
            long macs = ResNet.create(ResNetConfig.of(Architecture.parse(w.architecture()), w.numClasses()))
                    .macs(new Shape(1, 3, p.crop(), p.crop()));
            Path file = cache.pathFor(w);
            boolean cached = Files.isRegularFile(file);
            long bytes;
            try {
                bytes = cached ? Files.size(file) : w.numParams() * Float.BYTES;
            } catch (IOException e) {
                throw new FerryException("cannot read " + file + ": " + e.getMessage(), e);
            }
            out.add(new Entry(w.displayName(), w.architecture(), w.numParams(), macs / 1e9, w.acc1(), w.acc5(),
                    describe(p), bytes, cached, w.url().toString(), file.toString()));
        }
        for (HubWeights w : HubWeights.values()) {
            Preset p = w.preset();
            long macs = ResNet.create(ResNetConfig.of(Architecture.parse(w.architecture()), 1000))
                    .macs(new Shape(1, 3, p.crop(), p.crop()));
            Path file = hub.folderFor(w.reference()).resolve(HubCache.WEIGHTS);
            boolean cached = Files.isRegularFile(file);
            out.add(new Entry(w.displayName(), w.architecture(), w.numParams(), macs / 1e9, w.acc1(), w.acc5(),
                    describe(p), cached ? size(file) : w.numParams() * Float.BYTES, cached,
                    w.reference().fileUri(hub.endpoint(), HubCache.WEIGHTS).toString(), file.toString()));
        }
        return out;
    }

    private static String digest(Path file) {
        try {
            return FileDigest.sha256(file);
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A preset in a few characters: {@code bilinear 256/224}, or {@code bilinear 28} without a resize. */
    public static String describe(Preset p) {
        return p.interpolation().name().toLowerCase(Locale.ROOT) + " " + (p.resize() > 0 ? p.resize() + "/" : "") + p.crop();
    }

    /** What {@link #verify} found for one file. */
    public enum Status {
        /** The file's SHA-256 starts with the prefix in its known name (or equals its recorded or pinned hash). */
        OK,
        /** A known file whose content does not match its hash: delete it and fetch it again. */
        MISMATCH,
        /** Not a known file, or a hub download without a record: nothing to check it against. */
        UNKNOWN
    }

    /**
     * One cached file.
     *
     * @param path the file
     * @param name the known entry it is, or null
     * @param status the verdict
     * @param sha256 the file's SHA-256, computed now
     * @param expectedPrefix the prefix it must start with (a whole hash for a hub download), or null when unknown
     */
    public record Check(String path, String name, Status status, String sha256, String expectedPrefix) {}

    /**
     * Hashes every file of the cache's weights folder afresh (the stamps that spare later loads the
     * hashing are not trusted here: a file changed in place keeps its size and time only by accident,
     * and this is the command that looks). Hidden files (downloads in progress) and the stamps
     * themselves are skipped. Hub downloads ({@code weights/hf-hub/ORG--NAME/REVISION/}) are checked
     * against the hash recorded when they were fetched, or a known entry's pin.
     */
    public static List<Check> verify(WeightsCache cache) {
        Path folder = cache.directory().resolve("weights");
        List<Check> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".") && !f.getFileName().toString().endsWith(".sha256"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new FerryException("cannot list " + folder + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String digest = digest(f);
            KnownWeights known = null;
            for (KnownWeights w : KnownWeights.values()) {
                if (w.fileName().equals(f.getFileName().toString())) {
                    known = w;
                }
            }
            if (known == null) {
                out.add(new Check(f.toString(), null, Status.UNKNOWN, digest, null));
            } else {
                out.add(new Check(f.toString(), known.displayName(),
                        digest.startsWith(known.sha256Prefix()) ? Status.OK : Status.MISMATCH, digest, known.sha256Prefix()));
            }
        }
        out.addAll(verifyHub(folder.resolve("hf-hub")));
        return out;
    }

    private static List<Check> verifyHub(Path root) {
        List<Check> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.find(root, 3, (p, a) -> a.isRegularFile() && p.getFileName().toString().equals(HubCache.WEIGHTS))) {
            // Downloads in progress sit in hidden folders.
            files = s.filter(p -> !p.getParent().getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new FerryException("cannot list " + root + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String digest = digest(f);
            HubCache.Recorded r = HubCache.recorded(f.getParent());
            String name = r != null ? HubReference.PREFIX + r.repository() + "@" + r.revision()
                    : HubReference.PREFIX + f.getParent().getParent().getFileName().toString().replaceFirst("--", "/") + "@" + f.getParent().getFileName();
            HubWeights known = r == null ? null : HubWeights.find(HubReference.PREFIX + r.repository());
            String expected = known != null && known.sha256() != null && r.revision().equals(known.reference().revision())
                    ? known.sha256() : r != null ? r.sha256() : null;
            out.add(new Check(f.toString(), name, expected == null ? Status.UNKNOWN : digest.equals(expected) ? Status.OK : Status.MISMATCH,
                    digest, expected));
        }
        return out;
    }
}
