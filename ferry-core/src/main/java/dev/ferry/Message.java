package dev.ferry;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A message that refers to {@linkplain Setting settings} without naming them: text and setting
 * references, rendered with whatever names the reader knows. The library renders a setting by its
 * {@link Setting#libraryName()} ({@link #toString()}); a front end renders the same message with its
 * own names, e.g. a command line with its flags.
 *
 * <pre>{@code
 * Message m = Message.of(Setting.EPOCHS, " must be at least 1, got ", 0);
 * m.toString();                                  // "epochs must be at least 1, got 0"
 * m.render(s -> "--" + s.libraryName());         // "--epochs must be at least 1, got 0"
 * }</pre>
 */
public final class Message implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One piece of a message. */
    public sealed interface Part extends Serializable permits Text, Ref {}

    /** Literal text. */
    public record Text(String text) implements Part {
        public Text {
            Objects.requireNonNull(text);
        }
    }

    /** A reference to a setting, rendered by name. */
    public record Ref(Setting setting) implements Part {
        public Ref {
            Objects.requireNonNull(setting);
        }
    }

    private final List<Part> parts;

    private Message(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * A message of {@code pieces} in order: a {@link Setting} becomes a reference, a {@code Message}
     * contributes its parts, anything else its {@link String#valueOf(Object) text}.
     */
    public static Message of(Object... pieces) {
        List<Part> parts = new ArrayList<>();
        for (Object p : pieces) {
            if (p instanceof Setting s) {
                parts.add(new Ref(s));
            } else if (p instanceof Message m) {
                parts.addAll(m.parts);
            } else if (p instanceof Part part) {
                parts.add(part);
            } else {
                parts.add(new Text(String.valueOf(p)));
            }
        }
        return new Message(parts);
    }

    /** A message of plain text (a null text reads "null", as in string concatenation). */
    public static Message text(String text) {
        return new Message(List.of(new Text(String.valueOf(text))));
    }

    /** {@code messages} with {@code separator} between them. */
    public static Message join(String separator, List<Message> messages) {
        List<Object> pieces = new ArrayList<>();
        for (Message m : messages) {
            if (!pieces.isEmpty()) {
                pieces.add(separator);
            }
            pieces.add(m);
        }
        return of(pieces.toArray());
    }

    /** The parts in order. */
    public List<Part> parts() {
        return parts;
    }

    /** The settings referred to, in order of appearance. */
    public List<Setting> settings() {
        return parts.stream().filter(Ref.class::isInstance).map(p -> ((Ref) p).setting()).toList();
    }

    /** The text with each setting named by {@code names}. */
    public String render(Function<? super Setting, String> names) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof Text t) {
                sb.append(t.text());
            } else if (p instanceof Ref r) {
                sb.append(names.apply(r.setting()));
            }
        }
        return sb.toString();
    }

    /** The text in the library's terms: each setting by its {@link Setting#libraryName()}. */
    @Override
    public String toString() {
        return render(Setting::libraryName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && parts.equals(m.parts);
    }

    @Override
    public int hashCode() {
        return parts.hashCode();
    }
}
