package dev.ferry;

/**
 * Bad usage or bad input (a missing folder, a corrupt file, an unknown architecture, a setting out
 * of range), as opposed to a failure while working.
 */
public class InputException extends FerryException {
    private static final long serialVersionUID = 1L;

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }

    public InputException(Message message) {
        super(message);
    }

    public InputException(Message message, Throwable cause) {
        super(message, cause);
    }
}
