package io.mscoordinator.exposition;

import static org.junit.jupiter.api.Assertions.fail;

import io.mscoordinator.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the reference tools on a body: {@code promtool check metrics} and prometheus_client's text
 * and OpenMetrics parsers under {@code /usr/bin/python3}. A missing tool fails the test; it never
 * skips it.
 */
public final class ExternalTools {
  /**
   * Lint warnings promtool may give: KsanaLLM's names carry abbreviated units ({@code _us}) and are
   * fixed by the engine; every other warning, and any parse error, fails.
   */
  private static final String ALLOWED_LINT = "metric names should not contain abbreviated units";

  private ExternalTools() {}

  /**
   * Fails unless promtool parses the body with at most the allowed lint warning. promtool 2.x reads
   * every body with its classic text parser, so for an OpenMetrics body it also reports "no help
   * text" for a counter's {@code _total} sample (the OpenMetrics family line names the family
   * without {@code _total}); that one warning is allowed for OpenMetrics bodies only.
   */
  public static void assertPromtoolAccepts(byte[] body, ExpositionFormat format) throws Exception {
    List<String> output = new ArrayList<>();
    int rc = run(List.of("promtool", "check", "metrics"), body, output);
    if (rc == 0) {
      return;
    }
    boolean onlyAllowedLint = rc == 3;
    for (String line : output) {
      boolean openMetricsCounter =
          format == ExpositionFormat.OPENMETRICS && line.matches("\\S+_total no help text");
      if (!line.isBlank() && !line.contains(ALLOWED_LINT) && !openMetricsCounter) {
        onlyAllowedLint = false;
      }
    }
    if (!onlyAllowedLint) {
      fail(
          "promtool check metrics: exit="
              + rc
              + " output="
              + output
              + "\nbody:\n"
              + new String(body, StandardCharsets.UTF_8));
    }
  }

  /** The samples prometheus_client parses from the body, one line each (parse_exposition.py). */
  public static List<String> pythonSamples(byte[] body, ExpositionFormat format) throws Exception {
    Path script = TestData.resource("exposition/parse_exposition.py");
    List<String> output = new ArrayList<>();
    Path bodyFile = Files.createTempFile("exposition", ".txt");
    try {
      Files.write(bodyFile, body);
      String fmt = format == ExpositionFormat.OPENMETRICS ? "openmetrics" : "text";
      int rc =
          run(
              List.of("/usr/bin/python3", script.toString(), fmt, bodyFile.toString()),
              new byte[0],
              output);
      if (rc != 0) {
        fail(
            "prometheus_client "
                + fmt
                + " parser: exit="
                + rc
                + " output="
                + output
                + "\nbody:\n"
                + new String(body, StandardCharsets.UTF_8));
      }
    } finally {
      Files.deleteIfExists(bodyFile);
    }
    return output;
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
        throw new AssertionError("reference tool missing: command=" + command.get(0), e);
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
}
