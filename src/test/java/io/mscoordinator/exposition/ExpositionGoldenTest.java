package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import io.mscoordinator.testing.Golden;
import io.mscoordinator.testing.ReferenceTools;
import io.mscoordinator.testing.TestData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whole expected bodies per metric type and format ({@code src/test/resources/golden}); every body
 * also passes promtool and both prometheus_client parsers, which agree on every sample value.
 */
class ExpositionGoldenTest {
  private static final Path GOLDEN = TestData.resource("golden");

  private static final Map<String, double[]> BUCKETS =
      Map.of(
          "time_to_first_token_us", new double[] {1000, 10000, 100000},
          "batch_scheduler_batch_size", new double[] {4, 8},
          "prefill_wait_seconds", new double[] {0.005, 0.5});

  private static MetricsSnapshot counters() {
    return store(
        s -> {
          int a =
              s.register(
                  "forward_req_total_num",
                  MetricKind.COUNTER,
                  MetricUnit.COUNT,
                  pairs("instance", "node-1"));
          int b =
              s.register(
                  "forward_req_total_num",
                  MetricKind.COUNTER,
                  MetricUnit.COUNT,
                  pairs("instance", "we\"ird\\name\nline"));
          int c = s.register("schedule_time_us", MetricKind.COUNTER, MetricUnit.NONE, pairs());
          s.counterAdd(a, 42);
          s.counterAdd(b, 7);
          s.counterAdd(c, 123456789012L);
        });
  }

  private static MetricsSnapshot gauges() {
    return store(
        s -> {
          int a =
              s.register(
                  "kv_cache_usage", MetricKind.GAUGE, MetricUnit.NONE, pairs("instance", "node-1"));
          int b =
              s.register(
                  "kv_cache_usage", MetricKind.GAUGE, MetricUnit.NONE, pairs("instance", "node-2"));
          int c =
              s.register(
                  "kv_cache_usage", MetricKind.GAUGE, MetricUnit.NONE, pairs("instance", "node-3"));
          int d =
              s.register(
                  "kv_cache_usage", MetricKind.GAUGE, MetricUnit.NONE, pairs("instance", "node-4"));
          s.gaugeSet(a, 0.25);
          s.gaugeSet(b, Double.NaN);
          s.gaugeSet(c, Double.POSITIVE_INFINITY);
          s.gaugeSet(d, -3);
        });
  }

  private static MetricsSnapshot histograms() {
    return store(
        s -> {
          int a =
              s.register(
                  "time_to_first_token_us",
                  MetricKind.HISTOGRAM,
                  MetricUnit.NONE,
                  pairs("instance", "node-1"));
          for (long v : new long[] {150, 800, 1200, 40_000, 2_000_000}) {
            s.histogramRecord(a, v);
          }
          s.register(
              "time_to_first_token_us",
              MetricKind.HISTOGRAM,
              MetricUnit.NONE,
              pairs("instance", "node-2"));
          int dp0 =
              s.register(
                  "batch_scheduler_batch_size_0", MetricKind.HISTOGRAM, MetricUnit.NONE, pairs());
          int dp1 =
              s.register(
                  "batch_scheduler_batch_size_1", MetricKind.HISTOGRAM, MetricUnit.NONE, pairs());
          s.histogramRecord(dp0, 3);
          s.histogramRecord(dp0, 5);
          s.histogramRecord(dp1, 9);
          int sec =
              s.register("prefill_wait_seconds", MetricKind.HISTOGRAM, MetricUnit.NONE, pairs());
          s.histogramRecord(sec, 1_500_000); // 1.5 ms in nanoseconds
          s.histogramRecord(sec, 250_000_000); // 0.25 s
        });
  }

  enum Case {
    COUNTER("counter", counters()),
    GAUGE("gauge", gauges()),
    HISTOGRAM("histogram", histograms());

    final String file;
    final MetricsSnapshot snapshot;

