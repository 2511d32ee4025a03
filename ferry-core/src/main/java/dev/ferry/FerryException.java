package dev.ferry;

import java.util.function.Function;

/**
 * A failure that ferry reports to the user as one line, without a stack trace.
 *
 * <p>The message must name the offending thing (a path, a key, a setting) and say what is wrong
 * with it. Settings are referred to through a {@link Message}: {@link #getMessage()} names them in
 * the library's terms ({@link Setting#libraryName()}), and a front end renders the same message in
 * its own with {@link #render}. Its subclass {@link InputException} marks bad usage or bad input; a
 * front end tells the two apart (the command line exits 1 for a failure while working, 2 for bad
 * input).
 */
public class FerryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Message template;

    public FerryException(String message) {
        this(Message.text(message));
    }

    public FerryException(String message, Throwable cause) {
        this(Message.text(message), cause);
    }

    public FerryException(Message message) {
        super(message.toString());
        this.template = message;
    }

    public FerryException(Message message, Throwable cause) {
        super(message.toString(), cause);
        this.template = message;
    }

    /** The message with its setting references, for a front end to render in its terms. */
    public Message template() {
        return template;
    }

    /** The message with each setting named by {@code names} (a front end's own names). */
    public String render(Function<? super Setting, String> names) {
        return template.render(names);
    }

    /**
     * The innermost non-blank message of {@code e}'s cause chain on one line (the class name when
     * there is none): for libraries that wrap the informative message ("Unexpected end of ZLIB
     * input") in general ones.
     */
    public static String innermostMessage(Throwable e) {
        Throwable t = e;
        String message = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        String text = message == null ? e.getClass().getSimpleName() : message;
        return text.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
