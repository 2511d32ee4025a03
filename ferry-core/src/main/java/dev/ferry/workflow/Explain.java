package dev.ferry.workflow;

import ai.djl.ndarray.NDManager;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import dev.ferry.data.RgbImage;
import dev.ferry.eval.Heatmap;
import dev.ferry.model.ResNet;
import dev.ferry.model.Softmax;
import dev.ferry.model.Stage;
import dev.ferry.platform.AtomicFiles;
import dev.ferry.platform.Engines;
import dev.ferry.train.GradCam;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.Predictor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Grad-CAM of a trained model on image files, as a library call: for each image, which parts of
 * it speak for a class (by default the predicted one) at one stage of the network, as a map and
 * as a PNG of the map over the image.
 *
 * <p>The image goes through exactly what {@code Predict} does with it (decoding, EXIF handling,
 * the model's resize, centre crop and normalisation), so the map explains the prediction that
 * predict reports. The overlay is drawn on the network's view of the image, the resized and
 * cropped pixels, where every map position has its place; what the crop cut off is not shown.
 *
 * <p>Grad-CAM needs gradients, so this runs on libtorch ({@link GradCam}), unlike prediction.
 *
 * <pre>{@code
 * Explain.Result r = Explain.run(new Explain.Options(Path.of("models/photos"), List.of(Path.of("cat.jpg")),
 *         Stage.LAYER4, null, Path.of("explained")));
 * r.explanations().get(0).png();   // explained/cat_gradcam.png
 * }</pre>
 */
public final class Explain {
    /** What the written overlays' names end with: {@code cat.jpg} becomes {@code cat_gradcam.png}. */
    public static final String SUFFIX = "_gradcam.png";

    private Explain() {}

    /**
     * What to explain.
     *
     * @param model a model directory written by training
     * @param inputs image files (and folders of images, searched as {@code Predict} searches them)
     * @param stage the stage whose activations are explained; null for {@code layer4}
     * @param targetClass the class to explain, by name; null for each image's predicted class
     * @param out the folder for the overlay PNGs (created if needed), or null to write none
     */
    public record Options(Path model, List<Path> inputs, Stage stage, String targetClass, Path out) {
        /** Checks the arguments; a missing stage becomes {@code layer4}. */
        public Options {
            Objects.requireNonNull(model, "model");
            inputs = List.copyOf(inputs);
            if (inputs.isEmpty()) {
                throw new InputException("no image to explain");
            }
            stage = stage == null ? Stage.LAYER4 : stage;
        }
    }

    /**
     * One image explained.
     *
     * @param image the file
     * @param classIndex the class explained
     * @param className its name
     * @param predictedIndex the predicted class (the largest logit)
     * @param logit the explained class's logit
     * @param probability its probability, as predict reports it (the model's temperature applied)
     * @param stage the stage explained
     * @param cam the normalised map at the stage's resolution, {@code cam[y][x]} in [0, 1]
     * @param inputCam the map upsampled bilinearly to the network's input (the crop)
     * @param constant whether the map was constant before normalisation (then it is all zero: no
     *     position of the stage speaks for the class)
     * @param png the overlay written, or null
     */
    public record Explanation(Path image, int classIndex, String className, int predictedIndex, float logit,
                              double probability, Stage stage, float[][] cam, float[][] inputCam, boolean constant,
                              Path png) {}

    /**
     * The explanations, in input order.
     *
     * @param info the model's description
     * @param explanations one per image
     */
    public record Result(ModelInfo info, List<Explanation> explanations) {
        /** Copies the list. */
        public Result {
            explanations = List.copyOf(explanations);
        }
    }

    /**
     * Explains every image. Everything that can be checked (the model's description, the target
     * class, every image) is checked before the network is loaded.
     *
     * @throws InputException for an unusable model, an unknown class, or an input that is missing
     *     or not a readable image (naming it)
     */
    public static Result run(Options o) {
        ModelInfo info = ModelDirectory.readInfo(o.model());
        int target = o.targetClass() == null ? -1 : classIndex(info.classes(), o.targetClass());
        Predictor.Inputs found = Predictor.collect(o.inputs());
        if (!found.problems().isEmpty()) {
            throw new InputException(found.problems().get(0).toString());
        }
        EvalTransform transform = new EvalTransform(info.preset());
        List<RgbImage> views = new ArrayList<>();
        for (Path p : found.images()) {
            // A BadImageException names the file.
            views.add(transform.resizeAndCrop(ImageDecoder.decode(p, transform.exifTranspose())));
        }
        if (o.out() != null) {
            AtomicFiles.ensureDirectory(o.out());
        }
        List<Explanation> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try (NDManager manager = Engines.newManager()) {
            ModelDirectory.Loaded loaded = ModelDirectory.load(o.model(), manager);
            for (int i = 0; i < views.size(); i++) {
                Path image = found.images().get(i);
                Explanation e = explain(loaded.net(), manager, info, transform, views.get(i), image, o.stage(), target);
                if (o.out() != null) {
                    Path png = o.out().resolve(uniqueName(image, names));
                    AtomicFiles.write(png, overlay(views.get(i), e.inputCam()));
                    e = new Explanation(e.image(), e.classIndex(), e.className(), e.predictedIndex(), e.logit(),
                            e.probability(), e.stage(), e.cam(), e.inputCam(), e.constant(), png);
                }
                out.add(e);
            }
        }
        return new Result(info, out);
    }

    /**
     * The Grad-CAM overlays (PNG) of images for given classes, at {@code layer4}, on the model's
     * float network: the evaluation report's gallery. Loads the network once for all of them.
     *
     * @param images the files, all readable (already checked)
     * @param classes per image the class to explain
     */
    static List<byte[]> overlays(Path model, ModelInfo info, List<Path> images, int[] classes) {
        EvalTransform transform = new EvalTransform(info.preset());
        List<byte[]> out = new ArrayList<>();
        if (images.isEmpty()) {
            return out;
        }
        try (NDManager manager = Engines.newManager()) {
            ResNet net = ModelDirectory.load(model, manager).net();
            for (int i = 0; i < images.size(); i++) {
                RgbImage view = transform.resizeAndCrop(ImageDecoder.decode(images.get(i), transform.exifTranspose()));
                Explanation e = explain(net, manager, info, transform, view, images.get(i), Stage.LAYER4, classes[i]);
                out.add(overlay(view, e.inputCam()));
            }
        }
        return out;
    }

    private static Explanation explain(ResNet net, NDManager manager, ModelInfo info, EvalTransform transform,
                                       RgbImage view, Path image, Stage stage, int target) {
        float[] pixels = new float[3 * view.width() * view.height()];
        // The same normalisation as EvalTransform.apply, on the crop computed once for the overlay too.
        transform.apply(view, null, pixels, 0);
        GradCam.Cam cam = GradCam.compute(net, manager, pixels, 1, view.height(), view.width(), stage,
                new int[] {target}).get(0);
        double[] p = probabilities(cam.logits(), info.temperature());
        int c = cam.targetClass();
        return new Explanation(image, c, info.classes().get(c), cam.predictedClass(), cam.logit(), p[c], stage,
                cam.map(), cam.upsampled(view.height(), view.width()), cam.constant(), null);
    }

    private static byte[] overlay(RgbImage view, float[][] map) {
        return Heatmap.overlayPng(view.rgb(), view.width(), view.height(), map, Heatmap.DEFAULT_ALPHA);
    }

    private static double[] probabilities(float[] logits, double temperature) {
        float[] p = Softmax.rows(Softmax.divide(logits, temperature), 1);
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i];
        }
        return out;
    }

    /**
     * The index of class {@code name} among the model's classes.
     *
     * @throws InputException naming the allowed values
     */
    public static int classIndex(List<String> classes, String name) {
        int i = classes.indexOf(name);
        if (i < 0) {
            throw new InputException(Message.of(Setting.TARGET_CLASS, " must be one of the model's classes ("
                    + String.join(", ", classes) + "), got '", name, "'"));
        }
        return i;
    }

    /** {@code <file name without extension>_gradcam.png}, numbered when two inputs share a name. */
    private static String uniqueName(Path image, Set<String> used) {
        String file = image.getFileName().toString();
        int dot = file.lastIndexOf('.');
        String base = (dot > 0 ? file.substring(0, dot) : file).replaceAll("[^A-Za-z0-9._-]", "_");
        String name = base + SUFFIX;
        for (int n = 2; !used.add(name); n++) {
            name = base + "_" + n + SUFFIX;
        }
        return name;
    }
}
