package dev.ferry.workflow;

import dev.ferry.FerryException;
import dev.ferry.InputException;
import dev.ferry.Message;
import dev.ferry.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One writer per model directory: {@code .ferry.lock} holds the owner's pid and host, created
 * atomically before anything else is written and removed when the run ends (normally, with an
 * error, or on SIGINT/SIGTERM through a shutdown hook). A lock whose process on this host is gone
 * is stale and taken over; a live one refuses the second run in one line.
 */
public final class OutLock implements AutoCloseable {
    /** The lock file's name inside the model directory. */
    public static final String NAME = ".ferry.lock";

    private final Path file;
    private final Path createdDir;
    private final Thread hook;

    private OutLock(Path file, Path createdDir) {
        this.file = file;
        this.createdDir = createdDir;
        this.hook = new Thread(this::release, "ferry-lock-release");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Takes the lock of {@code dir} (created if missing).
     *
     * @throws InputException if another live process holds it
     */
    public static OutLock take(Path dir) {
        Path createdDir = Files.isDirectory(dir) ? null : dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FerryException("cannot create model directory " + dir + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve(NAME);
        String me = ProcessHandle.current().pid() + " " + host();
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.writeString(file, me + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                return new OutLock(file, createdDir);
            } catch (FileAlreadyExistsException e) {
                String owner = read(file);
                if (owner != null && alive(owner)) {
                    throw new InputException(Message.of("another ferry run (pid ", owner.replace(" ", " on "), ") is writing to ", dir,
                            "; wait for it or choose another ", Setting.OUT, " (a lock left by a run that is gone is taken over)"));
                }
                try {
                    Files.deleteIfExists(file); // stale: its process is gone
                } catch (IOException ignored) {
                    // the next attempt reports what is in the way
                }
            } catch (IOException e) {
                throw new FerryException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
        throw new FerryException("cannot take the lock " + file + " (it keeps reappearing)");
    }

    /** Whether the {@code pid host} in a lock names a live process: unknown hosts count as live. */
    static boolean alive(String owner) {
        String[] f = owner.trim().split(" ");
        if (!f[0].matches("\\d+")) {
            return false; // unreadable lock: nobody can own it
        }
        if (f.length > 1 && !f[1].equals(host())) {
            return true;
        }
        return ProcessHandle.of(Long.parseLong(f[0])).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replace(' ', '_');
        } catch (IOException e) {
            return "localhost";
        }
    }

    private synchronized void release() {
        try {
            Files.deleteIfExists(file);
            if (createdDir != null) {
                try (var entries = Files.list(createdDir)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(createdDir); // the run wrote nothing: leave no empty folder behind
                    }
                }
            }
        } catch (IOException e) {
            // a lock that cannot be removed is stale once this process ends, and is taken over then
        }
    }

    @Override
    public void close() {
        release();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs (harmlessly) again
        }
    }
}
