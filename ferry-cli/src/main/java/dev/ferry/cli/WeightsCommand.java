package dev.ferry.cli;

import com.google.gson.GsonBuilder;
import dev.ferry.platform.FileDigest;
import dev.ferry.weights.HubCache;
import dev.ferry.weights.HubReference;
import dev.ferry.weights.HubWeights;
import dev.ferry.weights.KnownWeights;
import dev.ferry.weights.WeightsCache;
import dev.ferry.weights.WeightsInventory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry weights list|fetch|verify}: the known pretrained weights and the local cache. */
@Command(
        name = "weights",
        mixinStandardHelpOptions = true,
        description = "The known pretrained weights and the cache that holds them.",
        subcommands = {WeightsCommand.ListCommand.class, WeightsCommand.FetchCommand.class, WeightsCommand.VerifyCommand.class})
public final class WeightsCommand extends FerryCommand {

    @Override
    protected int run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, fetch or verify");
    }

    /** The cache option every subcommand has. */
    static final class CacheOption {
        @Option(names = "--cache", paramLabel = "DIR",
                description = "Cache folder (default: $FERRY_CACHE, else ~/.cache/ferry).")
        Path cache;

        WeightsCache open(java.io.PrintStream progress) {
            Path dir = cache != null ? cache : WeightsCache.defaultDirectory(System.getenv(), System.getProperty("user.home"));
            return new WeightsCache(dir, progress);
        }

        HubCache hub(java.io.PrintStream progress) {
            return new HubCache(open(progress), HubCache.endpoint(System.getenv()));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every known weights entry: network, parameters, GMACs at its crop, ImageNet top-1/top-5, preset, size, cached.")
    static final class ListCommand extends FerryCommand {
        @CommandLine.Mixin
        CacheOption cache = new CacheOption();

        @CommandLine.Mixin
        JsonOption json = new JsonOption();

        @Override
        protected int run() {
            List<WeightsInventory.Entry> entries = WeightsInventory.list(cache.hub(log()));
            PrintWriter out = out();
            if (json.on()) {
                out.println(new GsonBuilder().create().toJson(Map.of("weights", entries)));
                return OK;
            }
            String fmt = "%-34s %-17s %8s %7s %7s %7s %-17s %10s %s%n";
            out.printf(Locale.ROOT, fmt, "name", "arch", "params", "GMACs", "top-1", "top-5", "preset", "size", "cached");
            for (WeightsInventory.Entry e : entries) {
                out.printf(Locale.ROOT, fmt, e.name(), e.arch(), String.format(Locale.ROOT, "%.1fM", e.params() / 1e6),
                        String.format(Locale.ROOT, "%.2f", e.gmacs()), String.format(Locale.ROOT, "%.3f", e.acc1()),
                        String.format(Locale.ROOT, "%.3f", e.acc5()), e.preset(),
                        String.format(Locale.ROOT, e.cached() ? "%.1f MB" : "~%.1f MB", e.bytes() / 1e6), e.cached() ? "yes" : "no");
            }
            return OK;
        }
    }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download known weights into the cache (verified against their hash) and print where they are.")
    static final class FetchCommand extends FerryCommand {
        @Parameters(paramLabel = "NAME", description = "A known name, e.g. resnet50.IMAGENET1K_V2 (see ferry weights list), "
                + "or a hub repository, e.g. hf-hub:timm/resnet50.a1_in1k[@REVISION].")
        String name;

        @CommandLine.Mixin
        CacheOption cache = new CacheOption();

        @CommandLine.Mixin
        JsonOption json = new JsonOption();

        @Override
        protected int run() throws Exception {
            String shown;
            Path file;
            String digest;
            String commit = null;
            if (HubReference.isHub(name) || HubWeights.find(name) != null) {
                HubWeights known = HubWeights.find(name);
                HubReference ref = HubReference.isHub(name) ? HubReference.parse(name) : known.reference();
                String pin = known != null && ref.revision().equals(known.reference().revision()) ? known.sha256() : null;
                HubCache.HubFiles files = cache.hub(log()).resolve(ref, pin);
                // The network must be one ferry builds, with exactly its keys: checked before it is kept.
                shown = ref.spec();
                file = files.weights();
                digest = files.sha256();
                commit = files.commit();
            } else {
                KnownWeights known = KnownWeights.parse(name);
                file = cache.open(log()).resolve(known);
                shown = known.displayName();
                digest = FileDigest.sha256(file);
            }
            long size = Files.size(file);
            if (json.on()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("name", shown);
                o.put("path", file.toString());
                o.put("bytes", size);
                o.put("sha256", digest);
                if (commit != null) {
                    o.put("commit", commit);
                }
                out().println(new GsonBuilder().create().toJson(o));
            } else {
                out().printf(Locale.ROOT, "%s%n%s: %,d bytes, sha256 %s%s%n", file, shown, size, digest,
                        commit != null ? ", commit " + commit : "");
            }
            return OK;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Hash every cached weights file and check it against the hash it must have; exit 1 on a mismatch.")
    static final class VerifyCommand extends FerryCommand {
        @CommandLine.Mixin
        CacheOption cache = new CacheOption();

        @CommandLine.Mixin
        JsonOption json = new JsonOption();

        @Override
        protected int run() {
            List<WeightsInventory.Check> checks = WeightsInventory.verify(cache.open(log()));
            boolean bad = checks.stream().anyMatch(c -> c.status() == WeightsInventory.Status.MISMATCH);
            if (json.on()) {
                out().println(new GsonBuilder().create().toJson(Map.of("files", checks, "ok", !bad)));
            } else {
                for (WeightsInventory.Check c : checks) {
                    out().printf(Locale.ROOT, "%-8s %s%s%n", c.status().name().toLowerCase(Locale.ROOT), c.path(),
                            c.status() == WeightsInventory.Status.MISMATCH
                                    ? " (sha256 " + c.sha256() + (c.expectedPrefix().length() == 64 ? " is not " : " does not start with ")
                                            + c.expectedPrefix() + "; delete it and fetch it again)"
                                    : c.status() == WeightsInventory.Status.UNKNOWN ? " (not a known file; sha256 " + c.sha256() + ")" : "");
                }
                if (checks.isEmpty()) {
                    err().println("ferry: the cache holds no weights files");
                }
            }
            return bad ? FAILED : OK;
        }
    }
}
