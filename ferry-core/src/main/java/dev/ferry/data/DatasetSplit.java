package dev.ferry.data;

import dev.ferry.InputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Training and validation samples over one class list: either two ImageFolders (train and
 * validation folders with the same class sub-folders) or one ImageFolder split by a seeded,
 * stratified split.
 *
 * @param classes    class names, sorted; a sample's label indexes this list
 * @param train      training samples, in ImageFolder order
 * @param validation validation samples, in ImageFolder order
 * @param skipped    bad files left out by {@link #validate(int, boolean, IntConsumer)} with skip-bad
 *                   (empty otherwise), kept for the report
 */
public record DatasetSplit(List<String> classes, List<Sample> train, List<Sample> validation,
                           List<BadImage> skipped) {

    /** Fewer training images than this in a class triggers a warning. */
    public static final int MIN_IMAGES_PER_CLASS = 5;

    /** Copies the lists. */
    public DatasetSplit {
        classes = List.copyOf(classes);
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        skipped = List.copyOf(skipped);
    }

    /**
     * Uses a training folder and a validation folder. Both must have the same class folders, so
     * labels mean the same thing in both.
     *
     * @throws InputException if either folder is unusable or their classes differ
     */
    public static DatasetSplit fromFolders(Path trainDir, Path validationDir) {
        ImageFolder train = ImageFolder.scan(trainDir);
        ImageFolder val = ImageFolder.scan(validationDir);
        if (!train.classes().equals(val.classes())) {
            Set<String> onlyTrain = new HashSet<>(train.classes());
            onlyTrain.removeAll(val.classes());
            Set<String> onlyVal = new HashSet<>(val.classes());
            onlyVal.removeAll(train.classes());
            throw new InputException("class folders differ between " + trainDir + " and " + validationDir
                    + ": only in " + trainDir + ": " + quoted(onlyTrain) + "; only in " + validationDir + ": "
                    + quoted(onlyVal));
        }
        return new DatasetSplit(train.classes(), train.samples(), val.samples(), List.of());
    }

    /**
     * Scans one folder and splits it: see {@link #split(ImageFolder, double, long)}.
     *
     * @throws InputException if the folder is unusable or the fraction is out of range
     */
    public static DatasetSplit split(Path dir, double validationFraction, long seed) {
        return split(ImageFolder.scan(dir), validationFraction, seed);
    }

    /**
     * A stratified split: in each class, {@code round(n * fraction)} images (half rounds up) go to
     * validation, capped so at least one stays for training. Which ones is decided by shuffling the
     * class's images with a generator seeded from {@code seed} and the class name, so a class's
     * split does not change when other classes are added or removed. Both lists keep ImageFolder
     * order.
     *
     * @param validationFraction strictly between 0 and 1, e.g. 0.2
     * @throws InputException if the fraction is out of range
     */
    public static DatasetSplit split(ImageFolder folder, double validationFraction, long seed) {
        Objects.requireNonNull(folder, "folder");
        if (!(validationFraction > 0.0 && validationFraction < 1.0)) {
            throw new InputException("validation fraction must be between 0 and 1 (exclusive), got "
                    + validationFraction);
        }
        int classCount = folder.classes().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classCount; c++) {
            byClass.add(new ArrayList<>());
        }
        List<Sample> samples = folder.samples();
        for (int i = 0; i < samples.size(); i++) {
            byClass.get(samples.get(i).label()).add(i);
        }
        boolean[] toValidation = new boolean[samples.size()];
        for (int c = 0; c < classCount; c++) {
            List<Integer> idx = new ArrayList<>(byClass.get(c));
            int n = idx.size();
            int nVal = (int) Math.min(Math.floor(n * validationFraction + 0.5), n - 1);
            SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, -2, folder.classes().get(c).hashCode()));
            // Fisher-Yates over the class's sample indices (which are in sorted path order).
            for (int i = n - 1; i > 0; i--) {
                Collections.swap(idx, i, rnd.nextInt(i + 1));
            }
            for (int k = 0; k < nVal; k++) {
                toValidation[idx.get(k)] = true;
            }
        }
        List<Sample> train = new ArrayList<>();
        List<Sample> val = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            (toValidation[i] ? val : train).add(samples.get(i));
        }
        return new DatasetSplit(folder.classes(), train, val, List.of());
    }

    /** Images per class in each split. */
    public ClassCountTable table() {
        int[] tr = ImageFolder.countPerClass(train, classes.size());
        int[] va = ImageFolder.countPerClass(validation, classes.size());
        List<ClassCountTable.Row> rows = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            rows.add(new ClassCountTable.Row(classes.get(c), tr[c], va[c]));
        }
        return new ClassCountTable(rows);
    }

    /**
     * One line per problem worth telling the user before training: a class with fewer than
     * {@link #MIN_IMAGES_PER_CLASS} training images, a class with no validation images (its
     * accuracy cannot be measured), and each skipped bad file.
     */
    public List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (ClassCountTable.Row r : table().rows()) {
            if (r.train() < MIN_IMAGES_PER_CLASS) {
                out.add("class '" + r.className() + "' has only " + r.train() + " training "
                        + (r.train() == 1 ? "image" : "images") + " (fewer than " + MIN_IMAGES_PER_CLASS + ")");
            }
            if (r.validation() == 0) {
                out.add("class '" + r.className() + "' has no validation images");
            }
        }
        for (BadImage b : skipped) {
            out.add("skipped bad image " + b);
        }
        return out;
    }

    /** Every image path, training first, then validation. */
    public List<Path> allPaths() {
        List<Path> out = new ArrayList<>(train.size() + validation.size());
        train.forEach(s -> out.add(s.path()));
        validation.forEach(s -> out.add(s.path()));
        return out;
    }

    /** {@link #validate(int, boolean, IntConsumer)} without progress reports. */
    public DatasetSplit validate(int threads, boolean skipBad) {
        return validate(threads, skipBad, done -> { });
    }

    /**
     * Decodes every image (in parallel) and deals with the bad ones: by default fails listing all
     * of them; with {@code skipBad}, returns a split without them and with {@link #skipped()} set.
     *
     * @param threads  decoding threads
     * @param skipBad  leave bad files out instead of failing
     * @param progress receives the number of files checked so far (from worker threads)
     * @return this split if every image decodes, else the filtered split (skipBad)
     * @throws BadImagesException if there are bad files and {@code skipBad} is false
     * @throws InputException     if skipping leaves a class without training images
     */
    public DatasetSplit validate(int threads, boolean skipBad, IntConsumer progress) {
        List<BadImage> bad = ImageValidator.findBad(allPaths(), threads, progress);
        if (bad.isEmpty()) {
            return this;
        }
        if (!skipBad) {
            throw new BadImagesException(bad);
        }
        List<Sample> tr = ImageValidator.without(train, bad);
        List<Sample> va = ImageValidator.without(validation, bad);
        int[] counts = ImageFolder.countPerClass(tr, classes.size());
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] == 0) {
                throw new InputException("no usable training images left in class '" + classes.get(c)
                        + "' after skipping " + bad.size() + " bad " + (bad.size() == 1 ? "file" : "files"));
            }
        }
        List<BadImage> allSkipped = new ArrayList<>(skipped);
        allSkipped.addAll(bad);
        return new DatasetSplit(classes, tr, va, allSkipped);
    }

    private static String quoted(Set<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(ImageFolder.PYTHON_ORDER);
        StringBuilder sb = new StringBuilder();
        for (String n : sorted) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('\'').append(n).append('\'');
        }
        return sb.toString();
    }
}