    Case(String file, MetricsSnapshot snapshot) {
      this.file = file;
      this.snapshot = snapshot;
    }
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void shouldRenderTheGoldenTextBody(Case c) throws Exception {
    assertGolden(c.file + ".prom", render(c.snapshot, ExpositionFormat.PROMETHEUS_TEXT));
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void shouldRenderTheGoldenOpenMetricsBody(Case c) throws Exception {
    assertGolden(c.file + ".om.txt", render(c.snapshot, ExpositionFormat.OPENMETRICS));
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void shouldPassPromtoolInBothFormats(Case c) throws Exception {
    for (ExpositionFormat format : ExpositionFormat.values()) {
      ReferenceTools.assertPromtoolAccepts(render(c.snapshot, format), format);
    }
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void shouldParseToTheSameSamplesWithBothPythonParsers(Case c) throws Exception {
    List<String> text =
        ReferenceTools.pythonSamples(
            render(c.snapshot, ExpositionFormat.PROMETHEUS_TEXT), ExpositionFormat.PROMETHEUS_TEXT);
    List<String> openMetrics =
        ReferenceTools.pythonSamples(
            render(c.snapshot, ExpositionFormat.OPENMETRICS), ExpositionFormat.OPENMETRICS);
    assertThat(text, is(openMetrics));
    assertThat(text.isEmpty(), is(false));
  }

  @org.junit.jupiter.api.Test
  void shouldExposeTheRecordedValuesToTheParsers() throws Exception {
    List<String> counters =
        ReferenceTools.pythonSamples(
            render(counters(), ExpositionFormat.OPENMETRICS), ExpositionFormat.OPENMETRICS);
    assertThat(
        counters,
        hasItem(
            "forward_req_total_num|counter|forward_req_total_num_total|instance=we\"ird\\\\name\\nline|7.0"));
    assertThat(
        counters, hasItem("schedule_time_us|counter|schedule_time_us_total||123456789012.0"));
    List<String> gauges =
        ReferenceTools.pythonSamples(
            render(gauges(), ExpositionFormat.PROMETHEUS_TEXT), ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(gauges, hasItem("kv_cache_usage|gauge|kv_cache_usage|instance=node-1|0.25"));
    assertThat(gauges, hasItem("kv_cache_usage|gauge|kv_cache_usage|instance=node-2|nan"));
    assertThat(gauges, hasItem("kv_cache_usage|gauge|kv_cache_usage|instance=node-3|inf"));
    List<String> h =
        ReferenceTools.pythonSamples(
            render(histograms(), ExpositionFormat.OPENMETRICS), ExpositionFormat.OPENMETRICS);
    assertThat(
        h,
        hasItem(
            "time_to_first_token_us|histogram|time_to_first_token_us_bucket|instance=node-1,le=1000.0|2.0"));
    assertThat(
        h,
        hasItem(
            "time_to_first_token_us|histogram|time_to_first_token_us_bucket|instance=node-1,le=100000.0|4.0"));
    assertThat(
        h,
        hasItem(
            "time_to_first_token_us|histogram|time_to_first_token_us_sum|instance=node-1|2042150.0"));
    assertThat(
        h,
        hasItem(
            "time_to_first_token_us|histogram|time_to_first_token_us_count|instance=node-1|5.0"));
    assertThat(
        h,
        hasItem(
            "batch_scheduler_batch_size|histogram|batch_scheduler_batch_size_bucket|dp_idx=0,le=4.0|1.0"));
    assertThat(h, hasItem("prefill_wait_seconds|histogram|prefill_wait_seconds_sum||0.2515"));
    assertThat(
        h, hasItem("prefill_wait_seconds|histogram|prefill_wait_seconds_bucket|le=0.005|1.0"));
  }

  static byte[] render(MetricsSnapshot snapshot, ExpositionFormat format) {
    ExpositionWriter writer = format.newWriter();
    writer.render(List.of(new SnapshotFamilySource(() -> snapshot)));
    return Arrays.copyOf(writer.array(), writer.length());
  }

  private static MetricsSnapshot store(Consumer<SeriesStore> fill) {
    SeriesStore store = new SeriesStore(100, BUCKETS);
    fill.accept(store);
    return store.freeze();
  }

  private static String[] pairs(String... pairs) {
    return pairs;
  }

  private static void assertGolden(String name, byte[] body) throws Exception {
    Golden.assertText(GOLDEN.resolve(name), body);
  }
}
