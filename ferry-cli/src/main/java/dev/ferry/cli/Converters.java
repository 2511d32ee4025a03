package dev.ferry.cli;

import ai.djl.ndarray.types.Shape;
import dev.ferry.model.Architecture;
import dev.ferry.model.Stem;
import dev.ferry.workflow.LearningRate;
import dev.ferry.train.LrFinder;
import picocli.CommandLine;

/** Typed CLI values: options are parsed once, at the edge, into records and enums. */
final class Converters {
    private Converters() {}

    /** {@code resnet50}, {@code ResNet-50} or {@code 50}. */
    static final class ArchitectureConverter implements CommandLine.ITypeConverter<Architecture> {
        @Override
        public Architecture convert(String value) {
            try {
                return Architecture.parse(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** A rate ({@code 0.01}, {@code 3e-4}) or {@code auto}: the learning-rate finder's suggestion. */
    static final class LearningRateConverter implements CommandLine.ITypeConverter<LearningRate> {
        @Override
        public LearningRate convert(String value) {
            String v = value.trim();
            if (v.equalsIgnoreCase("auto")) {
                return LearningRate.auto();
            }
            if (v.regionMatches(true, 0, "auto:", 0, 5)) {
                LrFinder.Rule rule = LrFinder.Rule.byId(v.substring(5));
                if (rule == null) {
                    throw new CommandLine.TypeConversionException("'" + value + "': the finder's rules are "
                            + java.util.Arrays.stream(LrFinder.Rule.values()).map(r -> "auto:" + r.id())
                                    .collect(java.util.stream.Collectors.joining(", ")));
                }
                return new LearningRate.Auto(rule);
            }
            try {
                return new LearningRate.Fixed(Double.parseDouble(v));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is neither a rate (such as 0.01) nor auto (or auto:RULE)");
            }
        }
    }

    /** {@code imagenet} or {@code small}. */
    static final class StemConverter implements CommandLine.ITypeConverter<Stem> {
        @Override
        public Stem convert(String value) {
            try {
                return Stem.parse(value);
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** An input shape {@code CxHxW} (e.g. {@code 3x224x224}) or a square side ({@code 224}, 3 channels). */
    static final class InputShapeConverter implements CommandLine.ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            String[] parts = value.trim().toLowerCase(java.util.Locale.ROOT).split("x", -1);
            long[] dims = new long[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    dims[i] = Long.parseLong(parts[i].trim());
                    if (dims[i] < 1 || dims[i] > 100_000) {
                        throw new NumberFormatException();
                    }
                }
            } catch (NumberFormatException e) {
                throw malformed(value);
            }
            if (dims.length == 1) {
                return new Shape(3, dims[0], dims[0]);
            }
            if (dims.length != 3) {
                throw malformed(value);
            }
            if (dims[0] != 3) {
                throw new CommandLine.TypeConversionException(
                        "input '" + value + "' has " + dims[0] + " channels; ResNet takes 3 (grey images are replicated to RGB)");
            }
            return new Shape(dims);
        }

        private static CommandLine.TypeConversionException malformed(String value) {
            return new CommandLine.TypeConversionException(
                    "malformed input shape '" + value + "' (expected CxHxW such as 3x224x224, or a side such as 224)");
        }
    }
}
