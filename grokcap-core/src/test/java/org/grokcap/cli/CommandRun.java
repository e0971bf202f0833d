package org.grokcap.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the CLI in-process, as {@link Main#run} with captured stdout and stderr, for tests of commands.
 * Each {@link #run} starts from empty streams, so {@link #out()} and {@link #err()} hold that run's output only.
 */
public final class CommandRun {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private int exitCode;

    /** Runs once on a new fixture: for tests that keep the output of several runs side by side. */
    public static CommandRun of(String... args) {
        CommandRun r = new CommandRun();
        r.run(args);
        return r;
    }

    /** Clears both streams, runs {@code grokcap args...} and returns its exit code. */
    public int run(String... args) {
        out.reset();
        err.reset();
        exitCode = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return exitCode;
    }

    /** The exit code of the last run. */
    public int exitCode() {
        return exitCode;
    }

    /** What the last run printed on stdout. */
    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What the last run printed on stderr. */
    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The last non-blank line of stdout, where commands print their result as JSON. */
    public JsonNode lastJsonLine() throws IOException {
        String[] lines = out().strip().split("\n");
        return Json.mapper().readTree(lines[lines.length - 1]);
    }
}
