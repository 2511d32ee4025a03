package dev.ferry.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The content of an HTML report: a title and sections in order. {@link ReportWriter} renders it
 * to one self-contained {@code report.html}, with the chart PNGs also written alongside.
 *
 * <pre>{@code
 * Report report = Report.builder("ferry: flowers, resnet50 fine-tune")
 *         .summary("Run", Map.of("architecture", "resnet50", "epochs", "10"))
 *         .metrics("Test set", metrics)
 *         .chart("Learning curves", "learning-curves.png", Charts.learningCurves(epochs))
 *         .chart("Confusion matrix", "confusion-matrix.png", Charts.confusionMatrix(metrics))
 *         .gallery("Worst-classified test images", items)
 *         .build();
 * ReportWriter.write(report, outDir);
 * }</pre>
 *
 * @param title the page title and heading
 * @param sections the sections in display order; chart file names must be distinct
 */
public record Report(String title, List<Report.Section> sections) {
    /** Checks the arguments; chart file names must be unique since they become files in one folder. */
    public Report {
        Objects.requireNonNull(title, "title");
        sections = List.copyOf(sections);
        Set<String> files = new HashSet<>();
        for (Section s : sections) {
            if (s instanceof Chart c && !files.add(c.fileName())) {
                throw new IllegalArgumentException("report '" + title + "': chart file name '" + c.fileName()
                        + "' is used twice");
            }
        }
    }

    /**
     * A new builder.
     *
     * @param title the report title
     * @return an empty builder
     */
    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** The charts of the report, in order. */
    public List<Chart> charts() {
        return sections.stream().filter(Chart.class::isInstance).map(Chart.class::cast).toList();
    }

    /** A part of the report under its own heading. */
    public sealed interface Section permits Summary, Metrics, Chart, Text, Gallery {
        /** The section heading. */
        String heading();
    }

