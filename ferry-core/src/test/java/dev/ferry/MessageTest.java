package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A message names settings in the library's terms, or in any other when rendered with them. */
class MessageTest {
    /** A front end's names for the settings, as a command line would spell them. */
    private static final Function<Setting, String> FLAGS = s -> "<" + s.name() + ">";

    @Test
    void aMessageRendersInEitherTerms() {
        Message m = Message.of(Setting.EPOCHS, " must be at least 1, got ", 0);
        assertEquals("epochs must be at least 1, got 0", m.toString());
        assertEquals("<EPOCHS> must be at least 1, got 0", m.render(FLAGS));
        assertEquals(List.of(Setting.EPOCHS), m.settings());
        Message joined = Message.join("; ", List.of(m, Message.text("x"), Message.of(Setting.SEED, ": 1")));
        assertEquals("epochs must be at least 1, got 0; x; seed: 1", joined.toString());
        assertEquals(List.of(Setting.EPOCHS, Setting.SEED), joined.settings());
        assertEquals(Message.of(Setting.EPOCHS, " must be at least 1, got ", "0"), m, "equal parts, equal messages");
        assertEquals("null", Message.text(null).toString());
    }

    @Test
    void settingsHaveDistinctLibraryNames() {
        assertEquals(Setting.values().length,
                java.util.Arrays.stream(Setting.values()).map(Setting::libraryName).distinct().count());
        for (Setting s : Setting.values()) {
            assertFalse(s.libraryName().startsWith("-"), s.name());
        }
    }
}
