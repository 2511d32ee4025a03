package dev.ferry.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Named daemon worker threads (so a forgotten pool never keeps the JVM alive) that can be joined,
 * so that closing a pool means its threads are really gone.
 */
final class DaemonThreads implements ThreadFactory {

    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    DaemonThreads(String prefix) {
        this.prefix = prefix;
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
    void shutdownAndJoin(ExecutorService pool) {
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
