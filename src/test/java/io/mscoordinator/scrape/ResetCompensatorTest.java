package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reset compensation of one node's bodies, parsed by the node's one parser in turn. */
class ResetCompensatorTest {
  private final TextParser parser = new TextParser(1000);

  private Map<String, Double> scrape(String body) throws ParseException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    List<ParsedFamily> families = parser.parse(bytes, bytes.length, false);
    ResetCompensator.apply(families);
    Map<String, Double> out = new HashMap<>();
    for (ParsedFamily f : families) {
      assertNull(f.cells, "cells dropped before publication");
      for (int i = 0; i < f.size; i++) {
        out.put(f.series[i].toString(), f.adjusted[i]);
      }
    }
    return out;
  }

  @Test
  void shouldAddWhatACounterHadReachedWhenItReadsLower() throws ParseException {
    String head = "# TYPE c_total counter\n";
    assertEquals(10.0, scrape(head + "c_total 10\n").get("c_total{}"));
    assertEquals(14.0, scrape(head + "c_total 4\n").get("c_total{}"));
    assertEquals(16.0, scrape(head + "c_total 6\n").get("c_total{}"));
    assertEquals(17.0, scrape(head + "c_total 1\n").get("c_total{}"));
  }

  @Test
  void shouldKeepEachSeriesOwnStateWhenTheBodyReordersOrSkipsIt() throws ParseException {
    scrape("# TYPE c_total counter\nc_total{a=\"1\"} 100\nc_total{a=\"2\"} 5\n");
    // reordered: position-based state would swap them
    Map<String, Double> second =
        scrape("# TYPE c_total counter\nc_total{a=\"2\"} 6\nc_total{a=\"1\"} 101\n");
    assertEquals(101.0, second.get("c_total{a=\"1\"}"));
    assertEquals(6.0, second.get("c_total{a=\"2\"}"));
    // a=1 missing for one scrape, then back lower after a restart: still compensated
    scrape("# TYPE c_total counter\nc_total{a=\"2\"} 7\n");
    Map<String, Double> fourth =
        scrape("# TYPE c_total counter\nc_total{a=\"1\"} 3\nc_total{a=\"2\"} 1\n");
    assertEquals(104.0, fourth.get("c_total{a=\"1\"}"));
    assertEquals(8.0, fourth.get("c_total{a=\"2\"}"));
  }

  @Test
  void shouldCompensateBucketsSumAndCountButNotGaugesQuantilesOrCreated() throws ParseException {
    String histogram =
        "# TYPE h histogram\nh_bucket{le=\"1\"} %d\nh_bucket{le=\"+Inf\"} %d\nh_sum %d\n"
            + "h_count %d\nh_created 1700000000\n";
    String rest = "# TYPE g gauge\ng 50\n# TYPE s summary\ns{quantile=\"0.5\"} 9\ns_count 20\n";
    scrape(histogram.formatted(5, 8, 80, 8) + rest);
    Map<String, Double> after =
        scrape(
            histogram.formatted(1, 2, 20, 2)
                + rest.replace("g 50", "g 10").replace("\"} 9", "\"} 3").replace("t 20", "t 4"));
    assertEquals(6.0, after.get("h_bucket{}@1.0"));
    assertEquals(10.0, after.get("h_bucket{}@Infinity"));
    assertEquals(100.0, after.get("h_sum{}"));
    assertEquals(10.0, after.get("h_count{}"));
    assertEquals(1.7e9, after.get("h_created{}"));
    assertEquals(10.0, after.get("g{}"));
    assertEquals(3.0, after.get("s{}@0.5"));
    assertEquals(24.0, after.get("s_count{}"));
  }

  @Test
  void shouldRefuseACumulativeSampleWithoutAParserCell() {
    ParsedFamily family = new ParsedFamily("c", MetricType.COUNTER);
    family.add(new Series("c", Series.Suffix.TOTAL, Labels.of(List.of(), List.of()), 0), 1);
    assertThrows(IllegalStateException.class, () -> ResetCompensator.apply(List.of(family)));
  }
}
