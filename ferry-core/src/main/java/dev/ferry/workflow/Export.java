package dev.ferry.workflow;

import dev.ferry.InputException;
import dev.ferry.model.HostValues;
import dev.ferry.model.InferencePlan;
import dev.ferry.model.OnnxExport;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.weights.ModelWeights;
import dev.ferry.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A trained model out of ferry, as a library call: ONNX (for ONNX Runtime, in any language) or
 * safetensors under torchvision's keys (for {@code torchvision.models.resnetNN(num_classes=K)
 * .load_state_dict(..., strict=True)}). Both carry the class names and the preprocessing preset
 * as metadata, so the file alone is enough to use the model.
 */
public final class Export {
    private Export() {}

    /** The file formats. */
    public enum Format {
        ONNX("onnx"),
        SAFETENSORS("safetensors");

        private final String extension;

        Format(String extension) {
            this.extension = extension;
        }

        /** The usual file extension, without the dot. */
        public String extension() {
            return extension;
        }
    }

    /**
     * What to export.
     *
     * @param model a model directory written by training
     * @param format the file format
     * @param out the file to write; null for {@code export/model.<ext>} in the model directory
     * @param opset ONNX only: the opset ({@link OnnxExport#MIN_OPSET} to {@link OnnxExport#MAX_OPSET})
     * @param foldBn ONNX only: BatchNorm folded into the convolutions
     * @param dynamicBatch ONNX only: a free batch dimension (otherwise 1)
     * @param softmax ONNX only: a {@code probabilities} output, calibrated as ferry predict's
     */
    public record Options(Path model, Format format, Path out, int opset, boolean foldBn, boolean dynamicBatch,
                          boolean softmax) {
        public Options {
            if (model == null || format == null) {
                throw new InputException("name the model directory and the format to export");
            }
            if (opset < OnnxExport.MIN_OPSET || opset > OnnxExport.MAX_OPSET) {
                throw new InputException("the ONNX opset must be in [" + OnnxExport.MIN_OPSET + ", " + OnnxExport.MAX_OPSET
                        + "], got " + opset);
            }
            if (format == Format.SAFETENSORS && (foldBn || dynamicBatch || softmax || opset != OnnxExport.MAX_OPSET)) {
                throw new InputException("the opset, BN folding, the dynamic batch and the softmax output are ONNX settings;"
                        + " a safetensors export holds torchvision's parameters as they are");
            }
        }

        /** The file written: {@code out}, or {@code export/model.<ext>} in the model directory. */
        public Path target() {
            return out != null ? out : model.resolve("export").resolve("model." + format.extension());
        }
    }

    /**
     * What was written.
     *
     * @param file the file
     * @param bytes its size
     * @param sha256 its SHA-256, hex
     * @param metadata the metadata it carries
     * @param notes what a user of the file should know (a model torchvision's constructors cannot build)
     */
    public record Result(Path file, long bytes, String sha256, Map<String, String> metadata, java.util.List<String> notes) {
        public Result {
            notes = java.util.List.copyOf(notes);
        }
    }

    /**
     * Writes the export (a temporary file, renamed when complete).
     *
     * @throws InputException if the directory is not a usable model
     */
    public static Result run(Options o) {
        ModelDirectory.Stored stored = ModelDirectory.read(o.model());
        ModelInfo info = stored.info();
        ResNetConfig config = info.config();
        Map<String, String> metadata = metadata(info);
        Path target = o.target();
        java.util.List<String> notes = new java.util.ArrayList<>();
        if (Files.isDirectory(target)) {
            throw new InputException("the export target is a folder, not a file: " + target);
        }
        if (o.format() == Format.SAFETENSORS) {
            if (config.stem() != Stem.IMAGENET || config.width() != 64) {
                // The keys are torchvision's all the same: a ResNet built from torchvision's blocks
                // at this width loads the file strictly, torchvision's constructor does not.
                notes.add("torchvision.models." + info.arch() + "() has the ImageNet stem and width 64, this model the "
                        + info.stem() + " stem and width " + info.width() + ": the file loads into a ResNet of torchvision's"
                        + " blocks at that width, not into the constructor");
            }
            Map<String, String> st = new LinkedHashMap<>();
            // "pt": what the safetensors package's torch loader expects of a state dict.
            st.put("format", "pt");
            st.putAll(metadata);
            SafetensorsWriter.write(target, stored.weights().asMap(), st);
        } else {
            OnnxExport.Settings settings = new OnnxExport.Settings(o.opset(), o.foldBn(), o.dynamicBatch(),
                    info.preset().crop(), o.softmax() ? info.temperature() : null, metadata);
            InferencePlan plan = InferencePlan.of(config);
            HostValues values = new HostValues(ModelWeights.values(stored.weights()));
            AtomicFiles.write(target, channel -> {
                OutputStream out = Channels.newOutputStream(channel);
                OnnxExport.write(plan, values, settings, out);
                out.flush();
            });
        }
        return new Result(target, size(target), sha256(target), metadata, notes);
    }

    /** The metadata both formats carry: what a user of the file alone needs. */
    static Map<String, String> metadata(ModelInfo info) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ferry.arch", info.arch());
        // One-line JSON, as every reader of string metadata expects.
        com.google.gson.Gson gson = new com.google.gson.Gson();
        m.put("ferry.classes", gson.toJson(info.classes()));
        m.put("ferry.preset", gson.toJson(info.preset()));
        m.put("ferry.temperature", String.format(Locale.ROOT, "%s", info.temperature()));
        m.put("ferry.input", "float32 N x 3 x " + info.preset().crop() + " x " + info.preset().crop()
                + ", RGB, (pixel / 255 - mean) / std");
        return m;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new dev.ferry.FerryException("cannot read the written export " + p + " (" + e.getMessage() + ")", e);
        }
    }

    /** The file's SHA-256 in hex. */
    public static String sha256(Path p) {
        try {
            return dev.ferry.platform.FileDigest.sha256(p);
        } catch (IOException e) {
            throw new dev.ferry.FerryException("cannot read " + p + " (" + e.getMessage() + ")", e);
        }
    }
}
