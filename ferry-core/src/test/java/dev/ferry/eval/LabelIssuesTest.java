package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Confident learning's thresholds and suspects on scores worked out by hand. */
class LabelIssuesTest {

    @Test
    void aSampleIsSuspectWhenAnotherClassClearsItsThresholdAndOutscoresTheRest() {
        // Three classes; rows are samples' out-of-sample scores.
        double[] scores = {
            0.9, 0.1, 0.0, // 0: labelled 0, clearly 0
            0.7, 0.2, 0.1, // 1: labelled 0
            0.2, 0.8, 0.0, // 2: labelled 0, but class 1 clears its threshold: suspect
            0.1, 0.6, 0.3, // 3: labelled 1
            0.3, 0.4, 0.3, // 4: labelled 1, its own class the only one cleared
            0.0, 0.2, 0.8, // 5: labelled 2
            0.5, 0.1, 0.4, // 6: labelled 2; clears no threshold at all: not flagged
            0.6, 0.0, 0.6, // 7: labelled 1; t0 = 0.6 and t2 = 0.6 both cleared, tie: the first, class 0
        };
        int[] labels = {0, 0, 0, 1, 1, 2, 2, 1};
        // t0 = (0.9 + 0.7 + 0.2) / 3, t1 = (0.6 + 0.4 + 0.0) / 3, t2 = (0.8 + 0.4) / 2
        assertArrayEquals(new double[] {0.6, 1.0 / 3, 0.6}, LabelIssues.thresholds(scores, labels, 3), 1e-12);

        // Confident joint: samples 2 and 7 lie off its diagonal, so two labels are estimated wrong.
        assertEquals(2, LabelIssues.estimatedIssues(scores, labels, 3));
        List<LabelIssues.Suspect> s = LabelIssues.find(scores, labels, 3);
        // Margins (best other minus given): 2: 0.8 - 0.2 = 0.6, 7: 0.6 - 0.0 = 0.6 (tie: lower index
        // first), 6: 0.5 - 0.4 = 0.1 (third, beyond the estimate of two), every other one negative.
        assertEquals(List.of(new LabelIssues.Suspect(2, 0, 1, 0.2, 0.8), new LabelIssues.Suspect(7, 1, 0, 0.0, 0.6)), s);
    }

    @Test
    void theEstimateCountsTheConfidentJointButTheMarginPicksWho() {
        // Two classes. Thresholds: t0 = (0.9 + 0.8 + 0.44) / 3 = 0.7133, t1 = (0.9 + 0.2) / 2 = 0.55.
        double[] scores = {
            0.9, 0.1, // 0: labelled 0
            0.8, 0.2, // 1: labelled 0
            0.44, 0.56, // 2: labelled 0; class 1 clears t1 = 0.55: the one off-diagonal sample (margin 0.12)
            0.1, 0.9, // 3: labelled 1
            0.6, 0.2, // 4: labelled 1; clears neither threshold, yet its margin (0.4) is the largest
        };
        int[] labels = {0, 0, 0, 1, 1};
        assertEquals(1, LabelIssues.estimatedIssues(scores, labels, 2));
        assertEquals(List.of(new LabelIssues.Suspect(4, 1, 0, 0.2, 0.6)), LabelIssues.find(scores, labels, 2));
    }

    @Test
    void mismatchedSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LabelIssues.find(new double[5], new int[2], 3));
    }
}
