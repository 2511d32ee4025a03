package dev.ferry;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * "Did you mean ...?" for a mistyped name: the closest known name by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours, case ignored), when it is close enough to be a
 * typo rather than another word.
 */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate closest to {@code wanted}, if at most one edit per five characters (and at
     * least one) away, and no other candidate is as close: two equally near names are not a typo
     * of either.
     */
    public static Optional<String> closest(String wanted, Collection<String> candidates) {
        if (wanted == null || wanted.isBlank()) {
            return Optional.empty();
        }
        String w = wanted.trim().toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        boolean tie = false;
        for (String c : candidates) {
            int d = distance(w, c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
                tie = false;
            } else if (d == bestDistance && !c.equalsIgnoreCase(best)) {
                tie = true;
            }
        }
        int allowed = Math.max(1, w.length() / 5);
        return best != null && !tie && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean resnet50?"}, or the empty string when nothing is close. */
    public static String didYouMean(String wanted, Collection<String> candidates) {
        return closest(wanted, candidates).map(c -> "; did you mean " + c + "?").orElse("");
    }

    /** Optimal-string-alignment distance: Levenshtein plus the swap of two neighbouring characters. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }
}
