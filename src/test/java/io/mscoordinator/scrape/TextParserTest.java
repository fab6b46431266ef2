package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.series.MetricType;
import io.mscoordinator.testing.TestData;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TextParserTest {
  private static final Path FUZZ = TestData.EXPFMT_FUZZ;
  private static final Path OPENMETRICS = TestData.OPENMETRICS_SUITE;

  static Stream<Path> realBodies() throws IOException {
    try (Stream<Path> files = Files.walk(TestData.NODES)) {
      List<Path> list =
          files
              .filter(p -> p.toString().endsWith(".prom"))
              .filter(p -> !p.getFileName().toString().contains("INVALID"))
              .sorted()
              .toList();
      assertTrue(list.size() >= 18, "corpus bodies found: " + list.size());
      return list.stream();
    }
  }

  static Stream<Path> fuzzGood() throws IOException {
    return fuzz(false);
  }

  static Stream<Path> fuzzBad() throws IOException {
    return fuzz(true);
  }

  private static Stream<Path> fuzz(boolean bad) throws IOException {
    try (Stream<Path> files = Files.list(FUZZ)) {
      List<Path> list =
          files
              .filter(p -> p.getFileName().toString().startsWith("from_test_parse_"))
              .filter(p -> p.getFileName().toString().contains("error") == bad)
              .sorted()
              .toList();
      assertTrue(list.size() >= 5);
      return list.stream();
    }
  }

  static Stream<Path> openMetricsCases() throws IOException {
    try (Stream<Path> dirs = Files.list(OPENMETRICS)) {
      List<Path> list = dirs.sorted().toList();
      assertEquals(211, list.size());
      return list.stream();
    }
  }

  private static List<ParsedFamily> parse(byte[] body, boolean openMetrics) throws ParseException {
    return new TextParser(100_000).parse(body, body.length, openMetrics);
  }

  private static List<ParsedFamily> parse(String body) throws ParseException {
    return parse(body.getBytes(StandardCharsets.UTF_8), false);
  }

  @ParameterizedTest
  @MethodSource("realBodies")
  void shouldAcceptEveryRealNodeBody(Path body) throws ParseException {
    List<ParsedFamily> families = parse(TestData.bytes(body), false);
    assertTrue(!families.isEmpty(), body.toString());
  }

  @Test
  void shouldRejectTheInvalidTritonSnippets() {
    byte[] body = TestData.node("triton_docs_snippets_INVALID.prom");
    assertThrows(ParseException.class, () -> parse(body, false));
  }

  @ParameterizedTest
  @MethodSource("fuzzGood")
  void shouldAcceptTheExpfmtParseCases(Path body) throws ParseException {
    parse(TestData.bytes(body), false);
  }

  @ParameterizedTest
  @MethodSource("fuzzBad")
  void shouldRejectTheExpfmtErrorCases(Path body) {
    assertThrows(ParseException.class, () -> parse(TestData.bytes(body), false));
  }

  @ParameterizedTest
  @MethodSource("openMetricsCases")
  void shouldJudgeTheOpenMetricsCasesAsTheSuiteSays(Path dir) throws IOException {
    JsonObject test =
        Json.createReader(new StringReader(Files.readString(dir.resolve("test.json"))))
            .readObject();
    byte[] body = Files.readAllBytes(dir.resolve(test.getString("file")));
    boolean shouldParse = test.getBoolean("shouldParse");
    if (shouldParse) {
      try {
        parse(body, true);
      } catch (ParseException e) {
        throw new AssertionError(dir.getFileName() + " should parse: " + e.getMessage(), e);
      }
    } else {
      assertThrows(ParseException.class, () -> parse(body, true), dir.getFileName().toString());
    }
  }

  @Test
  void shouldReuseTheSameSeriesObjectsWhenTheNextScrapeHasTheSameBytes() throws ParseException {
    TextParser parser = new TextParser(100_000);
    byte[] body = TestData.node("tgi.prom");
    ParsedFamily first = parser.parse(body, body.length, false).get(0);

    ParsedFamily second = parser.parse(body, body.length, false).get(0);

    assertSame(first.series[0], second.series[0]);
  }

  /**
   * The parsers of both formats share the node's series cells: a node that restarts with a version
   * that speaks the other format still has its counters carried over the reset.
   */
  @Test
  void shouldKeepResetCompensationWhenTheNodeChangesFormat() throws ParseException {
    TextParser parser = new TextParser(100);
    byte[] text =
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 10\nh_sum 5\nh_count 10\n"
            .getBytes(StandardCharsets.UTF_8);
    byte[] openMetrics =
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n# EOF\n"
            .getBytes(StandardCharsets.UTF_8);
    ResetCompensator.apply(parser.parse(text, text.length, false));

    List<ParsedFamily> afterRestart = parser.parse(openMetrics, openMetrics.length, true);
    ResetCompensator.apply(afterRestart);

    assertEquals(12, afterRestart.get(0).adjusted[2], "h_count: 10 before the reset, 2 after");
  }

  /**
   * HELP and TYPE lines seen in an earlier body are taken from a cache: same result, same rules.
   */
  @Test
  void shouldApplyAndCheckHelpAndTypeLinesSeenInAnEarlierBodyAsTheFirstTime()
      throws ParseException {
    TextParser parser = new TextParser(100);
    byte[] good =
        "# HELP x_total Tokens \\\\ out.\n# TYPE x_total counter\nx_total 1\n"
            .getBytes(StandardCharsets.UTF_8);
    ParsedFamily first = parser.parse(good, good.length, false).get(0);
    byte[] secondHelp =
        "# HELP x_total Tokens \\\\ out.\n# HELP x_total Tokens \\\\ out.\nx_total 1\n"
            .getBytes(StandardCharsets.UTF_8);
    byte[] typeAfterSample = "x_total 1\n# TYPE x_total counter\n".getBytes(StandardCharsets.UTF_8);

    ParsedFamily again = parser.parse(good, good.length, false).get(0);
    ParseException help =
        assertThrows(
            ParseException.class, () -> parser.parse(secondHelp, secondHelp.length, false));
    ParseException type =
        assertThrows(
            ParseException.class,
            () -> parser.parse(typeAfterSample, typeAfterSample.length, false));

    assertEquals("Tokens \\ out.", first.help);
    assertEquals(first.help, again.help);
    assertEquals(MetricType.COUNTER, again.type);
    assertTrue(help.getMessage().contains("second HELP"), help.getMessage());
    assertTrue(type.getMessage().contains("TYPE after samples"), type.getMessage());
  }

  /** Found by TextParserFuzzTest: an interned untyped key must not bypass a histogram's TYPE. */
  @Test
  void shouldPutBucketsUnderTheirHistogramAfterAScrapeWhereTheyCameWithoutType()
      throws ParseException {
    TextParser parser = new TextParser(100);
    byte[] untyped = "x_bucket{le=\"1\"} 2\n".getBytes(StandardCharsets.UTF_8);
    parser.parse(untyped, untyped.length, false);
    byte[] typed =
        ("# TYPE x histogram\nx_bucket{le=\"1\"} 2\nx_bucket{le=\"+Inf\"} 3\n"
                + "x_sum 4\nx_count 3\n")
            .getBytes(StandardCharsets.UTF_8);

    List<ParsedFamily> families = parser.parse(typed, typed.length, false);

    assertEquals(1, families.size(), "one family, no stray untyped x_bucket");
    assertEquals(MetricType.HISTOGRAM, families.get(0).type);
    assertEquals(4, families.get(0).size);
  }

  @Test
  void shouldRejectABodyOverTheSeriesLimit() {
    byte[] body = "a 1\nb 2\nc 3\n".getBytes(StandardCharsets.UTF_8);

    ParseException e =
        assertThrows(ParseException.class, () -> new TextParser(2).parse(body, body.length, false));

    assertTrue(e.getMessage().contains("series limit reached: limit=2"), e.getMessage());
  }

  /**
   * A family named like a histogram's or summary's sample beside that family would serve the same
   * sample names twice in the merged exposition (found by TextParserFuzzTest: a TYPE line naming
   * {@code request_prompt_tokens_bucket} took the histogram's buckets).
   */
  @Test
  void shouldRejectAFamilyWhoseNameIsASampleOfAHistogramOrSummaryInTheSameBody() {
    assertRefused(
        "clashing sample names: name=",
        "# TYPE h_bucket counter\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 2\n",
        "h_count 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\n",
        "# TYPE s summary\ns_count 1\ns_sum 2\n# TYPE s_sum gauge\ns_sum{a=\"1\"} 3\n");
  }

  /** Each body refused, with a reason containing {@code reason}. */
  private static void assertRefused(String reason, String... bodies) {
    for (String body : bodies) {
      ParseException e = assertThrows(ParseException.class, () -> parse(body), body);

      assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
  }

  /**
   * {@code le} on a histogram's {@code _count} or {@code _sum}, or {@code quantile} on a summary's,
   * in text as in OpenMetrics: the merge would put the sample in a group of its own and serve that
   * group's {@code +Inf} bucket with {@code le} twice (found by TextParserFuzzTest).
   */
  @Test
  void shouldRejectABoundLabelOnAHistogramOrSummarySampleThatHasNone() {
    assertRefused(
        "on a non-",
        "# TYPE h histogram\nh_count{le=\"8\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"1\"} 2\nh_count 1\n",
        "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_count{quantile=\"0.5\"} 1\ns_sum 2\n");
  }

  @Test
  void shouldRejectASeriesThatAppearsTwice() {
    assertThrows(ParseException.class, () -> parse("x{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n"));
  }

  @Test
  void shouldReadMindieHistogramsWrittenCountSumThenBuckets() throws ParseException {
    ParsedFamily h =
        parse(
                "# TYPE h histogram\nh_count 2\nh_sum 3\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n")
            .get(0);

    assertEquals(MetricType.HISTOGRAM, h.type);
    assertEquals(4, h.size);
    assertEquals(Double.POSITIVE_INFINITY, h.series[3].bound);
  }

  @Test
  void shouldReadTgiLabelsWithLeLast() throws ParseException {
    ParsedFamily h =
        parse(
                "# TYPE h histogram\nh_bucket{method=\"x\",le=\"0.5\"} 1\nh_bucket{le=\"+Inf\",method=\"x\"} 2\n")
            .get(0);

    assertEquals(h.series[0].labels, h.series[1].labels);
    assertEquals(0.5, h.series[0].bound);
  }

  @Test
  void shouldReadACounterNamedLikeAHistogramCount() throws ParseException {
    List<ParsedFamily> families = parse("# TYPE tgi_request_count counter\ntgi_request_count 5\n");

    assertEquals(MetricType.COUNTER, families.get(0).type);
    assertEquals("tgi_request_count", families.get(0).name);
  }

  @Test
  void shouldParseDecimalValuesExactlyAsJavaDoes() throws ParseException {
    String[] values = {
      "0.1",
      "29497.504006",
      "1.7560473e+06",
      "0.4400000000000001",
      "-3e3",
      "08",
      "123456789012345678901",
      "4.9e-324",
      "1e22",
      "1e23"
    };
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      body.append("v").append(i).append(' ').append(values[i]).append('\n');
    }
    List<ParsedFamily> families = parse(body.toString());

    for (int i = 0; i < values.length; i++) {
      assertEquals(Double.parseDouble(values[i]), families.get(i).values[0], values[i]);
    }
  }

  /** Moved from the float tests when the conversion got its own class ({@link FloatParserTest}). */
  @Test
  void shouldRejectSampleValuesThatAreNotNumbersNamingTheValue() {
    TextParser parser = new TextParser(1000);
    for (String value : List.of(".", "+", "-", "1..2", "1.2.3", "1.2x", "--1", "0x10", "1,5")) {
      byte[] body = ("a " + value + "\n").getBytes(StandardCharsets.US_ASCII);
      ParseException e =
          assertThrows(ParseException.class, () -> parser.parse(body, body.length, false), value);
      assertTrue(e.getMessage().contains("invalid value"), value + ": " + e.getMessage());
    }
    byte[] tab = "a 1\t\n# EOF\n".getBytes(StandardCharsets.US_ASCII);
    assertThrows(
        ParseException.class, () -> parser.parse(tab, tab.length, true), "a tab in OpenMetrics");
  }

  /**
   * Through the parsers' own fast path for plain values and the float conversion behind it (moved
   * from the float tests when the conversion got its own class).
   */
  @Test
  void shouldParseSampleValuesInEveryFormANodeWritesAsTheExactConversionDoes() throws Exception {
    TextParser parser = new TextParser(1000);
    for (String value : FloatParserTest.sampleValues()) {
      byte[] body = ("a " + value + "\n").getBytes(StandardCharsets.US_ASCII);
      double got = parser.parse(body, body.length, false).get(0).values[0];
      double want = Double.parseDouble(value);
      assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), value);
    }
  }
}
