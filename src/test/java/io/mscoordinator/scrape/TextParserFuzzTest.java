package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's body on its way to {@code /metrics}: parse, reset compensation, merge, encode. Whatever
 * bytes a node sends, the parser either accepts them or refuses them with a {@link ParseException}
 * whose reason is short (the node's scrape fails; any other exception would end its scrape thread's
 * round with an unexplained error). An accepted body must parse the same way a second time through
 * the parser's intern tables, a refused one must leave the parser able to read a good body exactly
 * as a fresh parser does, and the merged text the coordinator serves for an accepted body must be
 * accepted by the same strict parser.
 *
 * <p>Bodies ending in {@code # EOF} are read as OpenMetrics, others as text 0.0.4 (the scraper
 * decides by {@code Content-Type}). Seeds: corpus bodies in {@code TextParserFuzzTestInputs/parse}.
 * Fuzz with {@code bin/fuzz 30s TextParserFuzzTest#parse}.
 */
class TextParserFuzzTest {
  private static final int MAX_REASON = 512;
  private static final byte[] GOOD = TestData.mindie("ms_metricsSingleNodeData_0.prom");
  private static final String GOOD_PARSED = describe(parseFresh(GOOD, false));

  @FuzzTest(maxDuration = "30s")
  @DictionaryEntries({
    "# HELP ",
    "# TYPE ",
    "# UNIT ",
    "# EOF",
    " counter",
    " gauge",
    " histogram",
    " summary",
    " untyped",
    " gaugehistogram",
    " stateset",
    " info",
    "_bucket{le=\"",
    "+Inf",
    "_total",
    "_count",
    "_sum",
    "_created",
    "quantile=\"",
    "NaN",
    " # {a=\"b\"} 1 2",
  })
  void parse(byte[] body) throws Exception {
    boolean om = endsWith(body, "# EOF\n") || endsWith(body, "# EOF");
    TextParser parser = new TextParser(10_000);
    List<ParsedFamily> families;
    try {
      families = parser.parse(body, body.length, om);
    } catch (ParseException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "a reason");
      assertTrue(e.getMessage().length() <= MAX_REASON, "short reason: " + e.getMessage().length());
      assertEquals(GOOD_PARSED, describe(parser.parse(GOOD, GOOD.length, false)));
      return;
    }
    String first = describe(families);
    List<ParsedFamily> again = parser.parse(body, body.length, om);
    assertEquals(first, describe(again), "second parse through the intern tables");

    ResetCompensator.apply(again);
    NodeResult node =
        new NodeResult(
            Fleet.instance(0, 2026, Role.UNDEF, 1024, "m"), true, null, 0, 0, 0, again, true);
    MergedSnapshot merged = new ClusterMerge(ScrapeSettings.defaults()).merge(List.of(node), 0);
    byte[] text =
        MergedFamiliesEncodingTest.encode(
            ScrapeFamilySource.clusterView(merged), ExpositionFormat.PROMETHEUS_TEXT);
    try {
      new TextParser(100_000).parse(text, text.length, false);
    } catch (ParseException e) {
      throw new AssertionError(
          "served text refused: "
              + e.getMessage()
              + "\n"
              + new String(text, StandardCharsets.UTF_8),
          e);
    }
  }

  private static List<ParsedFamily> parseFresh(byte[] body, boolean om) {
    try {
      return new TextParser(10_000).parse(body, body.length, om);
    } catch (ParseException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean endsWith(byte[] body, String suffix) {
    byte[] s = suffix.getBytes(StandardCharsets.US_ASCII);
    if (body.length < s.length) {
      return false;
    }
    for (int i = 0; i < s.length; i++) {
      if (body[body.length - s.length + i] != s[i]) {
        return false;
      }
    }
    return true;
  }

  /** Everything a parse produced, as text, so two parses can be compared. */
  private static String describe(List<ParsedFamily> families) {
    List<String> out = new ArrayList<>();
    for (ParsedFamily f : families) {
      StringBuilder line = new StringBuilder();
      line.append(f.name).append(' ').append(f.type).append(' ').append(f.help);
      line.append(' ').append(f.unit).append(':');
      for (int i = 0; i < f.size; i++) {
        line.append(' ').append(f.series[i]).append('=').append(f.values[i]);
      }
      out.add(line.toString());
    }
    return String.join("\n", out);
  }
}
