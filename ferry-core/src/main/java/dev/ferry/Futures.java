package dev.ferry;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waits for work done on ferry's worker threads, rethrowing what the worker threw. */
public final class Futures {
    private Futures() {}

    /**
     * The result of {@code f}. A worker's RuntimeException or Error is rethrown as it is (so a
     * one-line {@link FerryException} from a decoder reaches the user unchanged); anything else becomes
     * a FerryException saying which {@code activity} failed.
     */
    public static <T> T await(Future<T> f, String activity) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(activity + " was interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new FerryException(activity + " failed: " + cause, cause);
        }
    }
}
