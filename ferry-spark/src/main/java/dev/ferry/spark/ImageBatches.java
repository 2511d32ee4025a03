package dev.ferry.spark;

import dev.ferry.data.BadImageException;
import dev.ferry.data.EvalTransform;
import dev.ferry.data.ImageDecoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * A partition's image rows as batches: each row decoded and transformed on the task's thread (the
 * eval transform of the network's preset, exactly as {@code ferry predict} prepares a file), then
 * handed over a batch at a time, so that a partition is never held whole. A row whose bytes do
 * not decode carries its error instead of pixels and never stops the partition.
 */
final class ImageBatches implements Iterator<ImageBatches.Batch> {

    /** One input row: its pixels, or why it has none. */
    record Item(Row row, String path, float[] pixels, String error) {}

    /**
     * A batch of rows in input order, with the decoded ones' pixels packed N x 3 x H x W.
     *
     * @param items every row of the batch
     * @param pixels the decoded rows' pixels, in order
     * @param decoded how many rows decoded
     */
    record Batch(List<Item> items, float[] pixels, int decoded) {}

    private final Iterator<Row> rows;
    private final EvalTransform transform;
    private final int batchSize;
    private final int pathColumn;
    private final int contentColumn;

    ImageBatches(Iterator<Row> rows, EvalTransform transform, int batchSize, int pathColumn, int contentColumn) {
        this.rows = rows;
        this.transform = transform;
        this.batchSize = batchSize;
        this.pathColumn = pathColumn;
        this.contentColumn = contentColumn;
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    @Override
    public Batch next() {
        if (!rows.hasNext()) {
            throw new NoSuchElementException();
        }
        List<Item> items = new ArrayList<>(batchSize);
        List<float[]> decoded = new ArrayList<>(batchSize);
        while (items.size() < batchSize && rows.hasNext()) {
            Row row = rows.next();
            String path = row.getString(pathColumn);
            byte[] content = row.isNullAt(contentColumn) ? new byte[0] : (byte[]) row.get(contentColumn);
            try {
                float[] px = transform.apply(ImageDecoder.decode(content, Path.of(path), transform.exifTranspose()));
                decoded.add(px);
                items.add(new Item(row, path, px, null));
            } catch (BadImageException e) {
                items.add(new Item(row, path, null, e.badImage().reason()));
            }
        }
        int per = 3 * transform.outputHeight() * transform.outputWidth();
        float[] pixels = new float[decoded.size() * per];
        for (int i = 0; i < decoded.size(); i++) {
            System.arraycopy(decoded.get(i), 0, pixels, i * per, per);
        }
        return new Batch(items, pixels, decoded.size());
    }
}
