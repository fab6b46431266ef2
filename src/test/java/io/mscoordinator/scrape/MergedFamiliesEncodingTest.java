package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Golden bodies of merged families in both formats, written through the exposition writers. */
class MergedFamiliesEncodingTest {
  private static final List<Label> M = List.of(new Label("model_name", "a\"b\\c\nd"));

  private static final List<Family> FAMILIES =
      List.of(
          new Family(
              "x_total",
              MetricType.COUNTER,
              "Requests \"seen\".",
              null,
              List.of(new Sample("x_total", M, 3))),
          new Family(
              "tgi_request_count",
              MetricType.COUNTER,
              null,
              null,
              List.of(new Sample("tgi_request_count", List.of(), 7))),
          new Family(
              "lat_seconds",
              MetricType.HISTOGRAM,
              "Latency.",
              "seconds",
              List.of(
                  new Sample("lat_seconds_bucket", List.of(new Label("le", "0.5")), 1),
                  new Sample("lat_seconds_bucket", List.of(new Label("le", "+Inf")), 4),
                  new Sample("lat_seconds_count", List.of(), 4))),
          new Family("g", MetricType.GAUGE, null, null, List.of(new Sample("g", List.of(), 0.25))),
          new Family("empty", MetricType.GAUGE, null, null, List.of()));

  /** The lines {@link ScrapeFamilySource} writes for {@code families}; for other tests too. */
  static byte[] encode(List<Family> families, ExpositionFormat format) {
    ExpositionWriter writer = format.newWriter();
    ScrapeFamilySource.write(families, writer);
    return Arrays.copyOf(writer.array(), writer.length());
  }

  private static String encode(ExpositionFormat format) {
    return new String(encode(FAMILIES, format), StandardCharsets.UTF_8);
  }

  @Test
  void shouldNameFamiliesAfterTheirSamplesInTheTextFormat() {
    assertEquals(
        "# HELP x_total Requests \"seen\".\n"
            + "# TYPE x_total counter\n"
            + "x_total{model_name=\"a\\\"b\\\\c\\nd\"} 3\n"
            + "# TYPE tgi_request_count counter\n"
            + "tgi_request_count 7\n"
            + "# HELP lat_seconds Latency.\n"
            + "# TYPE lat_seconds histogram\n"
            + "lat_seconds_bucket{le=\"0.5\"} 1\n"
            + "lat_seconds_bucket{le=\"+Inf\"} 4\n"
            + "lat_seconds_count 4\n"
            + "# TYPE g gauge\n"
            + "g 0.25\n",
        encode(ExpositionFormat.PROMETHEUS_TEXT));
  }

  @Test
  void shouldKeepSeriesNamesAndDropALoneCountInOpenMetrics() {
    assertEquals(
        "# HELP x Requests \\\"seen\\\".\n"
            + "# TYPE x counter\n"
            + "x_total{model_name=\"a\\\"b\\\\c\\nd\"} 3\n"
            + "# TYPE tgi_request_count unknown\n"
            + "tgi_request_count 7\n"
            + "# HELP lat_seconds Latency.\n"
            + "# TYPE lat_seconds histogram\n"
            + "# UNIT lat_seconds seconds\n"
            + "lat_seconds_bucket{le=\"0.5\"} 1\n"
            + "lat_seconds_bucket{le=\"+Inf\"} 4\n"
            + "# TYPE g gauge\n"
            + "g 0.25\n",
        encode(ExpositionFormat.OPENMETRICS));
  }

  @Test
  void shouldKeepACountWrittenBeforeItsSumInOpenMetrics() {
    // a node's own order, kept by the per-instance view: MindIE writes _count, _sum, then buckets
    List<Label> one = List.of(new Label("instance_id", "1"));
    List<Label> two = List.of(new Label("instance_id", "2"));
    List<Family> mindie =
        List.of(
            new Family(
                "ttft_seconds",
                MetricType.HISTOGRAM,
                null,
                null,
                List.of(
                    new Sample("ttft_seconds_count", one, 2),
                    new Sample("ttft_seconds_sum", one, 0.5),
                    new Sample("ttft_seconds_bucket", with(one, "+Inf"), 2),
                    new Sample("ttft_seconds_count", two, 3),
                    new Sample("ttft_seconds_sum", two, 0.75),
                    new Sample("ttft_seconds_bucket", with(two, "+Inf"), 3))));
    assertEquals(
        "# TYPE ttft_seconds histogram\n"
            + "ttft_seconds_sum{instance_id=\"1\"} 0.5\n"
            + "ttft_seconds_count{instance_id=\"1\"} 2\n"
            + "ttft_seconds_bucket{instance_id=\"1\",le=\"+Inf\"} 2\n"
            + "ttft_seconds_sum{instance_id=\"2\"} 0.75\n"
            + "ttft_seconds_count{instance_id=\"2\"} 3\n"
            + "ttft_seconds_bucket{instance_id=\"2\",le=\"+Inf\"} 3\n"
            + "# EOF\n",
        new String(encode(mindie, ExpositionFormat.OPENMETRICS), StandardCharsets.UTF_8)
            + "# EOF\n");
  }

  private static List<Label> with(List<Label> labels, String le) {
    List<Label> out = new java.util.ArrayList<>(labels);
    out.add(new Label("le", le));
    return out;
  }
}
