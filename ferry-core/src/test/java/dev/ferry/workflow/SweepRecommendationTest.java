package dev.ferry.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ferry.eval.BackboneScore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sweep's rule on hand-made fold accuracies. */
class SweepRecommendationTest {

    private static BackboneScore score(String name, double gmacs, boolean baseline, double... folds) {
        List<Double> acc = new ArrayList<>();
        double sum = 0;
        for (double f : folds) {
            acc.add(f);
            sum += f;
        }
        CrossValidation.Summary s = CrossValidation.summarize(acc);
        return new BackboneScore(name, "resnet18", 64, "imagenet", 1, gmacs, "bilinear 256/224", baseline, acc, sum / folds.length,
                s.sd(), s.halfWidth(), List.of(), 0, 0);
    }

    private static String recommend(BackboneScore... scores) {
        List<double[]> perFold = new ArrayList<>();
        for (BackboneScore b : scores) {
            perFold.add(b.accuracies().stream().mapToDouble(Double::doubleValue).toArray());
        }
        return Sweep.recommend(List.of(scores), perFold);
    }

    @Test
    void theCheapestCandidateTheFoldsCannotTellFromTheBestWins() {
        BackboneScore big = score("big", 4.0, false, 0.80, 0.80, 0.90, 0.90, 0.80);
        // Paired differences -0.02, 0, -0.02, 0, 0: mean -0.008, sd 0.01095, t(4) 2.776 -> upper end +0.0056.
        BackboneScore small = score("small", 1.0, false, 0.78, 0.80, 0.88, 0.90, 0.80);
        // Paired differences -0.05 each fold but one -0.04: clearly worse, however cheap.
        BackboneScore tiny = score("tiny", 0.5, false, 0.75, 0.75, 0.85, 0.86, 0.75);
        BackboneScore random = score("random:tiny", 0.1, true, 0.95, 0.95, 0.95, 0.95, 0.95);
        assertEquals("small", recommend(big, small, tiny, random));
        assertEquals("big", recommend(big, tiny), "a measurably worse one is not chosen for its cost");
        assertEquals("tiny", recommend(tiny), "one candidate is its own recommendation");
        assertNull(recommend(random), "baselines are never recommended");
    }
}
