package io.mscoordinator.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one comparison with a golden file: a whole body byte for byte ({@link #assertText}) or the
 * samples of a body in {@link Samples}' normal form ({@link #assertSamples}). Either fails with one
 * message: the golden's name and how many lines or samples differ, then the differences as {@code
 * -} (golden) and {@code +} (actual) lines, the first {@value #SHOWN} of them.
 */
public final class Golden {
  /** Diff lines shown in a failure message; the count before them says how many differ in all. */
  static final int SHOWN = 80;

  private Golden() {}

  /**
   * Fails unless {@code actual} equals the golden file's bytes; the message lists the lines that
   * differ, numbered in each. With {@code -Dgolden.update=true} it first writes {@code actual} into
   * the file (review the diff before committing it).
   */
  public static void assertText(Path golden, byte[] actual) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(golden.toAbsolutePath().getParent());
      Files.write(golden, actual);
    }
    byte[] expected = Files.readAllBytes(golden);
    if (Arrays.equals(expected, actual)) {
      return;
    }
    String[] a = new String(expected, StandardCharsets.UTF_8).split("\n", -1);
    String[] b = new String(actual, StandardCharsets.UTF_8).split("\n", -1);
    List<String> diff = lineDiff(a, b);
    if (diff.isEmpty()) {
      fail("golden " + golden.getFileName() + ": the bytes differ where they are not UTF-8");
    }
    report(golden.getFileName() + ": " + diff.size() + " lines missing or extra", diff);
  }

  /** As {@link #assertSamples(String, Map, Map, double)}, values equal exactly. */
  public static void assertSamples(
      String golden, Map<String, Double> expected, Map<String, Double> actual) {
    assertSamples(golden, expected, actual, 0);
  }

  /**
   * Fails unless {@code actual} has exactly the samples of {@code expected} (both in {@link
   * Samples}' normal form, {@code golden} naming where the expected ones come from) with equal
   * values: NaN equals NaN, and finite values may differ by {@code relativeTolerance} times the
   * larger of 1 and the expected value's magnitude.
   */
  public static void assertSamples(
      String golden,
      Map<String, Double> expected,
      Map<String, Double> actual,
      double relativeTolerance) {
    List<String> diff = new ArrayList<>();
    int differing = 0;
    Set<String> keys = new TreeSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    for (String key : keys) {
      Double want = expected.get(key);
      Double got = actual.get(key);
      if (want != null && got != null && same(want, got, relativeTolerance)) {
        continue;
      }
      differing++;
      diff.add(want == null ? "- " + key + " (none)" : "- " + key + " " + want);
      diff.add(got == null ? "+ " + key + " (none)" : "+ " + key + " " + got);
    }
    if (differing > 0) {
      report(golden + ": " + differing + " of " + expected.size() + " samples differ", diff);
    }
  }

  private static boolean same(double want, double got, double relativeTolerance) {
    if (Double.compare(want, got) == 0) {
      return true;
    }
    return relativeTolerance > 0
        && Double.isFinite(want)
        && Math.abs(got - want) <= relativeTolerance * Math.max(1, Math.abs(want));
  }

  private static void report(String title, List<String> diff) {
    StringBuilder message =
        new StringBuilder("golden ").append(title).append(" (- golden, + actual)");
    for (int i = 0; i < diff.size(); i++) {
      if (i == SHOWN) {
        message.append("\n  ...");
        break;
      }
      message.append("\n  ").append(diff.get(i));
    }
    fail(message.toString());
  }

  /**
   * The lines of a longest-common-subsequence diff: each golden line the actual text lacks as
   * {@code - N: "text"}, each actual line the golden lacks as {@code + N: "text"} (1-based line
   * numbers of each side).
   */
  private static List<String> lineDiff(String[] a, String[] b) {
    int[][] common = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        common[i][j] =
            a[i].equals(b[j])
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i].equals(b[j])) {
        i++;
        j++;
      } else if (j == b.length || (i < a.length && common[i + 1][j] >= common[i][j + 1])) {
        out.add("- " + (i + 1) + ": \"" + a[i] + "\"");
        i++;
      } else {
        out.add("+ " + (j + 1) + ": \"" + b[j] + "\"");
        j++;
      }
    }
    return out;
  }
}
