package io.mscoordinator.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.mscoordinator.exposition.ExpositionFormat;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference tools that judge an exposition body, each run as a child process: {@code promtool
 * check metrics} (Debian package {@code prometheus}) and prometheus_client's text and OpenMetrics
 * parsers under {@code /usr/bin/python3} ({@code python3-prometheus-client}). The body goes in and
 * the output comes back through files: a child must not inherit surefire's stdout. A missing tool
 * fails the test, naming the tool; it never skips it.
 */
public final class ReferenceTools {
  /**
   * Lint warnings promtool may give on a body the coordinator writes itself: KsanaLLM's names carry
   * abbreviated units ({@code _us}) and are fixed by the engine; every other warning, and any parse
   * error, fails.
   */
  private static final String ALLOWED_LINT = "metric names should not contain abbreviated units";

  private static final Path PARSE_SCRIPT = TestData.resource("exposition/parse_exposition.py");

  private static final String PYTHON = "/usr/bin/python3";

  private ReferenceTools() {}

  /**
   * What {@code promtool check metrics} said: its exit code (0 clean, 3 lint warnings only, 1 a
   * parse error) and its output lines.
   */
  public record Result(int exit, List<String> output) {}

  /** Runs {@code promtool check metrics} on the body. */
  public static Result promtool(byte[] body) throws IOException, InterruptedException {
    List<String> output = new ArrayList<>();
    int exit = run(List.of(tool("promtool"), "check", "metrics"), body, output);
    return new Result(exit, output);
  }

  /**
   * Fails unless promtool parses a body the coordinator writes with at most the allowed lint
   * warning. promtool 2.x reads every body with its classic text parser, so for an OpenMetrics body
   * it also reports "no help text" for a counter's {@code _total} sample (the OpenMetrics family
   * line names the family without {@code _total}); that one warning is allowed for OpenMetrics
   * bodies only.
   */
  public static void assertPromtoolAccepts(byte[] body, ExpositionFormat format)
      throws IOException, InterruptedException {
    Result result = promtool(body);
    if (result.exit() == 0) {
      return;
    }
    boolean onlyAllowedLint = result.exit() == 3;
    for (String line : result.output()) {
      boolean openMetricsCounter =
          format == ExpositionFormat.OPENMETRICS && line.matches("\\S+_total no help text");
      if (!line.isBlank() && !line.contains(ALLOWED_LINT) && !openMetricsCounter) {
        onlyAllowedLint = false;
      }
    }
    if (!onlyAllowedLint) {
      failWithBody(
          "promtool check metrics: exit=" + result.exit() + " output=" + result.output(), body);
    }
  }

  /**
   * Fails unless promtool parses the body without an error. Lint warnings of any kind are allowed:
   * a merged body carries the names the inference servers chose.
   */
  public static void assertPromtoolParses(byte[] body) throws IOException, InterruptedException {
    Result result = promtool(body);
    boolean lintRan = result.output().stream().noneMatch(l -> l.contains("error while linting"));
    if (!(result.exit() == 0 || result.exit() == 3) || !lintRan) {
      failWithBody(
          "promtool check metrics: exit=" + result.exit() + " output=" + result.output(), body);
    }
  }

  /**
   * The samples prometheus_client's parser for {@code format} reads from the body, one line each:
   * {@code family|type|sample name|sorted k=v labels|value} ({@code parse_exposition.py}). Fails
   * when the parser refuses the body.
   */
  public static List<String> pythonSamples(byte[] body, ExpositionFormat format)
      throws IOException, InterruptedException {
    String parser = format == ExpositionFormat.OPENMETRICS ? "openmetrics" : "text";
    Path bodyFile = Files.createTempFile("exposition", ".txt");
    try {
      Files.write(bodyFile, body);
      List<String> output = new ArrayList<>();
      int exit =
          run(
              List.of(PYTHON, PARSE_SCRIPT.toString(), parser, bodyFile.toString()),
              new byte[0],
              output);
      if (exit != 0) {
        failWithBody(
            "prometheus_client " + parser + " parser: exit=" + exit + " output=" + output, body);
      }
      return output;
    } finally {
      Files.deleteIfExists(bodyFile);
    }
  }

  /**
   * Fails unless promtool accepts both bodies of one exposition and prometheus_client reads the
   * same samples from both, not counting the coordinator's own {@code ms_coordinator_*} families
   * (its figures, such as duty cycles, move between two requests). Returns those samples, as {@link
   * #pythonSamples} gives them.
   */
  public static List<String> assertBothFormatsReadAlike(byte[] text, byte[] openMetrics)
      throws IOException, InterruptedException {
    assertPromtoolAccepts(text, ExpositionFormat.PROMETHEUS_TEXT);
    assertPromtoolAccepts(openMetrics, ExpositionFormat.OPENMETRICS);
    List<String> fromText = engine(pythonSamples(text, ExpositionFormat.PROMETHEUS_TEXT));
    List<String> fromOpenMetrics = engine(pythonSamples(openMetrics, ExpositionFormat.OPENMETRICS));
    assertEquals(fromText, fromOpenMetrics, "samples read from the text and OpenMetrics bodies");
    return fromText;
  }

  private static List<String> engine(List<String> samples) {
    return samples.stream().filter(s -> !s.startsWith("ms_coordinator_")).toList();
  }

  private static void failWithBody(String what, byte[] body) {
    fail(what + "\nbody:\n" + new String(body, StandardCharsets.UTF_8));
  }

  private static int run(List<String> command, byte[] stdin, List<String> output)
      throws IOException, InterruptedException {
    Path in = Files.createTempFile("tool-in", ".txt");
    Path out = Files.createTempFile("tool-out", ".txt");
    try {
      Files.write(in, stdin);
      Process p;
      try {
        p =
            new ProcessBuilder(command)
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectErrorStream(true)
                .start();
      } catch (IOException e) {
        throw new AssertionError(
            "reference tool missing: command=" + command.get(0) + " (.ci/run installs it)", e);
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("reference tool timed out: command=" + command);
      }
      output.addAll(Files.readAllLines(out, StandardCharsets.UTF_8));
      return p.exitValue();
    } finally {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
    }
  }

  private static String tool(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    throw new AssertionError(
        "reference tool missing: command=" + name + " not on PATH (.ci/run installs it)");
  }
}
