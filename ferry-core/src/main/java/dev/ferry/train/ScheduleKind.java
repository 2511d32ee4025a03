package dev.ferry.train;

/** Learning-rate schedules, each with an optional linear warm-up. */
public enum ScheduleKind {
    /** Cosine annealing from the base rate to 0 over the run (after warm-up). */
    COSINE,
    /**
     * torch's OneCycleLR with its defaults (pct_start 0.3, div_factor 25, final_div_factor 1e4,
     * cosine annealing). Unlike torch it does not also cycle the momentum: measured no better here.
     */
    ONECYCLE,
    /** Multiply by 0.1 every third of the run (torch StepLR). */
    STEP,
    /** The base rate throughout (after warm-up). */
    CONSTANT
}
