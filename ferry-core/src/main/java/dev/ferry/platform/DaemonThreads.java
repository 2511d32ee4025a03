package dev.ferry.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon worker threads (so a forgotten pool never keeps the JVM alive) that can be joined,
 * so that closing a pool means its threads are really gone: the one thread factory of ferry's
 * worker pools.
 */
public final class DaemonThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
    public DaemonThreads(String prefix) {
        this.prefix = prefix;
    }

    /** A fixed pool of {@code threads} workers made by a new factory named {@code prefix}. */
    public static java.util.concurrent.ExecutorService fixedPool(String prefix, int threads) {
        return java.util.concurrent.Executors.newFixedThreadPool(threads, new DaemonThreads(prefix));
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        return t;
    }

    /**
     * Interrupts the pool's workers, waits until the pool has terminated and every thread this
     * factory made has exited. Keeps the caller's interrupt status.
     */
    public void shutdownAndJoin(ExecutorService pool) {
        pool.shutdownNow();
        boolean interrupted = false;
        try {
            while (!pool.isTerminated()) {
                try {
                    pool.awaitTermination(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            List<Thread> copy;
            synchronized (threads) {
                copy = new ArrayList<>(threads);
            }
            for (Thread t : copy) {
                while (t.isAlive()) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
