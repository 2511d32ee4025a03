package dev.ferry.weights;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bytes of a pickle stream with a running offset and a hard end.
 *
 * <p>Every length read from the file is checked against the bytes that remain before anything is
 * allocated, so a lying length in a damaged file is reported as truncation instead of
 * exhausting memory.
 */
final class PickleInput {
    private final InputStream in;
    private final Path file;
    private final long end;
    private long position;

    /**
     * @param in the stream, positioned at {@code start}
     * @param file the file, for messages
     * @param start the file offset of the stream's first byte (offsets in messages are file offsets)
     * @param end the file offset just past the last readable byte
     */
    PickleInput(InputStream in, Path file, long start, long end) {
        this.in = in;
        this.file = file;
        this.position = start;
        this.end = end;
    }

    /** The file offset of the next byte. */
    long position() {
        return position;
    }

    /** Bytes left before the end. */
    long remaining() {
        return end - position;
    }

    /** The next byte, 0 to 255. */
    int readByte() throws IOException {
        if (position >= end) {
            throw WeightsErrors.truncated(file, "at offset " + position);
        }
        int b = in.read();
        if (b < 0) {
            throw WeightsErrors.truncated(file, "at offset " + position);
        }
        position++;
        return b;
    }

    /** The next {@code n} bytes; fails without allocating if fewer remain. */
    byte[] readBytes(long n) throws IOException {
        if (n < 0 || n > remaining()) {
            throw WeightsErrors.truncated(file, "at offset " + position + " (" + n + " bytes wanted, " + remaining() + " left)");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw WeightsErrors.bad(file, "a record at offset " + position + " is larger than 2 GiB, which ferry cannot hold");
        }
        byte[] bytes = new byte[(int) n];
        int got = in.readNBytes(bytes, 0, bytes.length);
        if (got != bytes.length) {
            throw WeightsErrors.truncated(file, "at offset " + (position + got));
        }
        position += n;
        return bytes;
    }

    /** Skips {@code n} bytes that must exist. */
    void skip(long n) throws IOException {
        if (n < 0 || n > remaining()) {
            throw WeightsErrors.truncated(file, "at offset " + position + " (" + n + " bytes wanted, " + remaining() + " left)");
        }
        try {
            in.skipNBytes(n);
        } catch (EOFException e) {
            throw WeightsErrors.truncated(file, "at offset " + position);
        }
        position += n;
    }

    /** A little-endian unsigned integer of {@code width} bytes (at most 8; 8 bytes may come out negative). */
    long readLittleEndian(int width) throws IOException {
        byte[] b = readBytes(width);
        long value = 0;
        for (int i = width - 1; i >= 0; i--) {
            value = (value << 8) | (b[i] & 0xff);
        }
        return value;
    }

    /** Bytes up to the next newline (not included), at most {@code max} of them, as UTF-8. */
    String readLine(int max) throws IOException {
        long start = position;
        byte[] buf = new byte[max];
        int n = 0;
        while (true) {
            int b = readByte();
            if (b == '\n') {
                break;
            }
            if (n == max) {
                throw WeightsErrors.bad(file, "malformed pickle: a name at offset " + start + " is longer than " + max + " bytes");
            }
            buf[n++] = (byte) b;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
