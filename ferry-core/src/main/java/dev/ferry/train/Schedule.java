package dev.ferry.train;

/**
 * A learning-rate schedule over a whole run, as a multiplier of the base rate per optimizer step.
 *
 * @param kind the shape of the schedule
 * @param totalSteps optimizer steps in the run
 * @param warmupSteps linear warm-up steps at the start (ignored by {@link ScheduleKind#ONECYCLE},
 *     which has its own)
 */
public record Schedule(ScheduleKind kind, int totalSteps, int warmupSteps) {
    private static final double ONECYCLE_PCT = 0.3;
    private static final double ONECYCLE_DIV = 25;
    private static final double ONECYCLE_FINAL_DIV = 1e4;

    public Schedule {
        totalSteps = Math.max(1, totalSteps);
        warmupSteps = Math.max(0, Math.min(warmupSteps, totalSteps - 1));
    }

    /** The multiplier of the base learning rate at 0-based {@code step}. */
    public double factor(int step) {
        int s = Math.min(Math.max(step, 0), totalSteps - 1);
        if (kind == ScheduleKind.ONECYCLE) {
            return oneCycle(s);
        }
        if (s < warmupSteps) {
            return (s + 1.0) / (warmupSteps + 1.0);
        }
        int after = totalSteps - warmupSteps;
        double t = (s - warmupSteps) / (double) Math.max(1, after);
        return switch (kind) {
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * t));
            case STEP -> Math.pow(0.1, Math.floor(t * 3));
            case CONSTANT -> 1.0;
            case ONECYCLE -> throw new AssertionError("handled above");
        };
    }

    /** torch.optim.lr_scheduler.OneCycleLR (two phases, cosine), as a factor of max_lr. */
    private double oneCycle(int s) {
        double initial = 1 / ONECYCLE_DIV;
        double min = initial / ONECYCLE_FINAL_DIV;
        double phase1End = ONECYCLE_PCT * totalSteps - 1;
        double phase2End = totalSteps - 1;
        if (s <= phase1End) {
            return cosineAnneal(initial, 1.0, phase1End <= 0 ? 1 : s / phase1End);
        }
        return cosineAnneal(1.0, min, (s - phase1End) / Math.max(1e-9, phase2End - phase1End));
    }

    private static double cosineAnneal(double start, double end, double pct) {
        return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    }

    /** The whole schedule, one multiplier per step (for the report's plot). */
    public double[] factors() {
        double[] f = new double[totalSteps];
        for (int i = 0; i < totalSteps; i++) {
            f[i] = factor(i);
        }
        return f;
    }
}
