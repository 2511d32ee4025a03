package dev.ferry.weights;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads PyTorch and safetensors weight files into a {@link StateDict}, without PyTorch and without
 * running any code from the file.
 *
 * <p>The format is recognised from the first bytes, not the file name: a zip archive is the
 * {@code torch.save} format of PyTorch 1.6+, a pickle starting with torch's magic number is the
 * older format, and an 8-byte length followed by an opening brace is safetensors. Torch pickles are read
 * with an allow-list of globals like {@code torch.load(weights_only=True)}, so a file that tries to
 * run code is refused. A checkpoint dict that wraps the state dict (e.g. under {@code "state_dict"})
 * is unwrapped and {@link StateDict#notes()} says so.
 *
 * <p>Every problem with the file (missing, empty, truncated, corrupt, malicious, not a weights file)
 * is an {@link InputException} with a one-line message that starts with the file's path.
 */
public final class WeightsReader {
    /** Torch's pickle protocol 2 header, then LONG1 with 10 bytes: the start of a legacy file. */
    private static final byte[] LEGACY_PREFIX = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a,
            0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private WeightsReader() {}

    /**
     * Reads all tensors of {@code file}.
     *
     * @throws InputException if the file is missing, unreadable, not a weights file, corrupt or refused
     * @throws FerryException if the tensors do not fit in memory
     */
    public static StateDict read(Path file) {
        WeightsFormat format = detect(file);
        try {
            return switch (format) {
                case TORCH_ZIP -> TorchZipReader.read(file);
                case TORCH_LEGACY -> TorchLegacyReader.read(file);
                case SAFETENSORS -> SafetensorsReader.read(file);
            };
        } catch (FerryException e) {
            throw e;
        } catch (IOException e) {
            throw ioFailure(file, e);
        } catch (OutOfMemoryError e) {
            throw new FerryException(file + ": not enough memory to hold its tensors; give Java more heap (e.g. -Xmx8g)");
        } catch (RuntimeException e) {
            // The readers check what they read; this is the backstop that keeps a stack trace of a
            // damaged file away from the user.
            throw WeightsErrors.bad(file, "corrupt " + format + " file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + WeightsErrors.oneLine(e.getMessage())) + ")");
        }
    }

    /**
     * The metadata strings of a safetensors file, read from its header alone (a checkpoint's
     * training state without its tensors).
     *
     * @throws InputException if the file is missing, unreadable or not a valid safetensors file
     */
    public static Map<String, String> safetensorsMetadata(Path file) {
        WeightsFormat format = detect(file);
        if (format != WeightsFormat.SAFETENSORS) {
            throw WeightsErrors.bad(file, "not a safetensors file (" + format + ")");
        }
        try {
            return SafetensorsReader.readMetadata(file);
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
    }

    /**
     * Recognises the format of {@code file} from its first bytes.
     *
     * @throws InputException if the file is missing, unreadable or not in a format ferry reads
     */
    public static WeightsFormat detect(Path file) {
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            size = Files.size(file);
            head = in.readNBytes(512);
        } catch (IOException e) {
            throw ioFailure(file, e);
        }
        if (head.length == 0) {
            throw WeightsErrors.bad(file, "is empty (0 bytes), not a weights file");
        }
        if (startsWith(head, new byte[] {'P', 'K', 3, 4}) || startsWith(head, new byte[] {'P', 'K', 5, 6})) {
            return WeightsFormat.TORCH_ZIP;
        }
        if (startsWith(head, LEGACY_PREFIX)) {
            return WeightsFormat.TORCH_LEGACY;
        }
        if (head.length >= 9 && head[8] == '{') {
            long headerLength = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength >= 2) {
                return WeightsFormat.SAFETENSORS;
            }
        }
        throw WeightsErrors.bad(file, "is not a PyTorch (.pth/.pt) or safetensors weights file (" + sniff(head, size) + ")");
    }

    /** A hint at what the file is instead, for the message. */
    private static String sniff(byte[] head, long size) {
        if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            return "it is a tar archive, the torch.save format of PyTorch before 0.4; re-save it with a newer PyTorch";
        }
        if ((head[0] & 0xff) == 0x80) {
            return "it is a Python pickle, but not one written by torch.save";
        }
        if (startsWith(head, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff})) {
            return "it looks like a JPEG image";
        }
        if (startsWith(head, new byte[] {(byte) 0x89, 'P', 'N', 'G'})) {
            return "it looks like a PNG image";
        }
        if (startsWith(head, new byte[] {(byte) 0x89, 'H', 'D', 'F'})) {
            return "it looks like an HDF5 (Keras) file";
        }
        if (startsWith(head, new byte[] {0x1f, (byte) 0x8b})) {
            return "it is gzip-compressed; decompress it first";
        }
        if (startsWith(head, "<".getBytes(StandardCharsets.US_ASCII)) || startsWith(head, "<!".getBytes(StandardCharsets.US_ASCII))) {
            return "it looks like an HTML or XML page, perhaps an error page saved instead of the download";
        }
        if (isText(head)) {
            return "it looks like a text file";
        }
        byte[] first = Arrays.copyOf(head, Math.min(head.length, 8));
        return size + " bytes starting with " + HexFormat.ofDelimiter(" ").formatHex(first);
    }

    /** True if the first 64 bytes are printable ASCII or common whitespace. */
    private static boolean isText(byte[] head) {
        for (int i = 0; i < Math.min(head.length, 64); i++) {
            int b = head[i] & 0xff;
            if ((b < 0x20 || b > 0x7e) && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static InputException ioFailure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return WeightsErrors.bad(file, "no such file");
        }
        if (e instanceof AccessDeniedException) {
            return WeightsErrors.bad(file, "permission denied");
        }
        if (Files.isDirectory(file)) {
            return WeightsErrors.bad(file, "is a folder, not a weights file");
        }
        if (e instanceof java.io.EOFException) {
            return WeightsErrors.truncated(file, "");
        }
        String message = e.getMessage();
        return WeightsErrors.bad(file, "cannot read it (" + e.getClass().getSimpleName()
                + (message == null ? "" : ": " + WeightsErrors.oneLine(message)) + ")");
    }
}
