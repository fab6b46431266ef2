package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.MetricUnit;
import java.util.Arrays;
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
}
