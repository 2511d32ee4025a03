package dev.ferry.demo;

import ai.djl.ndarray.NDManager;
import dev.ferry.platform.Engines;
import dev.ferry.data.Preset;
import dev.ferry.model.Architecture;
import dev.ferry.model.ResNet;
import dev.ferry.model.ResNetConfig;
import dev.ferry.model.Stem;
import dev.ferry.train.ArraySource;
import dev.ferry.train.Checkpointer;
import dev.ferry.train.Inference;
import dev.ferry.train.ModelDirectory;
import dev.ferry.train.ModelInfo;
import dev.ferry.train.OptimizerKind;
import dev.ferry.train.ScheduleKind;
import dev.ferry.train.Strategy;
import dev.ferry.train.Balance;
import dev.ferry.train.TrainConfig;
import dev.ferry.train.TrainListener;
import dev.ferry.train.TrainResult;
import dev.ferry.train.Trainer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pretrains the network ferry ships for its demo: ResNet-50's topology (Bottleneck, [3,4,6,3]) at
 * base width 16 with the small stem, on the 30,000 Fashion-MNIST training images of the source
 * classes (T-shirt/top, Trouser, Sandal, Sneaker, Bag), with ferry's own trainer.
 */
public final class Pretrain {

    /**
     * @param fashionMnist folder with the IDX files
     * @param epochs training epochs
     * @param batchSize images per step
     * @param lr one-cycle peak rate
     * @param seed initialisation, shuffling and augmentation seed
     * @param out model directory to write
     * @param arch the topology (the demo's is ResNet-50's)
     * @param width base width (the demo's is 16)
     * @param perClass training images per source class (at most 6,000, Fashion-MNIST's count)
     */
    public record Options(Path fashionMnist, int epochs, int batchSize, double lr, long seed, Path out,
            Architecture arch, int width, int perClass) {

        /** The demo's own network: ResNet-50's topology at width 16 on every source image. */
        public Options(Path fashionMnist, int epochs, int batchSize, double lr, long seed, Path out) {
            this(fashionMnist, epochs, batchSize, lr, seed, out, Architecture.RESNET50, 16, Integer.MAX_VALUE);
        }
    }

    /**
     * What pretraining reached.
     *
     * @param testAccuracy accuracy on the 5,000 source-class test images
     * @param seconds training time
     */
    public record Result(double testAccuracy, double seconds, TrainResult training) {}

    /** The demo network's structure with {@code classes} outputs. */
    public static ResNetConfig network(int classes) {
        return network(Architecture.RESNET50, 16, classes);
    }

    /**
     * Another source network of the same kind (small stem): a second topology or width lets the
     * transfer benchmark check that a recipe does not hold for one source network only.
     */
    public static ResNetConfig network(Architecture arch, int width, int classes) {
        return ResNetConfig.of(arch, classes).withWidth(width).withStem(Stem.SMALL);
    }

    /** Fashion-MNIST's preprocessing: 28x28 grey replicated to RGB, its own mean and std, no resize. */
    public static Preset preset() {
        return Preset.small(28, DemoData.MEAN, DemoData.STD);
    }

    /** Runs the pretraining and writes the model directory. */
    public static Result run(Options o, TrainListener listener, String command) {
        FashionMnist train = FashionMnist.read(o.fashionMnist(), "train");
        FashionMnist test = FashionMnist.read(o.fashionMnist(), "t10k");
        FashionMnist.Subset tr = train.subset(DemoData.SOURCE_CLASSES, o.perClass(), DemoData.MEAN, DemoData.STD);
        FashionMnist.Subset te = test.subset(DemoData.SOURCE_CLASSES, Integer.MAX_VALUE, DemoData.MEAN, DemoData.STD);
        int[] shape = {3, 28, 28};
        ArraySource trainSource = new ArraySource(tr.data(), tr.labels(), shape, true, 2);
        ArraySource testSource = new ArraySource(te.data(), te.labels(), shape, false, 0);
        TrainConfig cfg = new TrainConfig(new Strategy.Scratch(), o.epochs(), o.batchSize(), o.lr(),
                OptimizerKind.SGD, ScheduleKind.ONECYCLE, 0, 5e-4, 0.0, 0, o.seed(), 0, 0, 0, Balance.OFF);
        try (NDManager manager = Engines.newManager()) {
            Engines.seed(o.seed());
            ResNet net = ResNet.create(network(o.arch(), o.width(), DemoData.SOURCE_CLASSES.size())).initialize(manager);
            TrainResult r = new Trainer(cfg, listener).train(net, trainSource, null, manager, Checkpointer.NONE, null, null);
            double acc = Inference.evaluate(net, testSource, 256, manager).accuracy();
            List<String> classes = DemoData.SOURCE_CLASSES.stream().map(c -> FashionMnist.CLASSES.get(c)).toList();
            Map<String, Object> hp = new LinkedHashMap<>();
            hp.put("epochs", o.epochs());
            hp.put("batchSize", o.batchSize());
            hp.put("lr", o.lr());
            hp.put("optimizer", "sgd");
            hp.put("schedule", "onecycle");
            hp.put("weightDecay", 5e-4);
            hp.put("augmentation", "horizontal flip, shift up to 2 px");
            hp.put("seed", o.seed());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("dataset", "Fashion-MNIST (MIT licence), source classes");
            data.put("trainImages", tr.labels().length);
            data.put("testImages", te.labels().length);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("sourceTestAccuracy", acc);
            extra.put("command", command);
            extra.put("trainSeconds", r.seconds());
            ModelInfo info = new ModelInfo(ModelInfo.FORMAT, dev.ferry.platform.BuildInfo.current().ferry(), Instant.now().toString(),
                    o.arch().id(), o.width(), Stem.SMALL.id(), 0f, classes, preset(), "scratch", hp,
                    r.history(), r.bestEpoch(), null, data, extra, null);
            ModelDirectory.save(o.out(), net, info);
            return new Result(acc, r.seconds(), r);
        }
    }
}
