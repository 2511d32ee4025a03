package dev.ferry.eval;

import dev.ferry.platform.AtomicFiles;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link Report} to one self-contained HTML page (inline CSS, images as base64 data
 * URIs, no scripts, no external requests) and writes it with its chart PNGs.
 */
public final class ReportWriter {
    /** The page's file name inside the report folder. */
    public static final String REPORT_FILE = "report.html";

    /** Reports with at least this many sections get a table of contents. */
    private static final int CONTENTS_FROM = 4;

    private static final String CSS = """
            body { margin: 0; background: #f6f8fa; color: #1f2328;
                   font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1100px; margin: 0 auto; padding: 24px 40px 48px; background: #fff;
                   min-height: 100vh; box-sizing: border-box; box-shadow: 0 0 0 1px #d0d7de; }
            h1 { font-size: 26px; margin: 8px 0 20px; padding-bottom: 8px; border-bottom: 2px solid #d0d7de; }
            h2 { font-size: 20px; margin: 36px 0 12px; }
            nav ol { margin: 0 0 8px; padding-left: 22px; color: #57606a; }
            a { color: #0969da; }
            table { border-collapse: collapse; margin: 8px 0 20px; font-variant-numeric: tabular-nums; }
            th, td { padding: 4px 12px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; }
            thead th { border-bottom: 2px solid #d0d7de; }
            th { font-weight: 600; }
            .num { text-align: right; }
            table.kv th { color: #57606a; }
            table.summary th { color: #57606a; }
            tbody.averages tr:first-child > * { border-top: 2px solid #d0d7de; }
            table.confusion caption { caption-side: top; text-align: left; color: #57606a; padding-bottom: 6px; }
            table.confusion td { text-align: center; min-width: 2.6em; border: 1px solid #fff; }
            figure.chart { margin: 8px 0 24px; }
            figure.chart img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
            figcaption { color: #57606a; font-size: 13px; margin-top: 4px; }
            pre { background: #f6f8fa; padding: 12px 14px; overflow-x: auto; border-radius: 6px;
                  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
            .gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 14px; }
            .gallery figure { margin: 0; padding: 8px; border: 1px solid #d0d7de; border-radius: 6px; }
            .gallery figure.wrong { border-left: 4px solid #cf222e; }
            .gallery figure.right { border-left: 4px solid #1a7f37; }
            .gallery img { display: block; width: 100%; height: 160px; object-fit: contain; background: #f6f8fa; }
            .gallery .pair { display: flex; gap: 4px; }
            .gallery .pair img { width: 50%; height: 120px; }
            .gallery .cam { color: #57606a; font-size: 12px; }
            .gallery .name { font-weight: 600; color: #1f2328; overflow-wrap: anywhere; }
            footer { margin-top: 48px; color: #57606a; font-size: 12px; }
            """;

    private ReportWriter() {}

    /**
     * Writes {@code report.html} and each chart's PNG into a folder, creating it if needed.
     * Every file is written atomically ({@link AtomicFiles}); the page is rendered before anything
     * is written and written last, so an existing report is either left as it was or replaced by
     * the complete new one, never half-written.
     *
     * @param report the report
     * @param directory the report folder
     * @return the path of the written {@code report.html}
     * @throws dev.ferry.InputException if the folder path exists but is not a folder
     * @throws dev.ferry.FerryException if a file cannot be written, naming it
     */
    public static Path write(Report report, Path directory) {
        String html = html(report);
        AtomicFiles.ensureDirectory(directory);
        for (Report.Chart chart : report.charts()) {
            AtomicFiles.write(directory.resolve(chart.fileName()), chart.pngBytes());
        }
        Path page = directory.resolve(REPORT_FILE);
        AtomicFiles.writeString(page, html);
        return page;
    }

