package dev.ferry.workflow;

import dev.ferry.data.BadImage;
import dev.ferry.data.Duplicates;
import dev.ferry.eval.Charts;
import dev.ferry.eval.GalleryItem;
import dev.ferry.eval.Report;
import dev.ferry.eval.Thumbnails;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@link Inspect.Result} as JSON-ready values, a few lines of text, and an HTML report. */
public final class InspectReport {
    /** Thumbnails at most in each of the report's galleries (the JSON lists everything). */
    public static final int GALLERY = 48;

    /** The map's file name next to the report. */
    public static final String MAP_PNG = "embedding_map.png";

    private static final int THUMB = 128;

    private InspectReport() {}

    /** Everything, as maps and lists for a JSON writer. */
    public static Map<String, Object> json(Inspect.Result r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("classes", r.classes());
        List<Object> splits = new ArrayList<>();
        for (Inspect.Split s : r.splits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("folder", s.folder().toString());
            m.put("images", s.images());
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (int c = 0; c < r.classes().size(); c++) {
                counts.put(r.classes().get(c), s.counts()[c]);
            }
            m.put("counts", counts);
            m.put("imbalance", s.imbalance());
            m.put("formats", s.formats());
            m.put("width", range(s.widths()));
            m.put("height", range(s.heights()));
            List<Object> bad = new ArrayList<>();
            for (BadImage b : s.unreadable()) {
                bad.add(Map.of("path", b.path().toString(), "kind", b.kind().name().toLowerCase(Locale.ROOT), "reason", b.reason()));
            }
            m.put("unreadable", bad);
            splits.add(m);
        }
        o.put("splits", splits);
        List<Object> exact = new ArrayList<>();
        for (Duplicates.Group g : r.exact()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sha256", g.sha256());
            m.put("acrossSplits", g.acrossSplits());
            m.put("images", g.images().stream().map(InspectReport::image).toList());
            exact.add(m);
        }
        o.put("exactDuplicates", exact);
        Map<String, Object> near = new LinkedHashMap<>();
        near.put("rule", "thumbprints (" + Duplicates.THUMBPRINT_SIDE + "x" + Duplicates.THUMBPRINT_SIDE
                + " luma, centred, unit length) correlating at least " + r.minCorrelation() + "; exact copies excluded");
        near.put("minCorrelation", r.minCorrelation());
        List<Object> pairs = new ArrayList<>();
        for (int p = 0; p < r.near().size(); p++) {
            Duplicates.Similar s = r.near().get(p);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", image(s.a()));
            m.put("b", image(s.b()));
            m.put("acrossSplits", s.acrossSplits());
            m.put("correlation", s.correlation());
            m.put("hashDistance", s.hashDistance());
            m.put("featureCosine", r.embedding() == null ? null : r.embedding().nearCosines()[p]);
            pairs.add(m);
        }
        near.put("pairs", pairs);
        o.put("nearDuplicates", near);
        Inspect.Embedding e = r.embedding();
        if (e == null) {
            o.put("labels", null);
            o.put("outliers", null);
            o.put("map", null);
            return o;
        }
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put("weights", e.weights());
        labels.put("method", "ridge probes on the backbone's features, " + e.folds()
                + " stratified folds over all splits; confident learning's estimate of the wrong labels, that many taken by margin");
        labels.put("probeAccuracy", e.probeAccuracy());
        labels.put("estimatedIssues", e.estimatedIssues());
        List<Object> suspects = new ArrayList<>();
        for (Inspect.Suspect s : e.suspects()) {
            Inspect.Image img = r.images().get(s.image());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("split", img.split());
            m.put("path", img.sample().path().toString());
            m.put("given", r.classes().get(s.given()));
            m.put("suggested", r.classes().get(s.suggested()));
            m.put("givenScore", s.givenScore());
            m.put("suggestedScore", s.suggestedScore());
            suspects.add(m);
        }
        labels.put("suspects", suspects);
        o.put("labels", labels);
        Map<String, Object> outliers = new LinkedHashMap<>();
        outliers.put("rule", "1 - cosine to the nearest class centroid above the upper quartile + " + Inspect.OUTLIER_FENCE_IQRS
                + " interquartile ranges");
        outliers.put("fence", e.outlierFence());
        List<Object> far = new ArrayList<>();
        for (Inspect.Outlier x : e.outliers()) {
            Inspect.Image img = r.images().get(x.image());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("split", img.split());
            m.put("path", img.sample().path().toString());
            m.put("label", r.classes().get(img.sample().label()));
            m.put("distance", x.distance());
            m.put("nearest", r.classes().get(x.nearest()));
            far.add(m);
        }
        outliers.put("images", far);
        o.put("outliers", outliers);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("method", "first two principal components of the z-scored features");
        map.put("explained", e.explained());
        List<Object> points = new ArrayList<>();
        for (int i = 0; i < r.images().size(); i++) {
            Inspect.Image img = r.images().get(i);
            points.add(List.of(img.split(), img.sample().path().toString(), r.classes().get(img.sample().label()), e.map()[2 * i],
                    e.map()[2 * i + 1]));
        }
        map.put("columns", List.of("split", "path", "label", "x", "y"));
        map.put("points", points);
        o.put("map", map);
        return o;
    }

