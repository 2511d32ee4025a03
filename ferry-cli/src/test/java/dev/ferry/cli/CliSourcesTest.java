package dev.ferry.cli;

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
import picocli.CommandLine;

/**
 * Every command is a {@link FerryCommand} and prints through picocli's writers, never through
 * {@code System.out} or {@code System.err}: what a command prints is then where its caller (a test,
 * an embedding program) asked for it, and {@code --json} output is not mixed with logs.
 */
class CliSourcesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern SYSTEM_STREAM = Pattern.compile("System\\s*\\.\\s*(out|err)\\b");

    @Test
    void noCommandPrintsOnTheJvmsStreams() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String name = SOURCES.relativize(f).toString().replace('\\', '/');
                String code = withoutComments(Files.readString(f, StandardCharsets.UTF_8));
                if (SYSTEM_STREAM.matcher(code).find()) {
                    found.add(name);
                }
            }
        }
        assertEquals(List.of(), found, "print through FerryCommand's out(), err() or log()");
    }

    @Test
    void everyCommandIsAFerryCommand() {
        CommandLine cl = FerryCli.commandLine();
        assertTrue(cl.getCommand() instanceof FerryCommand);
        for (CommandLine sub : cl.getSubcommands().values()) {
            Object command = sub.getCommand();
            if (command instanceof CommandLine.HelpCommand) {
                continue;
            }
            assertTrue(command instanceof FerryCommand, sub.getCommandName() + " is not a FerryCommand");
        }
    }

    private static String withoutComments(String src) {
        return src.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
    }
}
