package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mscoordinator.cluster.Role;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.ingest.MetricsProducer;
import io.mscoordinator.series.CanonicalNumbers;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.testing.ReferenceTools;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One {@code /metrics} body of a real coordinator holds engine families (from its ring), merged
 * node families (from a node that writes {@code 3.0} and {@code le="1"}) and the coordinator's own
 * families; in both formats every sample value and every {@code le}/{@code quantile} is written one
 * way: integral values as digits, others as the shortest round-trip decimal, bounds as OpenMetrics'
 * canonical numbers.
 */
class OneNumberFormatTest {
  private static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0";

  private static final byte[] NODE_BODY =
      ("# HELP node_requests_total Requests.\n"
              + "# TYPE node_requests_total counter\n"
              + "node_requests_total 5.0\n"
              + "# HELP node_whole A whole number.\n"
              + "# TYPE node_whole gauge\n"
              + "node_whole 3.0\n"
              + "# HELP node_share A share.\n"
              + "# TYPE node_share gauge\n"
              + "node_share 0.25\n"
              + "# HELP node_latency_seconds Latency.\n"
              + "# TYPE node_latency_seconds histogram\n"
              + "node_latency_seconds_bucket{le=\"0.5\"} 1\n"
              + "node_latency_seconds_bucket{le=\"1\"} 2\n"
              + "node_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              + "node_latency_seconds_sum 7.0\n"
              + "node_latency_seconds_count 4\n")
          .getBytes(StandardCharsets.UTF_8);

  /** A sample line: name, optional labels, value. */
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})? (\\S+)");

  private static final Pattern BOUND = Pattern.compile("[{,](?:le|quantile)=\"([^\"]*)\"");

  @Test
  void shouldWriteEveryNumberOneWayInABodyOfEngineMergedAndSelfFamilies() throws Exception {
    try (ScrapedCoordinator c =
        new ScrapedCoordinator(ScrapedCoordinator.settings(200, 150, false))) {
      MetricsProducer producer = c.coordinator.metrics().producer();
      long ttft =
          producer.registerSeries(
              "time_to_first_token_us", MetricKind.HISTOGRAM, MetricUnit.NONE, "engine", "e0");
      long gauge = producer.registerSeries("engine_load", MetricKind.GAUGE, MetricUnit.NONE);
      for (long v : new long[] {150, 1200, 40_000}) {
        assertTrue(producer.histogramRecord(ttft, v));
      }
      assertTrue(producer.gaugeSet(gauge, 2.0));
      c.refresh(List.of(c.node(0, FakeNode.serving(NODE_BODY), Role.UNDEF, 1024, "m")));
      c.awaitNodes(1, 0, 5000);
      String text =
          c.await(
                  "/metrics",
                  r -> r.body().contains("\ntime_to_first_token_us_count{engine=\"e0\"} 3\n"),
                  5000,
                  "the engine histogram")
              .body();
      HttpResponse<String> om = c.get("/metrics", OPENMETRICS);
      assertEquals(200, om.statusCode());
      for (ExpositionFormat format : ExpositionFormat.values()) {
        byte[] body =
            (format == ExpositionFormat.OPENMETRICS ? om.body() : text)
                .getBytes(StandardCharsets.UTF_8);
        ReferenceTools.assertPromtoolAccepts(body, format);
        assertTrue(ReferenceTools.pythonSamples(body, format).size() > 50, format.name());
      }

      for (String body : List.of(text, om.body())) {
        // engine, merged and self families, integral values without a point
        assertTrue(body.contains("\nengine_load 2\n"), body);
        assertTrue(body.contains("\nnode_whole 3\n"), body);
        assertTrue(body.contains("\nnode_requests_total 5\n"), body);
        assertTrue(body.contains("\nnode_latency_seconds_sum 7\n"), body);
        assertTrue(body.contains("\nms_coordinator_series 2\n"), body);
        assertTrue(body.contains("\nms_coordinator_ready 0\n"), body);
        assertTrue(body.contains("\nms_coordinator_otlp_ring_full_waits_total 0\n"), body);
        assertTrue(body.contains("ms_coordinator_node_up{instance_id=\"0\""), body);
        // bounds: the node's le="1" and the engine's 1000 alike
        assertTrue(body.contains("\nnode_latency_seconds_bucket{le=\"1.0\"} 2\n"), body);
        assertTrue(body.contains("\nnode_share 0.25\n"), body);
        assertTrue(body.contains(",le=\"2500.0\"} 2\n"), body);
        assertTrue(body.contains(",quantile=\"0.5\"} 1200\n"), body);
        assertEquals(List.of(), misformatted(body), body);
      }
    }
  }

  /** Sample lines whose value or bound is not written as the body's one number format says. */
  private static List<String> misformatted(String body) {
    List<String> bad = new ArrayList<>();
    int samples = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        bad.add("not a sample line: " + line);
        continue;
      }
      samples++;
      String value = m.group(3);
      if (!value.equals(sampleValue(parse(value)))) {
        bad.add(line);
      }
      Matcher bound = BOUND.matcher(m.group(2) == null ? "" : m.group(2));
      while (bound.find()) {
        String text = bound.group(1);
        if (!text.equals(CanonicalNumbers.format(parse(text)))) {
          bad.add(line);
        }
      }
    }
    assertTrue(samples > 50, "samples checked: " + samples);
    return bad;
  }

  private static double parse(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** The sample value format of ExpositionWriter, written out independently. */
  private static String sampleValue(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