    /** The few lines {@code ferry inspect} prints. */
    public static String text(Inspect.Result r) {
        StringBuilder sb = new StringBuilder();
        for (Inspect.Split s : r.splits()) {
            sb.append(String.format(Locale.ROOT, "%s: %d images in %d classes, largest/smallest class %.2f, %s, %s, %d unreadable%n",
                    s.name(), s.images(), nonEmpty(s.counts()), s.imbalance(), formats(s.formats()), sizes(s), s.unreadable().size()));
        }
        sb.append(String.format(Locale.ROOT, "exact duplicates: %d groups, %d across splits%n", r.exact().size(),
                r.exactAcrossSplits().size()));
        sb.append(String.format(Locale.ROOT, "near duplicates: %d pairs, %d across splits (thumbprint correlation >= %s)%n",
                r.near().size(), r.nearAcrossSplits().size(), r.minCorrelation()));
        Inspect.Embedding e = r.embedding();
        if (e != null) {
            sb.append(String.format(Locale.ROOT, "likely label errors: %d (out-of-fold probe accuracy %.4f)%n", e.suspects().size(),
                    e.probeAccuracy()));
            sb.append(String.format(Locale.ROOT, "outliers: %d%n", e.outliers().size()));
        }
        return sb.toString();
    }

    /** The HTML report's content; the map's PNG goes in as a chart section. */
    public static Report report(Inspect.Result r) {
        Report.Builder b = Report.builder("ferry inspect: " + r.splits().get(0).folder());
        Map<String, String> summary = new LinkedHashMap<>();
        for (Inspect.Split s : r.splits()) {
            summary.put(s.name(), String.format(Locale.ROOT, "%s: %d images, largest/smallest class %.2f, %s, %s, %d unreadable",
                    s.folder(), s.images(), s.imbalance(), formats(s.formats()), sizes(s), s.unreadable().size()));
        }
        summary.put("exact duplicates", r.exact().size() + " groups, " + r.exactAcrossSplits().size() + " across splits");
        summary.put("near duplicates", r.near().size() + " pairs, " + r.nearAcrossSplits().size() + " across splits (thumbprint correlation >= "
                + r.minCorrelation() + ")");
        Inspect.Embedding e = r.embedding();
        if (e != null) {
            summary.put("backbone", e.weights() + " (" + e.dim() + " features)");
            summary.put("likely label errors", e.suspects().size() + String.format(Locale.ROOT,
                    " (out-of-fold probe accuracy %.4f over %d folds)", e.probeAccuracy(), e.folds()));
            summary.put("outliers", Integer.toString(e.outliers().size()));
        } else {
            summary.put("label errors, outliers, map", "need a backbone (weights)");
        }
        b.summary("Summary", summary);
        b.text("Images per class", countTable(r));
        List<String> unreadable = new ArrayList<>();
        r.splits().forEach(s -> s.unreadable().forEach(x -> unreadable.add(s.name() + ": " + x)));
        if (!unreadable.isEmpty()) {
            b.text("Unreadable files", String.join("\n", unreadable));
        }
        if (!r.exact().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (Duplicates.Group g : r.exact()) {
                sb.append(g.acrossSplits() ? "ACROSS SPLITS  " : "").append(g.sha256(), 0, 12).append(": ");
                sb.append(String.join(", ", g.images().stream().map(i -> i.split() + ":" + i.path()).toList())).append('\n');
            }
            b.text("Exact duplicates (same bytes)", sb.toString());
        }
        List<GalleryItem> pairs = new ArrayList<>();
        for (Duplicates.Similar s : r.near()) {
            if (pairs.size() == GALLERY) {
                break;
            }
            pairs.add(new GalleryItem(s.a().path().getFileName() + " / " + s.b().path().getFileName(), Thumbnails.png(s.a().path(), THUMB),
                    where(s.a()), where(s.b()), s.correlation(), Thumbnails.png(s.b().path(), THUMB)));
        }
        if (!pairs.isEmpty()) {
            b.gallery("Near duplicates, most alike first (" + r.near().size() + ", " + r.nearAcrossSplits().size() + " across splits)", pairs,
                    new Report.Captions("left", "right (correlation)", "", "near copy:"));
        }
        if (e != null) {
            List<GalleryItem> suspects = new ArrayList<>();
            for (Inspect.Suspect s : e.suspects()) {
                if (suspects.size() == GALLERY) {
                    break;
                }
                Inspect.Image img = r.images().get(s.image());
                suspects.add(new GalleryItem(img.split() + ": " + img.sample().path().getFileName(), Thumbnails.png(img.sample().path(), THUMB),
                        r.classes().get(s.given()), r.classes().get(s.suggested()), s.suggestedScore()));
            }
            b.gallery("Likely label errors, most suspicious first (" + e.suspects().size() + ")", suspects,
                    new Report.Captions("labelled", "looks like (probe score)", "", ""));
            List<GalleryItem> far = new ArrayList<>();
            for (Inspect.Outlier x : e.outliers()) {
                if (far.size() == GALLERY) {
                    break;
                }
                Inspect.Image img = r.images().get(x.image());
                far.add(new GalleryItem(img.split() + ": " + img.sample().path().getFileName(), Thumbnails.png(img.sample().path(), THUMB),
                        r.classes().get(img.sample().label()), r.classes().get(x.nearest()), 1 - x.distance()));
            }
            b.gallery("Outliers, farthest from every class first (" + e.outliers().size() + ")", far,
                    new Report.Captions("labelled", "nearest class (cosine)", "", ""));
            int[] labels = r.images().stream().mapToInt(i -> i.sample().label()).toArray();
            String[] axes = {
                String.format(Locale.ROOT, "first principal component (%.1f%% of the variance)", 100 * e.explained()[0]),
                e.explained().length > 1 ? String.format(Locale.ROOT, "second principal component (%.1f%%)", 100 * e.explained()[1]) : "",
            };
            double[] coords = e.map().length == 2 * labels.length ? e.map() : widen(e.map());
            b.chart("Map of the images", MAP_PNG, Charts.embeddingMap(coords, labels, r.classes(), axes),
                    "each image at its features' first two principal components, coloured by its folder's class");
        }
        return b.build();
    }

