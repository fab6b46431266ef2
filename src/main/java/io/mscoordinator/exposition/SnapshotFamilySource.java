package io.mscoordinator.exposition;

import io.mscoordinator.store.FamilySnapshot;
import io.mscoordinator.store.MetricUnit;
import io.mscoordinator.store.MetricsSnapshot;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The engine families of the store, from one snapshot per render. Threadsafe; per-series arithmetic
 * uses the writer's scratch array.
 *
 * <p>A histogram series' lines (buckets, sum, count and its quantiles) are encoded once per frozen
 * HdrHistogram copy and kept: the store shares a frozen copy between snapshots until the series
 * changes, so a render of unchanged series copies bytes, and only changed series are counted and
 * formatted again. A series is cached from the second render that finds it unchanged, so series
 * that change before every render are written straight into the body without allocating.
 *
 * <p>An HdrHistogram series is exposed twice: as a histogram family with the family's bucket bounds
 * (counts exact up to HdrHistogram's 0.1% value precision, {@code _sum} exact), and as a summary
 * family {@code <name>_quantiles} carrying p50, p90, p99 and p99.9 computed from all raw samples,
 * which no bucket-based exposition can give. The summary has no {@code _sum}/{@code _count}: the
 * histogram family already carries them, and repeating them would double count in queries that sum
 * {@code _count} over families. An empty series has NaN quantiles.
 *
 * <p>One source renders one view of the store: the cluster view ({@code /metrics}, {@link
 * MetricsSnapshot#families()}) or the instance view ({@code /metrics/instances}, {@link
 * MetricsSnapshot#instanceFamilies()}).
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
  private final boolean instanceView;

  /**
   * Per histogram family name, its summary family's name and HELP, made once so that a render
   * allocates no per-family strings.
   */
  private final ConcurrentHashMap<String, String[]> summaries = new ConcurrentHashMap<>();

  /**
   * Encoded lines per histogram slot, kept between renders. Renders on several threads may race on
   * it: an entry is immutable and checked against the series before use, so a lost or stale entry
   * only costs an encoding.
   */
  private Encoded[] cache = new Encoded[0];

  /**
   * Per histogram slot, the frozen copy its last render saw. A series is cached only when a render
   * finds it unchanged since the previous one; one that changes between every two renders is
   * written straight into the body and allocates nothing.
   */
  private Histogram[] seen = new Histogram[0];

  /** The cluster view of the store: every series but the instance view's. */
  public SnapshotFamilySource(Supplier<MetricsSnapshot> snapshots) {
    this(snapshots, false);
  }

  private SnapshotFamilySource(Supplier<MetricsSnapshot> snapshots, boolean instanceView) {
    this.snapshots = snapshots;
    this.instanceView = instanceView;
  }

  /** The instance view of the store: the coordinator's own series of one instance each. */
  public static SnapshotFamilySource instanceView(Supplier<MetricsSnapshot> snapshots) {
    return new SnapshotFamilySource(snapshots, true);
  }

  @Override
  public void writeFamilies(ExpositionWriter writer) {
    MetricsSnapshot snapshot = snapshots.get();
    List<FamilySnapshot> families =
        instanceView ? snapshot.instanceFamilies() : snapshot.families();
    for (int f = 0; f < families.size(); f++) {
      FamilySnapshot family = families.get(f);
      switch (family.kind()) {
        case COUNTER:
          writer.counterFamily(family.name(), family.unit().openMetricsUnit(), family.help());
          for (int i = 0; i < family.size(); i++) {
            writer.counter(family.name(), family.labelBlock(i), snapshot.counter(family.slot(i)));
          }
          break;
        case GAUGE:
          writer.gaugeFamily(family.name(), family.unit().openMetricsUnit(), family.help());
          for (int i = 0; i < family.size(); i++) {
            writer.gauge(family.name(), family.labelBlock(i), snapshot.gauge(family.slot(i)));
          }
          break;
        case BUCKETED_HISTOGRAM:
          writeBucketed(writer, snapshot, family);
          break;
        default:
          writeHistogram(writer, snapshot, family);
      }
    }
  }

  /**
   * A histogram family with the sender's bounds (OTLP explicit buckets): cumulative {@code _bucket}
   * counts, {@code _sum}, {@code _count}; values as the sender reported them, no unit scaling and
   * no quantiles (the raw samples never reached the coordinator).
   */
  private static void writeBucketed(
      ExpositionWriter writer, MetricsSnapshot snapshot, FamilySnapshot family) {
    double[] bounds = family.bounds();
    long[] cumulative = writer.scratch(bounds.length + 1);
    writer.histogramFamily(family.name(), family.unit().openMetricsUnit(), family.help());
    for (int i = 0; i < family.size(); i++) {
      int slot = family.slot(i);
      long[] counts = snapshot.histogramBuckets(slot);
      long total = 0;
      for (int b = 0; b < counts.length; b++) {
        total += counts[b];
        cumulative[b] = total;
      }
      writer.histogram(
          family.name(), family.labelBlock(i), bounds, cumulative, total, snapshot.bucketSum(slot));
    }
  }

  private void writeHistogram(
      ExpositionWriter writer, MetricsSnapshot snapshot, FamilySnapshot family) {
    String name = family.name();
    MetricUnit unit = family.unit();
    double scale = unit.scale();
    double[] bounds = family.bounds();
    int n = family.size();
    int q = QUANTILES.length;
    // [0, bounds) one series' cumulative counts; then q quantiles per series, for the series
    // encoded straight into the body (the summary family comes after every histogram series);
    // then per series 1 when its quantiles are there.
    int quantilesAt = bounds.length;
    int doneAt = quantilesAt + q * n;
    long[] scratch = writer.scratch(doneAt + n);
    Histogram[] seen = seen(snapshot.seriesCount());
    Encoded[] cache = cache(snapshot.seriesCount());
    String[] summary = summaries.computeIfAbsent(name, SnapshotFamilySource::summaryFamily);
    String quantiles = summary[0];
    writer.histogramFamily(name, unit.openMetricsUnit(), family.help());
    for (int i = 0; i < n; i++) {
      int slot = family.slot(i);
      Histogram h = snapshot.histogram(slot);
      long sum = snapshot.histogramSum(slot);
      byte[] labels = family.labelBlock(i);
      Encoded e = cached(cache[slot], family, h, sum, labels);
      scratch[doneAt + i] = 0;
      if (e == null && seen[slot] == h) {
        // Unchanged since the previous render: encode once more and keep the bytes.
        e =
            encode(
                writer,
                family,
                quantiles,
                h,
                snapshot.histogramBuckets(slot),
                sum,
                labels,
                scratch,
                quantilesAt + q * i);
        cache[slot] = e;
      }
      if (e != null) {
        writer.raw(e.histogram);
      } else {
        // Changed since the previous render (or first seen): straight into the body.
        seen[slot] = h;
        count(h, snapshot.histogramBuckets(slot), bounds, scale, scratch, quantilesAt + q * i);
        writer.histogram(name, labels, bounds, scratch, h.getTotalCount(), sum * scale);
        scratch[doneAt + i] = 1;
      }
    }
    // The summary's name does not end with the unit, so it carries no # UNIT line.
    writer.summaryFamily(quantiles, null, summary[1]);
    for (int i = 0; i < n; i++) {
      int slot = family.slot(i);
      Histogram h = snapshot.histogram(slot);
      byte[] labels = family.labelBlock(i);
      if (scratch[doneAt + i] == 0) {
        Encoded e = cached(cache[slot], family, h, snapshot.histogramSum(slot), labels);
        if (e != null) {
          writer.raw(e.quantiles);
          continue;
        }
        // Another render replaced the entry used above: count again.
        count(h, snapshot.histogramBuckets(slot), bounds, scale, scratch, quantilesAt + q * i);
      }
      quantileLines(
          writer, quantiles, labels, h.getTotalCount(), scale, scratch, quantilesAt + q * i);
    }
  }

  /** The name and HELP of the summary family of histogram family {@code name}. */
  private static String[] summaryFamily(String name) {
    return new String[] {
      name + QUANTILES_SUFFIX, "Exact quantiles of " + name + " from all raw samples."
    };
  }

  /** {@code e} when it holds the lines of exactly this series now, else {@code null}. */
  private static Encoded cached(
      Encoded e, FamilySnapshot family, Histogram h, long sum, byte[] labels) {
    if (e != null
        && e.source == h
        && e.sum == sum
        && e.labels == labels
        && e.name == family.name()
        && e.bounds == family.bounds()
        && e.unit == family.unit()) {
      return e;
    }
    return null;
  }

  /** The encoded-lines cache for {@code series} slots: the last one, or a larger copy of it. */
  private Encoded[] cache(int series) {
    Encoded[] cache = this.cache;
    if (cache.length < series) {
      cache = Arrays.copyOf(cache, Math.max(series, cache.length * 2));
      this.cache = cache;
    }
    return cache;
  }

  /** The frozen copy each slot had at its last render, for {@code series} slots. */
  private Histogram[] seen(int series) {
    Histogram[] seen = this.seen;
    if (seen.length < series) {
      seen = Arrays.copyOf(seen, Math.max(series, seen.length * 2));
      this.seen = seen;
    }
    return seen;
  }

  /**
   * Cumulative counts per bound into {@code scratch[0, bounds.length)} and, for a non-empty
   * histogram, the raw values of {@link #QUANTILES} into {@code scratch[at, at + 4)}.
   */
  private static void count(
      Histogram h, long[] buckets, double[] bounds, double scale, long[] scratch, int at) {
    if (buckets != null && buckets.length == bounds.length + 1 && HistogramCounts.available(h)) {
      // The store counted the buckets as samples arrived: only the quantiles walk the array.
      long total = 0;
      for (int b = 0; b < bounds.length; b++) {
        total += buckets[b];
        scratch[b] = total;
      }
      HistogramCounts.quantiles(h, bounds, scale, PERCENTILES, scratch, at);
    } else if (HistogramCounts.available(h)) {
      HistogramCounts.write(h, bounds, scale, PERCENTILES, scratch, at);
    } else {
      long total = h.getTotalCount();
      cumulativeCounts(h, bounds, scale, scratch);
      for (int k = 0; k < PERCENTILES.length && total > 0; k++) {
        scratch[at + k] = valueAtPercentile(h, PERCENTILES[k], total, bounds, scale, scratch);
      }
    }
  }

  /** The summary lines of one series from the quantiles {@link #count} left at {@code at}. */
  private static void quantileLines(
      ExpositionWriter writer,
      String quantiles,
      byte[] labels,
      long total,
      double scale,
      long[] scratch,
      int at) {
    for (int k = 0; k < QUANTILES.length; k++) {
      double value = total == 0 ? Double.NaN : scratch[at + k] * scale;
      writer.quantile(quantiles, labels, QUANTILES[k], value);
    }
  }

  /**
   * Encodes one series' histogram lines and summary lines at the end of the writer's body, copies
   * them out and truncates the body back. Uses {@code scratch[0, bounds)} and {@code scratch[at, at
   * + 4)}.
   */
  private static Encoded encode(
      ExpositionWriter writer,
      FamilySnapshot family,
      String quantiles,
      Histogram h,
      long[] buckets,
      long sum,
      byte[] labels,
      long[] scratch,
      int at) {
    String name = family.name();
    double scale = family.unit().scale();
    double[] bounds = family.bounds();
    long total = h.getTotalCount();
    count(h, buckets, bounds, scale, scratch, at);
    int start = writer.length();
    writer.histogram(name, labels, bounds, scratch, total, sum * scale);
    int middle = writer.length();
    quantileLines(writer, quantiles, labels, total, scale, scratch, at);
    int end = writer.length();
    byte[] body = writer.array();
    Encoded e =
        new Encoded(
            h,
            sum,
            labels,
            name,
            bounds,
            family.unit(),
            Arrays.copyOfRange(body, start, middle),
            Arrays.copyOfRange(body, middle, end));
    writer.truncate(start);
    return e;
  }

  /** One histogram series' encoded lines and what they were encoded from. Immutable. */
  private static final class Encoded {
    final Histogram source;
    final long sum;
    final byte[] labels;
    final String name;
    final double[] bounds;
    final MetricUnit unit;
    final byte[] histogram;
    final byte[] quantiles;

    Encoded(
        Histogram source,
        long sum,
        byte[] labels,
        String name,
        double[] bounds,
        MetricUnit unit,
        byte[] histogram,
        byte[] quantiles) {
      this.source = source;
      this.sum = sum;
      this.labels = labels;
      this.name = name;
      this.bounds = bounds;
      this.unit = unit;
      this.histogram = histogram;
      this.quantiles = quantiles;
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
