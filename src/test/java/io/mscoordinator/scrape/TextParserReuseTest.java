package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A node's parser is reused scrape after scrape and tries, for each sample, the entry the last body
 * had at the same position before its hash table. Whatever the last body was, the next one must
 * parse exactly as a fresh parser parses it: same families, series, values, or the same error.
 */
class TextParserReuseTest {
  private static final Path OPENMETRICS = TestData.OPENMETRICS_SUITE;

  /** Bodies whose lines come back shifted, reordered, retyped or duplicated. */
  private static final List<String> CRAFTED =
      List.of(
          "a 1\nb 2\nc{x=\"1\"} 3\n",
          "b 2\na 1\nc{x=\"1\"} 3\n",
          "a 1\nc{x=\"1\"} 3\n",
          "z 0\na 1\nb 2\nc{x=\"1\"} 3\n",
          "# TYPE x counter\nx_total 1\ny 2\n",
          "# TYPE x gauge\nx_total 1\ny 2\n",
          "x_total 1\ny 2\n",
          "# TYPE x_total counter\nx_total 1\ny 2\n",
          "# TYPE x_total gauge\nx_total 1\ny 2\n",
          "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
          "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n",
          "# TYPE h summary\nh_bucket{le=\"1\"} 1\nh_sum 3\nh_count 2\n",
          "# TYPE h_bucket gauge\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n",
          "# TYPE h histogram\nh_sum 3\nh_count 2\n# TYPE h_bucket gauge\nh_bucket{le=\"1\"} 1\n",
          "a 1\na 2\n",
          "a 1\nb 2\nc{x=\"1\"} 3\nb 4\n",
          "a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n",
          "a 1\nb 2\nc{x=\"1\"\n",
          // a name alone, then the same name with labels after blanks, or a longer name
          "a {x=\"1\"} 1\nb 2\n",
          "a\t{x=\"1\"} 1\nb 2\n",
          "a_b 1\nb 2\n",
          "a  1\nb\t2\nc{x=\"1\"}3\n",
          // HELP and TYPE lines that change, repeat or move
          "# HELP a x\na 1\n",
          "# HELP a xy\na 1\n",
          "# HELP a x\n# HELP a x\na 1\n",
          "# TYPE a gauge\n# HELP a x\na 1\n",
          "# HELP a x\n# TYPE a gauge\na 1\n",
          "# HELP a x \n# TYPE a counter\na 1\n");

  /** OpenMetrics bodies whose keys are prefixes of each other or change form. */
  private static final List<String> CRAFTED_OPENMETRICS =
      List.of(
          "a 1\n# EOF\n",
          "a {x=\"1\"} 1\n# EOF\n",
          "a{x=\"1\"} 1\n# EOF\n",
          "a{x=\"1\"}  1\n# EOF\n",
          "a_b 1\n# EOF\n",
          "# TYPE a gauge\na 1\n# EOF\n",
          "# TYPE a counter\na_total 1\n# EOF\n");

  /**
   * Keys whose bytes each format reads differently: text refuses an unknown escape that OpenMetrics
   * keeps, OpenMetrics refuses a bound spelled {@code +INF} that text takes.
   */
  private static final List<String> CRAFTED_ACROSS =
      List.of(
          "a{x=\"\\q\"} 1\n",
          "a{x=\"\\q\"} 1\n# EOF\n",
          "# TYPE h histogram\nh_bucket{le=\"+INF\"} 1\nh_sum 1\nh_count 1\n",
          "# TYPE h histogram\nh_bucket{le=\"+INF\"} 1\nh_sum 1\nh_count 1\n# EOF\n");

  @Test
  void shouldParseEachRealBodyAfterAnyOtherAsAFreshParserDoes() throws IOException {
    List<byte[]> bodies = new ArrayList<>();
    TextParserTest.realBodies().forEach(p -> bodies.add(TestData.bytes(p)));
    TextParserTest.fuzzGood().forEach(p -> bodies.add(TestData.bytes(p)));
    TextParserTest.fuzzBad().forEach(p -> bodies.add(TestData.bytes(p)));
    for (String s : CRAFTED) {
      bodies.add(s.getBytes(StandardCharsets.UTF_8));
    }
    int pairs = 0;
    for (byte[] first : bodies) {
      for (byte[] next : bodies) {
        assertSameAsFresh(List.of(first, next), false);
        pairs++;
      }
    }
    assertTrue(pairs > 1000, "pairs: " + pairs);
  }

  @Test
  void shouldParseTheCraftedBodiesInEveryOrderOfThreeAsAFreshParserDoes() {
    for (String a : CRAFTED) {
      for (String b : CRAFTED) {
        for (String c : CRAFTED) {
          assertSameAsFresh(List.of(bytes(a), bytes(b), bytes(c)), false);
        }
      }
    }
  }

