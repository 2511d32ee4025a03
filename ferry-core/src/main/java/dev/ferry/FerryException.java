package dev.ferry;

/**
 * A failure that ferry reports to the user as one line, without a stack trace.
 *
 * <p>The message must name the offending thing (a path, a key, an option) and say what is wrong
 * with it. Its subclass {@link InputException} marks bad usage or bad input; a front end tells the
 * two apart (the command line exits 1 for a failure while working, 2 for bad input).
 */
public class FerryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FerryException(String message) {
        super(message);
    }

    public FerryException(String message, Throwable cause) {
        super(message, cause);
    }
}
