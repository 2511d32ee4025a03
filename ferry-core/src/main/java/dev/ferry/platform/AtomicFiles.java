package dev.ferry.platform;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that readers see either the old content or the complete new content, never a
 * partial file: the bytes go to a hidden temporary file in the same folder (so the final step is
 * a rename within one file system), are flushed to disk, and the temporary file is then renamed
 * over the target. A failure removes the temporary file and leaves the target untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /**
     * Writes bytes atomically, creating missing parent folders.
     *
     * @param target the file to write
     * @param bytes the content
     * @throws InputException if a parent of the target exists but is not a folder
     * @throws FerryException if writing fails, naming the target and the reason
     */
    public static void write(Path target, byte[] bytes) {
        write(target, channel -> {
            OutputStream out = Channels.newOutputStream(channel);
            out.write(bytes);
            out.flush();
        });
    }

    /** Writes a file's content into an open channel. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Writes what {@code body} writes, atomically, creating missing parent folders: the one way
     * ferry writes a file, so every file follows the user's umask (see {@link #newTempFile}).
     *
     * @throws InputException if a parent of the target exists but is not a folder
     * @throws FerryException if writing fails, naming the target and the reason
     */
    public static void write(Path target, Body body) {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        ensureDirectory(parent);
        Path tmp = null;
        try {
            tmp = newTempFile(parent, absolute.getFileName().toString());
            // A FileChannel so the data can be forced to disk before the rename; otherwise a crash
            // right after could leave an empty file under the new name.
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                body.writeTo(channel);
                channel.force(true);
            }
            move(tmp, absolute);
            tmp = null;
        } catch (IOException e) {
            throw new FerryException("cannot write " + absolute + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The write already failed and is being reported; a stray hidden temp file is
                    // the lesser problem and must not mask that failure.
                }
            }
        }
    }

    /**
     * Writes text as UTF-8, atomically.
     *
     * @param target the file to write
     * @param text the content
     * @see #write(Path, byte[])
     */
    public static void writeString(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Creates the folder and its parents unless it exists.
     *
     * @param dir the folder
     * @throws InputException if the path or a parent exists but is not a folder
     * @throws FerryException if the folder cannot be created
     */
    public static void ensureDirectory(Path dir) {
        if (Files.isDirectory(dir)) {
            return;
        }
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                throw new InputException(p + ": exists and is not a folder");
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FerryException("cannot create folder " + dir + ": " + reason(e), e);
        }
    }

    /**
     * A new, empty hidden temporary file {@code .name.<random>.tmp} in {@code dir}. Created with
     * CREATE_NEW instead of Files.createTempFile, which would make it (and after the rename, the
     * target) readable by the owner only instead of following the user's umask.
     */
    public static Path newTempFile(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
            Path tmp = dir.resolve("." + name + "." + suffix + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    /** Renames {@code tmp} over {@code target}, atomically where the file system allows. */
    public static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Some network or FUSE file systems refuse ATOMIC_MOVE; a rename within the same
            // folder is still the best they offer.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A short reason for an I/O failure; NIO's messages are often just the path again. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