  @Test
  void shouldParseTheCraftedOpenMetricsBodiesInEveryOrderOfThreeAsAFreshParserDoes() {
    for (String a : CRAFTED_OPENMETRICS) {
      for (String b : CRAFTED_OPENMETRICS) {
        for (String c : CRAFTED_OPENMETRICS) {
          assertSameAsFresh(List.of(bytes(a), bytes(b), bytes(c)), true);
        }
      }
    }
  }

  @Test
  void shouldParseEachOpenMetricsCaseAfterItselfAndAfterTheCaseBeforeAsAFreshParserDoes()
      throws IOException {
    List<byte[]> bodies = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(OPENMETRICS)) {
      for (Path dir : dirs.sorted().toList()) {
        JsonObject test =
            Json.createReader(new StringReader(Files.readString(dir.resolve("test.json"))))
                .readObject();
        bodies.add(Files.readAllBytes(dir.resolve(test.getString("file"))));
      }
    }
    for (int i = 0; i < bodies.size(); i++) {
      assertSameAsFresh(List.of(bodies.get(i), bodies.get(i)), true);
      if (i > 0) {
        assertSameAsFresh(List.of(bodies.get(i - 1), bodies.get(i)), true);
        assertSameAsFresh(List.of(bodies.get(i), bodies.get(i - 1), bodies.get(i)), true);
      }
    }
  }

  /**
   * A node may change format from one scrape to the next (a new version after a restart): its
   * parser of each format keeps its own tables, so a body parses as a fresh parser parses it
   * whatever the other format's parser read before.
   */
  @Test
  void shouldParseABodyAfterOneOfTheOtherFormatAsAFreshParserDoes() {
    List<String> openMetrics = new ArrayList<>(CRAFTED_OPENMETRICS);
    List<String> text = new ArrayList<>(CRAFTED);
    for (String body : CRAFTED_ACROSS) {
      (body.endsWith("# EOF\n") ? openMetrics : text).add(body);
    }
    for (String a : text) {
      for (String b : openMetrics) {
        assertSameAsFresh(List.of(bytes(a), bytes(b), bytes(a)), List.of(false, true, false));
        assertSameAsFresh(List.of(bytes(b), bytes(a), bytes(b)), List.of(true, false, true));
      }
    }
  }

  @Test
  void shouldParseAsAFreshParserDoesWhenItsTablesAreClearedBetweenBodies() {
    // a parser limited to 2 series clears its tables once it knows more than 16 family names:
    // the HELP lines remembered before must not come back with the old families
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      many.append("# HELP f").append(i).append(" help ").append(i).append('\n');
    }
    String body = many + "# TYPE f0 counter\nf0 1\nf1 2\n";
    List<byte[]> bodies = List.of(bytes(body), bytes(body), bytes("f1 3\n" + body), bytes(body));
    assertSameAsFresh(bodies, false, 2);
    assertTrue(outcome(new TextParser(2), bytes(body), false).startsWith("f0 COUNTER help 0"));
  }

  private static void assertSameAsFresh(List<byte[]> bodies, boolean openMetrics) {
    assertSameAsFresh(bodies, openMetrics, 100_000);
  }

  private static void assertSameAsFresh(List<byte[]> bodies, boolean openMetrics, int maxSeries) {
    assertSameAsFresh(bodies, bodies.stream().map(b -> openMetrics).toList(), maxSeries);
  }

  /** Each body in its own format: OpenMetrics where {@code openMetrics} says so. */
  private static void assertSameAsFresh(List<byte[]> bodies, List<Boolean> openMetrics) {
    assertSameAsFresh(bodies, openMetrics, 100_000);
  }

  private static void assertSameAsFresh(
      List<byte[]> bodies, List<Boolean> openMetrics, int maxSeries) {
    TextParser reused = new TextParser(maxSeries);
    for (int i = 0; i < bodies.size(); i++) {
      byte[] body = bodies.get(i);
      String got = outcome(reused, body, openMetrics.get(i));
      String fresh = outcome(new TextParser(maxSeries), body, openMetrics.get(i));
      if (!fresh.equals(got)) {
        StringBuilder seq = new StringBuilder();
        for (byte[] b : bodies) {
          seq.append("---\n").append(new String(b, StandardCharsets.UTF_8));
        }
        assertEquals(fresh, got, "reused parser after:\n" + seq);
      }
    }
  }

  private static String outcome(TextParser parser, byte[] body, boolean openMetrics) {
    try {
      return describe(parser.parse(body, body.length, openMetrics));
    } catch (ParseException e) {
      return "error: " + e.getMessage();
    }
  }

  private static String describe(List<ParsedFamily> families) {
    StringBuilder out = new StringBuilder();
    for (ParsedFamily f : families) {
      out.append(f.name).append(' ').append(f.type).append(' ').append(f.help);
      out.append(' ').append(f.unit).append(':');
      for (int i = 0; i < f.size; i++) {
        Series s = f.series[i];
        out.append(' ').append(s).append('/').append(s.suffix).append('=').append(f.values[i]);
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
