package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import io.mscoordinator.store.SeriesStore;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * Reading the counts array gives the public API's bucket counts and quantiles, figure by figure.
 */
class HistogramCountsTest {
  private static final double[][] BOUNDS = {
    {1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000},
    {0.005, 0.01, 0.5},
    {100},
    {1e30},
    {}
  };
  private static final double[] SCALES = {1, 1e-6, 1e-3};
  private static final double[] PERCENTILES = {1, 50, 0.9 * 100, 99, 99.9, 100};

  @Test
  void shouldBeAvailableForAFrozenCopy() {
    Histogram h = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
    h.recordValue(5);
    assertThat(HistogramCounts.available(h.copy()), is(true));
  }

  @Test
  void shouldMatchThePublicApiForAnyBoundsScaleAndSamples() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 400; round++) {
      Histogram h = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
      int samples = round % 5 == 0 ? 0 : 1 + random.nextInt(round % 4 == 0 ? 3 : 500);
      double decades = 1 + random.nextInt(12);
      for (int s = 0; s < samples; s++) {
        h.recordValue((long) Math.pow(10, decades * random.nextDouble()));
      }
      Histogram frozen = h.copy();
      for (double[] bounds : BOUNDS) {
        for (double scale : SCALES) {
          long[] expected = new long[bounds.length + PERCENTILES.length];
          SnapshotFamilySource.cumulativeCounts(frozen, bounds, scale, expected);
          for (int k = 0; k < PERCENTILES.length && samples > 0; k++) {
            expected[bounds.length + k] = frozen.getValueAtPercentile(PERCENTILES[k]);
          }
          long[] actual = new long[expected.length];
          HistogramCounts.write(frozen, bounds, scale, PERCENTILES, actual, bounds.length);
          assertThat(
              "round=" + round + " bounds=" + Arrays.toString(bounds) + " scale=" + scale,
              Arrays.toString(actual),
              is(Arrays.toString(expected)));
        }
      }
    }
  }

  /**
   * The store counts each sample into its bucket as it arrives; frozen, those counts must be the
   * public API's cumulative counts of the frozen copy, for samples on, just below and just above
   * every bound (where HdrHistogram's equivalence decides), across freezes and shared copies.
   */
  @Test
  void shouldKeepBucketCountsAtRecordTimeThatMatchTheFrozenCopy() {
    double[] custom = {0.001, 0.0025, 0.1, 1, 7.5, 60};
    SeriesStore store = new SeriesStore(64, Map.of("custom_seconds", custom));
    int[] slots = {
      store.register("custom_seconds", MetricKind.HISTOGRAM, MetricUnit.SECONDS, new String[0]),
      store.register("latency_ms", MetricKind.HISTOGRAM, MetricUnit.MILLISECONDS, new String[0]),
      store.register("latency_us", MetricKind.HISTOGRAM, MetricUnit.MICROSECONDS, new String[0]),
      store.register("batch_tokens", MetricKind.HISTOGRAM, MetricUnit.TOKENS, new String[0]),
      store.register("share_pct", MetricKind.HISTOGRAM, MetricUnit.PERCENT, new String[0])
    };
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 6; round++) {
      for (int slot : slots) {
        if (round == 3 && slot == slots[0]) {
          continue; // one series unchanged: its counts are shared with the previous snapshot
        }
        for (int s = 0; s < 300; s++) {
          store.histogramRecord(slot, (long) Math.pow(10, 11 * random.nextDouble()));
        }
      }
      MetricsSnapshot snapshot = store.freeze();
      for (FamilySnapshot family : snapshot.families()) {
        double[] bounds = family.bounds();
        double scale = family.unit().scale();
        Histogram probe = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
        int slot = family.slot(0);
        if (round == 0) {
          // On, just below and just above the highest value equivalent to each bound.
          for (double bound : bounds) {
            long high = probe.highestEquivalentValue((long) Math.floor(bound / scale));
            for (long v = Math.max(0, high - 1); v <= high + 1; v++) {
              store.histogramRecord(slot, v);
            }
          }
        }
        long[] expected = new long[bounds.length];
        SnapshotFamilySource.cumulativeCounts(snapshot.histogram(slot), bounds, scale, expected);
        long[] buckets = snapshot.histogramBuckets(slot);
        long[] actual = new long[bounds.length];
        long running = 0;
        for (int b = 0; b < bounds.length; b++) {
          running += buckets[b];
          actual[b] = running;
        }
        assertThat(
            family.name() + " round=" + round,
            Arrays.toString(actual),
            is(Arrays.toString(expected)));
        assertThat(running + buckets[bounds.length], is(snapshot.histogram(slot).getTotalCount()));
      }
    }
  }
}
