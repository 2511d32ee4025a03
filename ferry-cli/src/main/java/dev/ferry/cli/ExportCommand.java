package dev.ferry.cli;

import dev.ferry.model.OnnxExport;
import dev.ferry.workflow.Export;
import dev.ferry.workflow.PredictionJson;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry export}: a trained model as ONNX or as safetensors under torchvision's keys. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Export a trained model: ONNX (for ONNX Runtime in any language) or safetensors under torchvision's",
            "keys (torchvision.models.resnetNN(num_classes=K).load_state_dict(..., strict=True)). Both carry the",
            "class names and the preprocessing preset as metadata. See the README's recipes."
        })
public final class ExportCommand extends FerryCommand {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A model folder written by ferry train.")
    Path model;

    @Option(names = "--format", required = true, paramLabel = "onnx|safetensors", description = "The file format.")
    Export.Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "The file to write (default: DIR/export/model.onnx or .safetensors).")
    Path out;

    @Option(names = "--opset", defaultValue = "" + OnnxExport.MAX_OPSET,
            description = "ONNX opset, " + OnnxExport.MIN_OPSET + " to " + OnnxExport.MAX_OPSET + " (default: ${DEFAULT-VALUE}).")
    int opset;

    @Option(names = "--fold-bn", description = "ONNX: fold BatchNorm into the convolutions (fewer nodes; the default keeps torchvision's BatchNormalization nodes).")
    boolean foldBn;

    @Option(names = "--dynamic-batch", description = "ONNX: a free batch dimension N (default: batch 1).")
    boolean dynamicBatch;

    @Option(names = "--softmax", description = "ONNX: add a 'probabilities' output, softmax(logits / T) with the model's calibration, as ferry predict gives.")
    boolean softmax;

    @CommandLine.Mixin
    JsonOption json = new JsonOption();

    @Override
    protected int run() {
        Export.Result r = Export.run(new Export.Options(model, format, out, opset, foldBn, dynamicBatch, softmax));
        if (json.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", r.file().toString());
            m.put("format", format.extension());
            m.put("bytes", r.bytes());
            m.put("sha256", r.sha256());
            m.put("metadata", r.metadata());
            m.put("notes", r.notes());
            out().println(PredictionJson.render(m));
        } else {
            out().println(r.file());
            r.notes().forEach(n -> err().println("ferry: note: " + n));
            err().println("ferry: wrote " + format.extension() + " (" + r.bytes() + " bytes, sha256 " + r.sha256() + ")");
        }
        return OK;
    }
}
