package dev.ferry.data;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.platform.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Float32 matrices in NumPy's {@code .npy} format (version 1.0), the one file format for
 * embeddings that {@code numpy.load} and every array library read without a converter: a magic
 * string, a two-byte version, a little-endian header length, an ASCII Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), }} padded with spaces and
 * ending in a newline so that the data starts at a multiple of 64 bytes, then the N x D
 * little-endian floats in row-major (C) order.
 *
 * <p>Reading maps the file instead of loading it, so a matrix larger than the Java heap can be
 * searched; only version 1.0 to 3.0 headers of little-endian float32 in C order are accepted, and
 * a file shorter or longer than its header says is refused, each with one line naming the file.
 */
public final class Npy {
    private Npy() {}

    /** The magic string every {@code .npy} file starts with. */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** The data starts at a multiple of this many bytes (NumPy aligns to 64). */
    static final int ALIGN = 64;

    /** Bytes of one float32. */
    private static final int FLOAT = Float.BYTES;

    /** The most bytes one mapped segment covers (a {@link java.nio.MappedByteBuffer} holds at most 2 GiB). */
    private static final long SEGMENT_BYTES = 1L << 30;

    /**
     * The complete version 1.0 header of a {@code rows} x {@code cols} float32 C-order matrix:
     * what precedes the data in the file.
     */
    public static byte[] header(long rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (ALIGN - unpadded % ALIGN) % ALIGN;
        String text = dict + " ".repeat(padding) + "\n";
        ByteBuffer b = ByteBuffer.allocate(unpadded + padding).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /**
     * Writes {@code data}, a {@code rows} x {@code cols} row-major matrix, to {@code file}
     * atomically ({@link AtomicFiles}).
     *
     * @throws IllegalArgumentException if {@code data} does not hold rows x cols values
     */
    public static void write(Path file, float[] data, int rows, int cols) {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException(data.length + " values are not " + rows + " x " + cols);
        }
        AtomicFiles.write(file, channel -> {
            try (RowWriter w = new RowWriter(channel, rows, cols)) {
                w.write(data, 0, rows);
            }
        });
    }

    /**
     * Writes a matrix row block by row block into an open channel: the header first, then each
     * block as it comes, so that a matrix never has to be held whole. {@link #close()} checks
     * that exactly the promised rows were written (it does not close the channel).
     */
    public static final class RowWriter implements AutoCloseable {
        private final FileChannel channel;
        private final long rows;
        private final int cols;
        private final ByteBuffer buffer;
        private long written;