    /**
     * A two-column key/value table (run settings, dataset sizes, timings).
     *
     * @param heading the section heading
     * @param rows the rows, in the map's iteration order (use a {@link LinkedHashMap} to choose it)
     */
    public record Summary(String heading, Map<String, String> rows) implements Section {
        /** Checks the arguments and copies the rows, keeping their order. */
        public Summary {
            Objects.requireNonNull(heading, "heading");
            Map<String, String> copy = new LinkedHashMap<>();
            rows.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "summary key"), Objects.requireNonNull(v, "summary value")));
            rows = Collections.unmodifiableMap(copy);
        }
    }

    /**
     * Classification metrics, rendered by {@link MetricsHtml}.
     *
     * @param heading the section heading
     * @param metrics the metrics
     */
    public record Metrics(String heading, ClassificationMetrics metrics) implements Section {
        /** Checks the arguments. */
        public Metrics {
            Objects.requireNonNull(heading, "heading");
            Objects.requireNonNull(metrics, "metrics");
        }
    }

    /**
     * A chart, embedded in the page and also written as {@code fileName} next to it.
     *
     * @param heading the section heading, also the image's alt text
     * @param fileName the PNG's file name: letters, digits, '.', '_' or '-', ending in {@code .png}
     * @param png the PNG bytes (see {@link Charts}); copied in and out
     * @param caption text under the chart; empty for none
     */
    public record Chart(String heading, String fileName, byte[] png, String caption) implements Section {
        private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.png");

        /** Checks the arguments and copies the bytes. */
        public Chart {
            Objects.requireNonNull(heading, "heading");
            Objects.requireNonNull(fileName, "fileName");
            Objects.requireNonNull(png, "png");
            Objects.requireNonNull(caption, "caption");
            if (!FILE_NAME.matcher(fileName).matches()) {
                throw new IllegalArgumentException("chart '" + heading + "': file name '" + fileName
                        + "' must be letters, digits, '.', '_' or '-' and end in .png");
            }
            if (!ImageType.isPng(png)) {
                throw new IllegalArgumentException("chart '" + heading + "': the bytes for " + fileName + " are not a PNG");
            }
            png = png.clone();
        }

        /** A chart without a caption. */
        public Chart(String heading, String fileName, byte[] png) {
            this(heading, fileName, png, "");
        }

        /** A copy of the PNG bytes. */
        @Override
        public byte[] png() {
            return png.clone();
        }

        /** The bytes without a copy, for rendering inside the package. */
        byte[] pngBytes() {
            return png;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Chart c && heading.equals(c.heading) && fileName.equals(c.fileName)
                    && Arrays.equals(png, c.png) && caption.equals(c.caption);
        }

        @Override
        public int hashCode() {
            return Objects.hash(heading, fileName, Arrays.hashCode(png), caption);
        }

        @Override
        public String toString() {
            return "Chart[heading=" + heading + ", fileName=" + fileName + ", png=" + png.length + " bytes]";
        }
    }

    /**
     * Preformatted text (a command line, the text classification report), shown as-is in a
     * monospaced block.
     *
     * @param heading the section heading
     * @param text the text
     */
    public record Text(String heading, String text) implements Section {
        /** Checks the arguments. */
        public Text {
            Objects.requireNonNull(heading, "heading");
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A grid of thumbnails, typically the worst-classified samples from
     * {@link ClassificationMetrics#worst(int)}.
     *
     * @param heading the section heading
     * @param items the thumbnails in display order
     * @param captions the words of each item's caption
     */
    public record Gallery(String heading, List<GalleryItem> items, Captions captions) implements Section {
        /** Checks the arguments and copies the list. */
        public Gallery {
            Objects.requireNonNull(heading, "heading");
            Objects.requireNonNull(captions, "captions");
            items = List.copyOf(items);
        }

        /** A gallery of predictions ({@link Captions#PREDICTIONS}). */
        public Gallery(String heading, List<GalleryItem> items) {
            this(heading, items, Captions.PREDICTIONS);
        }
    }

    /**
     * What a gallery's captions call an item's two labels and its second image.
     *
     * @param trueLabel the word before {@link GalleryItem#trueLabel}
     * @param predictedLabel the word before {@link GalleryItem#predictedLabel} and its score
     * @param secondImage the note under an item with a second image ({@link GalleryItem#overlay})
     * @param secondImageAlt the second image's alternative text, before the item's label
     */
    public record Captions(String trueLabel, String predictedLabel, String secondImage, String secondImageAlt) {
        /** Predictions: true and predicted class, the second image the Grad-CAM overlay. */
        public static final Captions PREDICTIONS = new Captions("true", "predicted", "right: Grad-CAM of the predicted class",
                "Grad-CAM of");

        public Captions {
            Objects.requireNonNull(trueLabel, "trueLabel");
            Objects.requireNonNull(predictedLabel, "predictedLabel");
            Objects.requireNonNull(secondImage, "secondImage");
            Objects.requireNonNull(secondImageAlt, "secondImageAlt");
        }
    }

    /** Collects sections in order; not thread-safe, like any builder. */
    public static final class Builder {
        private final String title;
        private final List<Section> sections = new ArrayList<>();

        private Builder(String title) {
            this.title = Objects.requireNonNull(title, "title");
        }

        /** Adds any section. */
        public Builder section(Section section) {
            sections.add(Objects.requireNonNull(section, "section"));
            return this;
        }

        /** Adds a {@link Summary}. */
        public Builder summary(String heading, Map<String, String> rows) {
            return section(new Summary(heading, rows));
        }

        /** Adds a {@link Metrics} section. */
        public Builder metrics(String heading, ClassificationMetrics metrics) {
            return section(new Metrics(heading, metrics));
        }

        /** Adds a {@link Chart} without a caption. */
        public Builder chart(String heading, String fileName, byte[] png) {
            return section(new Chart(heading, fileName, png));
        }

        /** Adds a {@link Chart} with a caption. */
        public Builder chart(String heading, String fileName, byte[] png, String caption) {
            return section(new Chart(heading, fileName, png, caption));
        }

        /** Adds a {@link Text} section. */
        public Builder text(String heading, String text) {
            return section(new Text(heading, text));
        }

        /** Adds a {@link Gallery} of predictions. */
        public Builder gallery(String heading, List<GalleryItem> items) {
            return section(new Gallery(heading, items));
        }

        /** Adds a {@link Gallery} with its own caption words. */
        public Builder gallery(String heading, List<GalleryItem> items, Captions captions) {
            return section(new Gallery(heading, items, captions));
        }

        /** The report; the builder can go on collecting afterwards. */
        public Report build() {
            return new Report(title, sections);
        }
    }
}