    private static double[] widen(double[] oneColumn) {
        double[] out = new double[2 * oneColumn.length];
        for (int i = 0; i < oneColumn.length; i++) {
            out[2 * i] = oneColumn[i];
        }
        return out;
    }

    private static String where(Duplicates.Image i) {
        Path parent = i.path().getParent();
        return i.split() + "/" + (parent == null ? "" : parent.getFileName());
    }

    private static String countTable(Inspect.Result r) {
        StringBuilder sb = new StringBuilder();
        int width = r.classes().stream().mapToInt(String::length).max().orElse(5);
        sb.append(String.format(Locale.ROOT, "%-" + width + "s", "class"));
        r.splits().forEach(s -> sb.append(String.format(Locale.ROOT, " %8s", s.name())));
        sb.append('\n');
        for (int c = 0; c < r.classes().size(); c++) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s", r.classes().get(c)));
            for (Inspect.Split s : r.splits()) {
                sb.append(String.format(Locale.ROOT, " %8d", s.counts()[c]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static Map<String, Object> image(Duplicates.Image i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("split", i.split());
        m.put("path", i.path().toString());
        return m;
    }

    private static Map<String, Integer> range(int[] v) {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("min", v[0]);
        m.put("median", v[1]);
        m.put("max", v[2]);
        return m;
    }

    private static int nonEmpty(int[] counts) {
        int n = 0;
        for (int c : counts) {
            n += c > 0 ? 1 : 0;
        }
        return n;
    }

    private static String formats(Map<String, Integer> formats) {
        List<String> parts = new ArrayList<>();
        formats.forEach((f, n) -> parts.add(f + " " + n));
        return parts.isEmpty() ? "no images" : String.join(", ", parts);
    }

    private static String sizes(Inspect.Split s) {
        return String.format(Locale.ROOT, "width %d..%d (median %d), height %d..%d (median %d)", s.widths()[0], s.widths()[2], s.widths()[1],
                s.heights()[0], s.heights()[2], s.heights()[1]);
    }
}
