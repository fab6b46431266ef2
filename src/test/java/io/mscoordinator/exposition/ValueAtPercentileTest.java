package io.mscoordinator.exposition;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import io.mscoordinator.store.MetricUnit;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The bracketed bisection picks the very value HdrHistogram's own walk picks. */
class ValueAtPercentileTest {
  private static final double[][] BOUNDS = {
    {1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000},
    {0.005, 0.01, 0.5},
    {100},
    {}
  };
  private static final double[] SCALES = {1, 1e-6, 1e-3};
  private static final double[] PERCENTILES = {0, 1, 50, 0.9 * 100, 99, 99.9, 100};

  @Test
  void shouldMatchGetValueAtPercentileForAnyBoundsScaleAndSamples() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 400; round++) {
      Histogram h = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
      int samples = 1 + random.nextInt(round % 4 == 0 ? 3 : 500);
      double decades = 1 + random.nextInt(9);
      for (int s = 0; s < samples; s++) {
        h.recordValue((long) Math.pow(10, decades * random.nextDouble()));
      }
      for (double[] bounds : BOUNDS) {
        for (double scale : SCALES) {
          long[] cumulative = new long[bounds.length];
          SnapshotFamilySource.cumulativeCounts(h, bounds, scale, cumulative);
          for (double p : PERCENTILES) {
            long ours =
                SnapshotFamilySource.valueAtPercentile(
                    h, p, h.getTotalCount(), bounds, scale, cumulative);
            assertThat(
                "round=" + round + " p=" + p + " scale=" + scale,
                ours,
                is(h.getValueAtPercentile(p)));
          }
        }
      }
    }
  }
}
