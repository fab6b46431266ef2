package io.mscoordinator.exposition;

import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import java.util.List;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The engine families of the store, from one snapshot per render. Threadsafe: it keeps no state
 * between renders; per-series arithmetic uses the writer's scratch array.
 *
 * <p>An HdrHistogram series is exposed twice: as a histogram family with the family's bucket bounds
 * (counts exact up to HdrHistogram's 0.1% value precision, {@code _sum} exact), and as a summary
 * family {@code <name>_quantiles} carrying p50, p90, p99 and p99.9 computed from all raw samples,
 * which no bucket-based exposition can give. The summary has no {@code _sum}/{@code _count}: the
 * histogram family already carries them, and repeating them would double count in queries that sum
 * {@code _count} over families. An empty series has NaN quantiles.
 */
public final class SnapshotFamilySource implements FamilySource {
  /** Quantiles exposed for every histogram series. */
  public static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  /** Suffix of the summary family that carries the exact quantiles of a histogram family. */
  public static final String QUANTILES_SUFFIX = "_quantiles";

  /** {@link #QUANTILES} as HdrHistogram percentiles, computed as {@code q * 100} always was. */
  private static final double[] PERCENTILES = {
    QUANTILES[0] * 100, QUANTILES[1] * 100, QUANTILES[2] * 100, QUANTILES[3] * 100
  };

  private final Supplier<MetricsSnapshot> snapshots;

  public SnapshotFamilySource(Supplier<MetricsSnapshot> snapshots) {
    this.snapshots = snapshots;
  }

  @Override
  public void writeFamilies(ExpositionWriter writer) {
    MetricsSnapshot snapshot = snapshots.get();
    List<FamilySnapshot> families = snapshot.families();
    for (int f = 0; f < families.size(); f++) {
      FamilySnapshot family = families.get(f);
      switch (family.kind()) {
        case COUNTER:
          writer.counterFamily(family.name(), family.unit(), family.help());
          for (int i = 0; i < family.size(); i++) {
            writer.counter(family.name(), family.labelBlock(i), snapshot.counter(family.slot(i)));
          }
          break;
        case GAUGE:
          writer.gaugeFamily(family.name(), family.unit(), family.help());
          for (int i = 0; i < family.size(); i++) {
            writer.gauge(family.name(), family.labelBlock(i), snapshot.gauge(family.slot(i)));
          }
          break;
        default:
          writeHistogram(writer, snapshot, family);
      }
    }
  }

  private static void writeHistogram(
      ExpositionWriter writer, MetricsSnapshot snapshot, FamilySnapshot family) {
    String name = family.name();
    MetricUnit unit = family.unit();
    double scale = unit.scale();
    double[] bounds = family.bounds();
    int n = family.size();
    int q = QUANTILES.length;
    // [0, bounds) one series' cumulative counts; then q values per series, kept from the
    // histogram pass (which has the counts that bracket them) for the summary family after it.
    long[] scratch = writer.scratch(bounds.length + q * n);
    writer.histogramFamily(name, unit, family.help());
    for (int i = 0; i < n; i++) {
      int slot = family.slot(i);
      Histogram h = snapshot.histogram(slot);
      long total = h.getTotalCount();
      if (HistogramCounts.available(h)) {
        HistogramCounts.write(h, bounds, scale, PERCENTILES, scratch, bounds.length + q * i);
      } else {
        cumulativeCounts(h, bounds, scale, scratch);
        for (int k = 0; k < q && total > 0; k++) {
          scratch[bounds.length + q * i + k] =
              valueAtPercentile(h, PERCENTILES[k], total, bounds, scale, scratch);
        }
      }
      writer.histogram(
          name, family.labelBlock(i), bounds, scratch, total, snapshot.histogramSum(slot) * scale);
    }
    // The summary's name does not end with the unit, so it carries no # UNIT line.
    String quantiles = name + QUANTILES_SUFFIX;
    writer.summaryFamily(
        quantiles, MetricUnit.NONE, "Exact quantiles of " + name + " from all raw samples.");
    for (int i = 0; i < n; i++) {
      boolean empty = snapshot.histogram(family.slot(i)).getTotalCount() == 0;
      for (int k = 0; k < q; k++) {
        double value = empty ? Double.NaN : scratch[bounds.length + q * i + k] * scale;
        writer.quantile(quantiles, family.labelBlock(i), QUANTILES[k], value);
      }
    }
  }

  /**
   * Exactly {@code h.getValueAtPercentile(percentile)} for a non-empty histogram, without its walk
   * over every count from zero (four such walks per series were most of a render's time). The
   * cumulative bucket counts already bracket the rank between two bounds; a bisection with {@link
   * Histogram#getCountBetweenValues} then sums only the counts inside that bucket.
   *
   * @param cumulative {@link #cumulativeCounts} of {@code h} for {@code bounds}
   */
  static long valueAtPercentile(
      Histogram h,
      double percentile,
      long total,
      double[] bounds,
      double scale,
      long[] cumulative) {
    // The rank as HdrHistogram derives it, operation for operation, so both pick the same sample.
    double requested =
        Math.min(Math.max(Math.nextAfter(percentile, Double.NEGATIVE_INFINITY), 0.0D), 100.0D);
    long rank = Math.max((long) Math.ceil(requested * total / 100.0), 1);
    // Invariant: g(lo) = gLo < rank <= g(hi), where g(v) counts the samples in v's equivalence
    // class and all below it; lo = -1 stands for "below every value".
    long lo = -1;
    long gLo = 0;
    long hi = h.getMaxValue();
    for (int b = 0; b < bounds.length; b++) {
      long high = (long) Math.floor(bounds[b] / scale);
      if (cumulative[b] >= rank) {
        hi = high;
        break;
      }
      lo = high;
      gLo = cumulative[b];
    }
    while (true) {
      long next = lo < 0 ? 0 : h.nextNonEquivalentValue(lo);
      if (h.valuesAreEquivalent(next, hi)) {
        break;
      }
      long mid = next + (hi - next) / 2;
      long g = gLo + h.getCountBetweenValues(next, mid);
      if (g >= rank) {
        hi = mid;
      } else {
        lo = mid;
        gLo = g;
      }
    }
    return percentile == 0.0 ? h.lowestEquivalentValue(hi) : h.highestEquivalentValue(hi);
  }

  /**
   * Cumulative count of samples at or below each bound. One pass over the histogram: each step
   * counts the HdrHistogram buckets after the previous bound's bucket up to this bound's.
   */
  static void cumulativeCounts(Histogram h, double[] bounds, double scale, long[] out) {
    long total = 0;
    long low = 0;
    for (int b = 0; b < bounds.length; b++) {
      long high = (long) Math.floor(bounds[b] / scale);
      if (high >= low) {
        total += h.getCountBetweenValues(low, high);
        low = h.nextNonEquivalentValue(high);
      }
      out[b] = total;
    }
  }
}
