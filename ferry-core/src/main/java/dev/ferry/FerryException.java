package dev.ferry;

/**
 * A failure that ferry reports to the user as one line, without a stack trace.
 *
 * <p>The message must name the offending thing (a path, a key, an option) and say what is wrong
 * with it. {@link #exitCode()} is 1 for a failure while working; {@link InputException} uses 2 for
 * bad usage or bad input.
 */
public class FerryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FerryException(String message) {
        super(message);
    }

    public FerryException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The process exit code the CLI uses for this failure. */
    public int exitCode() {
        return 1;
    }
}
