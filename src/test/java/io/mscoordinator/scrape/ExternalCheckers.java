package io.mscoordinator.scrape;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs promtool and the Python prometheus_client parser as child processes, input from a file and
 * output to files (a child must not inherit surefire's stdout). Missing tools fail the test.
 */
final class ExternalCheckers {
  private ExternalCheckers() {}

  /** The outcome of one child: exit code and its stdout+stderr. */
  record Result(int exit, String output) {}

  static Result run(Path input, List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("checker", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectInput(input.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("checker did not finish: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static Result promtool(Path body) throws IOException, InterruptedException {
    return run(body, List.of(tool("promtool"), "check", "metrics"));
  }

  /** Prints the number of samples the Python parser read; exit 1 on a parse error. */
  static Result python(Path body) throws IOException, InterruptedException {
    String script =
        "import sys\n"
            + "from prometheus_client.parser import text_string_to_metric_families as p\n"
            + "print(sum(len(f.samples) for f in p(sys.stdin.read())))\n";
    return run(body, List.of("/usr/bin/python3", "-c", script));
  }

  /** OpenMetrics: the strict Python parser; prints the sample count, exit 1 on a parse error. */
  static Result pythonOpenMetrics(Path body) throws IOException, InterruptedException {
    String script =
        "import sys\n"
            + "from prometheus_client.openmetrics.parser import"
            + " text_string_to_metric_families as p\n"
            + "print(sum(len(f.samples) for f in p(sys.stdin.read())))\n";
    return run(body, List.of("/usr/bin/python3", "-c", script));
  }

  private static String tool(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    throw new AssertionError(name + " not found on PATH; install it (see .ci/run)");
  }
}
