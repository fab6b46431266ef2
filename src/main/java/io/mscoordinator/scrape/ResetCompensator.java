package io.mscoordinator.scrape;

import io.mscoordinator.series.MetricType;
import java.util.List;

/**
 * Keeps one node's cumulative samples from going down across a node restart: when a counter, a
 * bucket, a {@code _sum} or a {@code _count} reads lower than last time, what it had reached is
 * added to its offset from then on.
 *
 * <p>Confined to the node's scrape thread.
 */
final class ResetCompensator {
  private ResetCompensator() {}

  /**
   * Sets {@link ParsedFamily#adjusted} of every family of one body, with the state the parser keeps
   * in each sample's {@link SeriesCell}; then drops the cells from the families.
   *
   * @throws IllegalStateException if a cumulative sample has no cell (a family not from a parser)
   */
  static void apply(List<ParsedFamily> families) {
    for (ParsedFamily family : families) {
      if (!family.type.cumulative()) {
        family.adjusted = family.values;
        family.cells = null;
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
        SeriesCell c = family.cells[i];
        if (c == null) {
          throw new IllegalStateException("no parser cell: series=" + series);
        }
        if (c.seen && value < c.last) {
          c.offset += c.last;
        }
        c.seen = true;
        c.last = value;
        adjusted[i] = value + c.offset;
      }
      family.adjusted = adjusted;
      family.cells = null;
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
