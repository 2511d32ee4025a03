package dev.ferry.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One batch from a {@link BatchLoader}.
 *
 * @param index         batch number within the epoch, from 0
 * @param data          {@code size() * 3 * height * width} floats, NCHW
 * @param labels        class index per sample
 * @param paths         image file per sample
 * @param sampleIndices each sample's index in the loader's sample list
 * @param height        image height
 * @param width         image width
 */
public record Batch(int index, float[] data, int[] labels, List<Path> paths, int[] sampleIndices, int height,
                    int width) {

    /** Copies the path list. */
    public Batch {
        paths = List.copyOf(paths);
    }

    /** Number of samples in the batch. */
    public int size() {
        return labels.length;
    }

    /** The NCHW shape {@code {size, 3, height, width}}. */
    public long[] shape() {
        return new long[] {size(), 3, height, width};
    }
}
