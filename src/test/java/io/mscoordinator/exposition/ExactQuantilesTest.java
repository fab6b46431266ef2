package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import io.mscoordinator.series.CanonicalNumbers;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.SeriesStore;
import io.mscoordinator.testing.ReferenceTools;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The exposed quantiles and bucket counts against values computed from the raw samples here. */
class ExactQuantilesTest {
  private static final int N = 20_000;
  private static final double[] BOUNDS = {100, 1_000, 5_000, 20_000, 100_000, 1_000_000};

  @Test
  void shouldExposeQuantilesOfTheRawSamplesWithinHdrPrecision() {
    long[] raw = samples();
    String body = render(raw);
    long[] sorted = raw.clone();
    Arrays.sort(sorted);
    Histogram reference = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
    String[] labels = {"0.5", "0.9", "0.99", "0.999"};
    long[] perMille = {500, 900, 990, 999};
    for (int i = 0; i < labels.length; i++) {
      // Nearest rank, ceil(q * n), in integers so no floating-point rounding moves the rank.
      long rank = Math.max(1, (perMille[i] * N + 999) / 1000);
      long exact = sorted[(int) rank - 1];
      double exposed = value(body, "lat_us_quantiles{quantile=\"" + labels[i] + "\"}");
      assertThat(labels[i], exposed, is((double) reference.highestEquivalentValue(exact)));
      assertThat(labels[i], exposed - exact, lessThanOrEqualTo(exact / 1000.0));
      assertThat(labels[i], exposed, greaterThanOrEqualTo((double) exact));
    }
  }

  @Test
  void shouldExposeBucketCountsAndSumOfTheRawSamples() {
    long[] raw = samples();
    String body = render(raw);
    Histogram reference = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
    for (double bound : BOUNDS) {
      long atOrBelow = Arrays.stream(raw).filter(v -> v <= bound).count();
      long withinPrecision =
          Arrays.stream(raw)
              .filter(v -> v <= reference.highestEquivalentValue((long) bound))
              .count();
      double exposed = value(body, "lat_us_bucket{le=\"" + CanonicalNumbers.format(bound) + "\"}");
      assertThat(exposed, greaterThanOrEqualTo((double) atOrBelow));
      assertThat(exposed, lessThanOrEqualTo((double) withinPrecision));
    }
    assertThat(value(body, "lat_us_bucket{le=\"+Inf\"}"), is((double) N));
    assertThat(value(body, "lat_us_count"), is((double) N));
    assertThat(value(body, "lat_us_sum"), is((double) Arrays.stream(raw).sum()));
  }

  @Test
  void shouldRenderABodyThePromtoolAndPythonParsersAccept() throws Exception {
    byte[] body = render(samples()).getBytes(StandardCharsets.UTF_8);
    ReferenceTools.assertPromtoolAccepts(body, ExpositionFormat.OPENMETRICS);
    assertThat(
        ReferenceTools.pythonSamples(body, ExpositionFormat.OPENMETRICS).size(),
        is(BOUNDS.length + 3 + 4));
  }

  @Test
  void shouldCountValuesBelow2048ExactlyInBuckets() {
    long[] raw = {1, 99, 100, 101, 999, 1000, 1001, 2047};
    String body = render(raw);
    assertThat(value(body, "lat_us_bucket{le=\"100.0\"}"), is(3.0));
    assertThat(value(body, "lat_us_bucket{le=\"1000.0\"}"), is(6.0));
    assertThat(value(body, "lat_us_bucket{le=\"5000.0\"}"), is(8.0));
  }

  private static long[] samples() {
    SplittableRandom random = new SplittableRandom(42);
    long[] raw = new long[N];
    for (int i = 0; i < N; i++) {
      // Log-uniform over 1 us .. 5 s: latency-like, crossing many HdrHistogram magnitudes.
      raw[i] = (long) Math.exp(random.nextDouble() * Math.log(5_000_000.0)) + 1;
    }
    return raw;
  }

  private static String render(long[] raw) {
    SeriesStore store = new SeriesStore(10, Map.of("lat_us", BOUNDS));
    int slot = store.register("lat_us", MetricKind.HISTOGRAM, MetricUnit.NONE, new String[0]);
    for (long v : raw) {
      store.histogramRecord(slot, v);
    }
    ExpositionWriter writer = new OpenMetricsTextWriter();
    writer.render(List.of(new SnapshotFamilySource(store::freeze)));
    return new String(writer.array(), 0, writer.length(), StandardCharsets.UTF_8);
  }

  private static double value(String body, String sample) {
    for (String line : body.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1));
      }
    }
    throw new AssertionError("no sample " + sample + " in\n" + body);
  }
}
