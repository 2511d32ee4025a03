package dev.ferry.platform;

/**
 * How this machine runs 1x1 convolutions, on what basis and why.
 *
 * @param pointwise the path
 * @param basis     how it was decided
 * @param reason    one sentence a bug report can quote
 */
public record ConvDecision(PointwiseConv pointwise, Basis basis, String reason) {

    /** How a decision was reached. */
    public enum Basis {
        /** {@code FERRY_POINTWISE} or {@code -Dferry.pointwise} named the path. */
        OVERRIDE,
        /** The processor is one on which oneDNN's 1x1 convolutions are known to fail; no probe was run. */
        KNOWN_CPU,
        /** The probe ran in a child JVM just now. */
        PROBE,
        /** The probe's verdict for this machine, read from the cache. */
        CACHED_PROBE,
        /** No probe could be run; the path that cannot crash was taken. */
        PROBE_UNAVAILABLE
    }

    /** {@code gemm (known cpu: ...)} for reports. */
    public String describe() {
        return pointwise.id() + " (" + basisName() + ": " + reason + ")";
    }

    /** The basis in words: {@code known cpu}, {@code cached probe}, ... */
    public String basisName() {
        return basis.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
