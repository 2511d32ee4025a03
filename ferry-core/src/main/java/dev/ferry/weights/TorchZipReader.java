package dev.ferry.weights;

import dev.ferry.weights.TorchObjects.StorageRef;
import dev.ferry.weights.TorchObjects.TensorRef;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the zip format {@code torch.save} writes since PyTorch 1.6: {@code <archive>/data.pkl} (the
 * pickle), {@code <archive>/data/<key>} (one raw little-endian storage per entry, stored uncompressed
 * and 64-byte aligned) and {@code <archive>/version}. The archive folder is named after the file
 * that was saved, so it is found by looking for {@code data.pkl}.
 */
final class TorchZipReader {
    private TorchZipReader() {}

    static StateDict read(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw WeightsErrors.bad(file, "damaged zip archive (" + WeightsErrors.oneLine(e.getMessage())
                    + "); the file may be truncated or not fully downloaded");
        }
        try (zip) {
            String prefix = archivePrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            ZipEntry pickleEntry = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = entryBytes(file, zip, pickleEntry, pickleEntry.getSize());
            Map<String, StorageRef> storages = new HashMap<>();
            PickleInput in = new PickleInput(new ByteArrayInputStream(pickle), file, 0, pickle.length);
            Object root = new Unpickler(in, file,
                    (pid, offset) -> TorchStateDicts.storage(file, pid, offset, false, storages)).load();
            TorchStateDicts.Extracted extracted = TorchStateDicts.extract(file, root);

            // One storage in memory at a time: load it, decode every tensor that views it, drop it.
            IdentityHashMap<TensorRef, Tensor> decoded = new IdentityHashMap<>();
            for (Map.Entry<String, List<Map.Entry<String, TensorRef>>> group
                    : TorchStateDicts.byStorage(extracted.tensors()).entrySet()) {
                StorageRef storage = group.getValue().get(0).getValue().storage;
                String name = prefix + "data/" + group.getKey();
                ZipEntry entry = zip.getEntry(name);
                if (entry == null) {
                    throw WeightsErrors.bad(file, "storage entry '" + name + "' used by tensor '"
                            + group.getValue().get(0).getKey() + "' is missing from the archive");
                }
                long needed = Math.multiplyExact(storage.numel(), (long) storage.dtype().byteSize());
                if (entry.getSize() >= 0 && entry.getSize() < needed) {
                    throw WeightsErrors.bad(file, "storage entry '" + name + "' holds " + entry.getSize()
                            + " bytes but its tensors need " + needed);
                }
                byte[] bytes = entryBytes(file, zip, entry, needed);
                TorchStateDicts.decodeUsers(file, group.getValue(), ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), decoded);
            }
            return TorchStateDicts.assemble(extracted, decoded);
        } catch (ZipException e) {
            throw WeightsErrors.bad(file, "damaged zip archive (" + WeightsErrors.oneLine(e.getMessage())
                    + "); the file may be truncated or not fully downloaded");
        }
    }

    /** The archive folder, including its trailing slash, that holds data.pkl ("" if at the root). */
    private static String archivePrefix(Path file, ZipFile zip) {
        List<String> pickles = new ArrayList<>();
        boolean torchScript = false;
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            String inFolder = slash < 0 ? name : name.substring(slash + 1);
            if (name.endsWith("data.pkl") && (name.equals("data.pkl") || inFolder.equals("data.pkl"))) {
                pickles.add(name);
            }
            if (inFolder.equals("constants.pkl") || inFolder.startsWith("code/")) {
                torchScript = true;
            }
        }
        if (torchScript) {
            throw WeightsErrors.bad(file, "is a TorchScript archive (torch.jit.save), not a state dict; in Python save "
                    + "torch.save(model.state_dict(), path) instead");
        }
        if (pickles.isEmpty()) {
            throw WeightsErrors.bad(file, "is a zip archive without data.pkl, so it was not written by torch.save");
        }
        if (pickles.size() > 1) {
            throw WeightsErrors.bad(file, "is a zip archive with several data.pkl entries (" + String.join(", ", pickles)
                    + "); expected one torch.save archive");
        }
        String pickle = pickles.get(0);
        return pickle.substring(0, pickle.length() - "data.pkl".length());
    }

    /** Since PyTorch 2.1 the archive may say which byte order its storages use; only little-endian is read. */
    private static void checkByteOrder(Path file, ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "byteorder");
        if (entry != null) {
            String order = new String(entryBytes(file, zip, entry, Math.min(entry.getSize(), 16)), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw WeightsErrors.bad(file, "stores tensors in '" + order + "' byte order; ferry reads little-endian files only");
            }
        }
    }

    private static byte[] entryBytes(Path file, ZipFile zip, ZipEntry entry, long length) throws IOException {
        if (length < 0 || length > TensorDecoder.MAX_ELEMENTS) {
            throw WeightsErrors.bad(file, "archive entry '" + entry.getName() + "' is too large (" + length + " bytes)");
        }
        // Sizes come from the zip directory; check them against the file before allocating, so a
        // lying directory cannot make us reserve gigabytes. torch stores entries uncompressed, and
        // deflate never expands data more than about 1032 times.
        long fileSize = Files.size(file);
        long limit = entry.getMethod() == ZipEntry.STORED ? fileSize : Math.multiplyExact(fileSize, 1100L);
        if (length > limit) {
            throw WeightsErrors.bad(file, "archive entry '" + entry.getName() + "' claims " + length
                    + " bytes, more than the file can hold; corrupt file?");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = new byte[(int) length];
            int got = in.readNBytes(bytes, 0, bytes.length);
            if (got != bytes.length) {
                throw WeightsErrors.truncated(file, "in archive entry '" + entry.getName() + "'");
            }
            return bytes;
        }
    }
}