        /** Writes the header of a {@code rows} x {@code cols} matrix at the channel's position. */
        public RowWriter(FileChannel channel, long rows, int cols) throws IOException {
            this.channel = channel;
            this.rows = rows;
            this.cols = cols;
            writeFully(ByteBuffer.wrap(header(rows, cols)));
            this.buffer = ByteBuffer.allocate(Math.max(FLOAT * cols, 1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Appends {@code count} rows from {@code data} starting at row {@code fromRow} of it. */
        public void write(float[] data, int fromRow, int count) throws IOException {
            if (written + count > rows) {
                throw new IllegalStateException("more than the " + rows + " rows promised");
            }
            int perBuffer = buffer.capacity() / FLOAT;
            int start = fromRow * cols;
            int end = start + count * cols;
            for (int i = start; i < end; ) {
                int n = Math.min(perBuffer, end - i);
                buffer.clear();
                buffer.asFloatBuffer().put(data, i, n);
                buffer.limit(n * FLOAT);
                writeFully(buffer);
                i += n;
            }
            written += count;
        }

        private void writeFully(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        @Override
        public void close() {
            if (written != rows) {
                throw new IllegalStateException(written + " rows written of the " + rows + " promised");
            }
        }
    }

    /**
     * A float32 matrix read from a {@code .npy} file, mapped rather than loaded: rows are read
     * from the page cache as they are asked for.
     */
    public static final class Matrix {
        private final Path file;
        private final long rows;
        private final int cols;
        private final long rowsPerSegment;
        private final FloatBuffer[] segments;

        private Matrix(Path file, long rows, int cols, long rowsPerSegment, FloatBuffer[] segments) {
            this.file = file;
            this.rows = rows;
            this.cols = cols;
            this.rowsPerSegment = rowsPerSegment;
            this.segments = segments;
        }

        /** The file it was read from. */
        public Path file() {
            return file;
        }

        /** Number of rows (N). */
        public long rows() {
            return rows;
        }

        /** Number of columns (D). */
        public int cols() {
            return cols;
        }

        /**
         * Copies rows {@code from} to {@code from + count - 1} into {@code dst} (row-major, from
         * index 0); the rows may span segments.
         */
        public void rows(long from, int count, float[] dst) {
            if (from < 0 || count < 0 || from + count > rows || (long) count * cols > dst.length) {
                throw new IndexOutOfBoundsException("rows " + from + " + " + count + " of " + rows);
            }
            int done = 0;
            while (done < count) {
                long r = from + done;
                int s = (int) (r / rowsPerSegment);
                int inSegment = (int) (r - s * rowsPerSegment);
                int n = (int) Math.min(count - done, rowsPerSegment - inSegment);
                // Absolute bulk get: no shared position, so threads may read one matrix at once.
                segments[s].get(inSegment * cols, dst, done * cols, n * cols);
                done += n;
            }
        }

        /** Row {@code row} as a new array. */
        public float[] row(long row) {
            float[] out = new float[cols];
            rows(row, 1, out);
            return out;
        }
    }

    /**
     * Opens {@code file} for reading: validates its header and its length, and maps the data.
     *
     * @throws InputException naming the file when it is missing, not a {@code .npy} file, not a
     *     2-D little-endian float32 C-order array, or shorter or longer than its header says
     */
    public static Matrix open(Path file) {
        return open(file, SEGMENT_BYTES);
    }

    /** As {@link #open(Path)}, mapping at most {@code segmentBytes} (rounded down to whole rows, at least one) at a time. */
    static Matrix open(Path file, long segmentBytes) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            Header h = readHeader(file, ch, size);
            long dataBytes = h.rows() * h.cols() * FLOAT;
            long actual = size - h.dataOffset();
            if (actual < dataBytes) {
                throw new InputException(String.format(Locale.ROOT,
                        "%s: truncated: its header says %d x %d float32 (%d bytes of data), the file has %d", file, h.rows(), h.cols(),
                        dataBytes, actual));
            }
            if (actual > dataBytes) {
                throw new InputException(String.format(Locale.ROOT,
                        "%s: %d bytes after the %d x %d float32 its header describes (not one matrix)", file, actual - dataBytes,
                        h.rows(), h.cols()));
            }
            long rowBytes = (long) h.cols() * FLOAT;
            long rowsPerSegment = h.cols() == 0 ? Math.max(1, h.rows()) : Math.max(1, segmentBytes / rowBytes);
            List<FloatBuffer> segments = new ArrayList<>();
            for (long r = 0; r < h.rows() && h.cols() > 0; r += rowsPerSegment) {
                long n = Math.min(rowsPerSegment, h.rows() - r);
                segments.add(ch.map(FileChannel.MapMode.READ_ONLY, h.dataOffset() + r * rowBytes, n * rowBytes)
                        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            }
            return new Matrix(file, h.rows(), h.cols(), rowsPerSegment, segments.toArray(FloatBuffer[]::new));
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file", e);
        } catch (IOException e) {
            throw new FerryException("cannot read " + file + ": " + AtomicFiles.reason(e), e);
        }
    }

    /**
     * A parsed header.
     *
     * @param rows N
     * @param cols D
     * @param dataOffset where the data starts
     */
    record Header(long rows, int cols, long dataOffset) {}

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** Reads and checks the header at the start of {@code ch}. */
    static Header readHeader(Path file, FileChannel ch, long size) throws IOException {
        ByteBuffer start = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, start, 0);
        int got = start.position();
        start.flip();
        for (int i = 0; i < MAGIC.length; i++) {
            if (got <= i || start.get(i) != MAGIC[i]) {
                throw new InputException(file + ": not a .npy file (it does not start with \\x93NUMPY)");
            }
        }
        if (got < 10) {
            throw new InputException(file + ": truncated: the file ends inside its .npy header");
        }
        int major = start.get(6);
        int minor = start.get(7);
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(start.getShort(8));
            prefix = 10;
        } else if ((major == 2 || major == 3) && got >= 12) {
            headerLen = Integer.toUnsignedLong(start.getInt(8));
            prefix = 12;
        } else {
            throw new InputException(file + ": .npy format version " + major + "." + minor + " is not supported (1.0 to 3.0 are)");
        }
        if (prefix + headerLen > size) {
            throw new InputException(file + ": truncated: the file ends inside its .npy header");
        }
        if (headerLen > 1 << 20) {
            throw new InputException(file + ": a .npy header of " + headerLen + " bytes is not one NumPy writes");
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLen);
        readFully(ch, text, prefix);
        String dict = new String(text.array(), 0, text.position(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(dict);
        Matcher fortran = FORTRAN.matcher(dict);
        Matcher shape = SHAPE.matcher(dict);
        if (!descr.find() || !fortran.find() || !shape.find()) {
            throw new InputException(file + ": the .npy header is not a dict of descr, fortran_order and shape: " + dict.trim());
        }
        String dtype = descr.group(1);
        if (!dtype.equals("<f4")) {
            throw new InputException(file + ": dtype " + dtype + " is not little-endian float32 (<f4); convert it with"
                    + " numpy: a.astype('<f4')");
        }
        if (fortran.group(1).equals("True")) {
            throw new InputException(file + ": the array is in Fortran (column-major) order; save it in C order"
                    + " (numpy.ascontiguousarray)");
        }
        List<Long> dims = new ArrayList<>();
        for (String d : shape.group(1).split(",")) {
            if (!d.isBlank()) {
                try {
                    dims.add(Long.parseLong(d.trim()));
                } catch (NumberFormatException e) {
                    throw new InputException(file + ": unreadable shape (" + shape.group(1) + ") in its .npy header");
                }
            }
        }
        if (dims.size() != 2) {
            throw new InputException(file + ": shape (" + shape.group(1).trim() + ") is not 2-D (rows x dimensions)");
        }
        if (dims.get(0) < 0 || dims.get(1) < 0 || dims.get(1) > Integer.MAX_VALUE / FLOAT) {
            throw new InputException(file + ": shape (" + shape.group(1).trim() + ") is out of range");
        }
        return new Header(dims.get(0), (int) (long) dims.get(1), prefix + headerLen);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position + dst.position());
            if (n < 0) {
                return;
            }
        }
    }
}
