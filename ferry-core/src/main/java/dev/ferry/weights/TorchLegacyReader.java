package dev.ferry.weights;

import dev.ferry.weights.TorchObjects.StorageRef;
import dev.ferry.weights.TorchObjects.TensorRef;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the format {@code torch.save} wrote before PyTorch 1.6 (and still writes with
 * {@code _use_new_zipfile_serialization=False}), following torch 1.13's {@code _legacy_save}:
 *
 * <ol>
 *   <li>pickle of the magic number {@code 0x1950a86a20f9469cfc6c}</li>
 *   <li>pickle of the protocol version 1001</li>
 *   <li>pickle of a sys-info dict ({@code little_endian}, type sizes)</li>
 *   <li>pickle of the object, whose storages are persistent ids
 *       {@code ('storage', type, key, location, numel, view_metadata)}</li>
 *   <li>pickle of the sorted list of storage keys</li>
 *   <li>for each key in that order: the element count as a little-endian int64, then the raw bytes</li>
 * </ol>
 */
final class TorchLegacyReader {
    static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL_VERSION = 1001;

    private TorchLegacyReader() {}

    static StateDict read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream stream = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
            PickleInput in = new PickleInput(stream, file, 0, channel.size());

            Object magic = new Unpickler(in, file, null).load();
            if (!(magic instanceof BigInteger m) || !m.equals(MAGIC_NUMBER)) {
                throw WeightsErrors.bad(file, "starts like a legacy torch.save file but has the wrong magic number; corrupt file?");
            }
            Object version = new Unpickler(in, file, null).load();
            if (!Long.valueOf(PROTOCOL_VERSION).equals(version)) {
                throw WeightsErrors.bad(file, "has legacy torch.save protocol version " + version + ", expected " + PROTOCOL_VERSION);
            }
            Object sysInfo = new Unpickler(in, file, null).load();
            if (sysInfo instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
                throw WeightsErrors.bad(file, "was saved on a big-endian machine; ferry reads little-endian files only");
            }

            Map<String, StorageRef> storages = new HashMap<>();
            Object root = new Unpickler(in, file,
                    (pid, offset) -> TorchStateDicts.storage(file, pid, offset, true, storages)).load();
            TorchStateDicts.Extracted extracted = TorchStateDicts.extract(file, root);
            Object keyList = new Unpickler(in, file, null).load();
            if (!(keyList instanceof List<?> keys)) {
                throw WeightsErrors.bad(file, "storage key list is a " + TorchObjects.describe(keyList) + ", not a list");
            }

            // Storages follow in key-list order; read each one the state dict uses, skip the rest
            // (e.g. optimizer state in a checkpoint), and keep only one in memory at a time.
            Map<String, List<Map.Entry<String, TensorRef>>> users = TorchStateDicts.byStorage(extracted.tensors());
            IdentityHashMap<TensorRef, Tensor> decoded = new IdentityHashMap<>();
            Set<String> done = new HashSet<>();
            for (Object k : keys) {
                StorageRef storage = k instanceof String key ? storages.get(key) : null;
                if (storage == null) {
                    throw WeightsErrors.bad(file, "storage list names '" + k + "', which no tensor uses; corrupt file?");
                }
                long headerAt = in.position();
                long count = in.readLittleEndian(8);
                if (count != storage.numel()) {
                    throw WeightsErrors.bad(file, "storage '" + storage.key() + "' at offset " + headerAt + " holds "
                            + count + " elements but the pickle says " + storage.numel() + "; corrupt file?");
                }
                long bytes = Math.multiplyExact(count, (long) storage.dtype().byteSize());
                List<Map.Entry<String, TensorRef>> group = users.get(storage.key());
                if (group == null) {
                    in.skip(bytes);
                    continue;
                }
                ByteBuffer data = ByteBuffer.wrap(in.readBytes(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                TorchStateDicts.decodeUsers(file, group, data, decoded);
                done.add(storage.key());
            }
            for (String key : users.keySet()) {
                if (!done.contains(key)) {
                    throw WeightsErrors.bad(file, "storage '" + key + "' of tensor '" + users.get(key).get(0).getKey()
                            + "' is missing from the storage list; corrupt file?");
                }
            }
            return TorchStateDicts.assemble(extracted, decoded);
        }
    }
}
