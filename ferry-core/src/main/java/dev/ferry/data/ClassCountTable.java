package dev.ferry.data;

import java.util.List;
import java.util.Objects;

/**
 * Images per class in the training and validation sets, with a plain-text renderer for the
 * console and reports.
 *
 * @param rows one row per class, in class order
 */
public record ClassCountTable(List<Row> rows) {

    /**
     * One class.
     *
     * @param className  the class (folder) name
     * @param train      training images
     * @param validation validation images
     */
    public record Row(String className, int train, int validation) {

        /** Checks the name is present. */
        public Row {
            Objects.requireNonNull(className, "className");
        }

        /** train + validation. */
        public int total() {
            return train + validation;
        }
    }

    /** Copies the rows. */
    public ClassCountTable {
        rows = List.copyOf(rows);
    }

    /** Total training images. */
    public int totalTrain() {
        return rows.stream().mapToInt(Row::train).sum();
    }

    /** Total validation images. */
    public int totalValidation() {
        return rows.stream().mapToInt(Row::validation).sum();
    }

    /**
     * The table as text, one line per class and a total line, columns aligned, ending with a
     * newline:
     *
     * <pre>
     * class  train  val  total
     * cats      40   10     50
     * dogs      36    9     45
     * total     76   19     95
     * </pre>
     */
    public String render() {
        String[] header = {"class", "train", "val", "total"};
        int nameWidth = header[0].length();
        for (Row r : rows) {
            nameWidth = Math.max(nameWidth, r.className().length());
        }
        nameWidth = Math.max(nameWidth, "total".length());
        int numWidth = Math.max(5, String.valueOf(totalTrain() + totalValidation()).length());
        StringBuilder sb = new StringBuilder();
        line(sb, nameWidth, numWidth, header[0], header[1], header[2], header[3]);
        for (Row r : rows) {
            line(sb, nameWidth, numWidth, r.className(), String.valueOf(r.train()), String.valueOf(r.validation()),
                    String.valueOf(r.total()));
        }
        line(sb, nameWidth, numWidth, "total", String.valueOf(totalTrain()), String.valueOf(totalValidation()),
                String.valueOf(totalTrain() + totalValidation()));
        return sb.toString();
    }

    private static void line(StringBuilder sb, int nameWidth, int numWidth, String name, String a, String b,
                             String c) {
        sb.append(name);
        sb.append(" ".repeat(nameWidth - name.length()));
        for (String v : new String[] {a, b, c}) {
            sb.append("  ").append(" ".repeat(Math.max(0, numWidth - v.length()))).append(v);
        }
        // No trailing spaces: the last column is right-aligned.
        sb.append('\n');
    }
}
