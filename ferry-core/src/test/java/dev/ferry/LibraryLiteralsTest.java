package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No string literal of the library names a command-line flag ({@code --} and a letter): the
 * library names settings through {@link Setting} references in a {@link Message}, and each front
 * end supplies its own names for them.
 */
class LibraryLiteralsTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern FLAG = Pattern.compile("--[A-Za-z]");

    @Test
    void noLiteralNamesAFlag() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String name = SOURCES.relativize(f).toString().replace('\\', '/');
                for (String literal : literals(Files.readString(f, StandardCharsets.UTF_8))) {
                    if (FLAG.matcher(literal).find()) {
                        found.add(name + ": \"" + literal + "\"");
                    }
                }
            }
        }
        assertEquals(List.of(), found, "refer to a Setting in a Message instead");
    }

    @Test
    void theScannerFindsLiteralsAndSkipsComments() {
        String src = "// \"--a\"\n/* \"--b\" */ String s = \"x --c \\\" y\"; char q = '\"'; String t = \"\"\"\n  --d \"\"\";";
        assertEquals(List.of("x --c \\\" y", "\n  --d "), literals(src));
        assertTrue(FLAG.matcher("pass --skip-bad").find());
    }

    /** The string literals and text blocks of Java source {@code src}, escapes as written. */
    static List<String> literals(String src) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = src.length();
        while (i < n) {
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (!src.startsWith("\"\"\"", end) || src.charAt(end - 1) == '\\') {
                    end++;
                }
                out.add(src.substring(i + 3, end));
                i = end + 3;
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char quote = src.charAt(i);
                int end = i + 1;
                while (src.charAt(end) != quote) {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                if (quote == '"') {
                    out.add(src.substring(i + 1, end));
                }
                i = end + 1;
            } else {
                i++;
            }
        }
        return out;
    }
}