    /**
     * The report as one HTML page; all text is escaped.
     *
     * @param report the report
     * @return the page
     */
    public static String html(Report report) {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(report.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>").append(Html.escape(report.title())).append("</h1>\n");
        List<Report.Section> sections = report.sections();
        if (sections.size() >= CONTENTS_FROM) {
            sb.append("<nav><ol>\n");
            for (int i = 0; i < sections.size(); i++) {
                sb.append("<li><a href=\"#").append(anchor(i)).append("\">")
                        .append(Html.escape(sections.get(i).heading())).append("</a></li>\n");
            }
            sb.append("</ol></nav>\n");
        }
        for (int i = 0; i < sections.size(); i++) {
            Report.Section section = sections.get(i);
            sb.append("<section id=\"").append(anchor(i)).append("\">\n<h2>")
                    .append(Html.escape(section.heading())).append("</h2>\n");
            // Java 17 has no pattern switch; Section is sealed, so this chain is complete.
            if (section instanceof Report.Summary s) {
                summary(sb, s.rows());
            } else if (section instanceof Report.Metrics m) {
                sb.append(MetricsHtml.fragment(m.metrics()));
            } else if (section instanceof Report.Chart c) {
                chart(sb, c);
            } else if (section instanceof Report.Text t) {
                sb.append("<pre>").append(Html.escape(t.text())).append("</pre>\n");
            } else if (section instanceof Report.Gallery g) {
                gallery(sb, g.items(), g.captions());
            } else {
                throw new IllegalStateException("unknown report section " + section.getClass().getName());
            }
            sb.append("</section>\n");
        }
        sb.append("<footer>Generated by ferry.</footer>\n</main>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static String anchor(int index) {
        return "section-" + (index + 1);
    }

    private static void summary(StringBuilder sb, Map<String, String> rows) {
        sb.append("<table class=\"kv\">\n");
        rows.forEach((k, v) -> sb.append("<tr><th>").append(Html.escape(k)).append("</th><td>")
                .append(Html.escape(v)).append("</td></tr>\n"));
        sb.append("</table>\n");
    }

    private static void chart(StringBuilder sb, Report.Chart c) {
        sb.append("<figure class=\"chart\">\n<img src=\"").append(dataUri("image/png", c.pngBytes()))
                .append("\" alt=\"").append(Html.escape(c.heading())).append("\">\n<figcaption>");
        if (!c.caption().isEmpty()) {
            sb.append(Html.escape(c.caption())).append(" &middot; ");
        }
        // The file name is restricted to [A-Za-z0-9._-], so it is safe in an href as it is.
        sb.append("<a href=\"").append(c.fileName()).append("\">").append(c.fileName()).append("</a></figcaption>\n</figure>\n");
    }

    private static void gallery(StringBuilder sb, List<GalleryItem> items, Report.Captions captions) {
        if (items.isEmpty()) {
            sb.append("<p>No images.</p>\n");
            return;
        }
        sb.append("<div class=\"gallery\">\n");
        for (GalleryItem item : items) {
            String label = Html.escape(item.label());
            sb.append("<figure class=\"").append(item.correct() ? "right" : "wrong").append("\">");
            byte[] overlay = item.overlayBytes();
            if (overlay != null) {
                sb.append("<div class=\"pair\">");
            }
            sb.append("<img src=\"").append(dataUri(item.mimeType(), item.imageBytes()))
                    .append("\" alt=\"").append(label).append("\">");
            if (overlay != null) {
                sb.append("<img src=\"").append(dataUri("image/png", overlay)).append("\" alt=\"").append(Html.escape(captions.secondImageAlt()))
                        .append(" ").append(label).append("\"></div>");
            }
            sb.append("<figcaption><span class=\"name\">").append(label).append("</span><br>")
                    .append(Html.escape(captions.trueLabel())).append(": <b>").append(Html.escape(item.trueLabel())).append("</b><br>")
                    .append(Html.escape(captions.predictedLabel())).append(": <b>").append(Html.escape(item.predictedLabel())).append("</b> (")
                    .append(Fmt.percent(item.confidence())).append(")")
                    .append(overlay != null ? "<br><span class=\"cam\">" + Html.escape(captions.secondImage()) + "</span>" : "")
                    .append("</figcaption></figure>\n");
        }
        sb.append("</div>\n");
    }

    private static String dataUri(String mime, byte[] bytes) {
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }
}
