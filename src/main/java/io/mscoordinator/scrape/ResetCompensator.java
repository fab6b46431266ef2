package io.mscoordinator.scrape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps one node's cumulative samples from going down across a node restart: when a counter, a
 * bucket, a {@code _sum} or a {@code _count} reads lower than last time, what it had reached is
 * added to its offset from then on.
 *
 * <p>Confined to the node's scrape thread.
 */
final class ResetCompensator {
  private final int maxSeries;
  private final Map<Series, double[]> state = new HashMap<>();

  ResetCompensator(int maxSeries) {
    this.maxSeries = maxSeries;
  }

  /** Sets {@link ParsedFamily#adjusted} of every family. */
  void apply(List<ParsedFamily> families) {
    if (state.size() > 2 * maxSeries) {
      state.clear();
    }
    for (ParsedFamily family : families) {
      if (!family.type.cumulative()) {
        family.adjusted = family.values;
        continue;
      }
      double[] adjusted = new double[family.size];
      for (int i = 0; i < family.size; i++) {
        Series series = family.series[i];
        double value = family.values[i];
        if (!cumulative(family.type, series)) {
          adjusted[i] = value;
          continue;
        }
        double[] s = state.get(series);
        if (s == null) {
          state.put(series, new double[] {0, value});
          adjusted[i] = value;
        } else {
          if (value < s[1]) {
            s[0] += s[1];
          }
          s[1] = value;
          adjusted[i] = value + s[0];
        }
      }
      family.adjusted = adjusted;
    }
  }

  /** Whether a sample only grows between resets: not a quantile, not a creation time. */
  static boolean cumulative(MetricType type, Series series) {
    if (!type.cumulative() || series.suffix == Series.Suffix.CREATED) {
      return false;
    }
    return !(type == MetricType.SUMMARY && series.suffix == Series.Suffix.NONE);
  }
}
