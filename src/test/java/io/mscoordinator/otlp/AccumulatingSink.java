package io.mscoordinator.otlp;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-heap {@link OtlpSink} that keeps cumulative series, for unit tests of the receiver's parts
 * without a metrics core. It never answers {@link OtlpSink.Offer#RING_FULL}; past {@code
 * seriesLimit} distinct series it refuses new ones.
 *
 * <p>Threadsafe: any request thread offers; each series is updated under its own lock; {@link
 * #text} reads a consistent value per series (not one snapshot of all).
 */
final class AccumulatingSink implements OtlpSink {
  private final int seriesLimit;
  private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();

  AccumulatingSink(int seriesLimit) {
    this.seriesLimit = seriesLimit;
  }

  /** Offers refused because of the series limit or changed histogram bounds. */
  public long refused() {
    return refused.get();
  }

  /** The number of distinct series held. */
  public int seriesCount() {
    return series.size();
  }

  @Override
  public Offer counterAdd(SeriesKey key, double delta) {
    Series s = series(key, Kind.COUNTER, null);
    if (s == null) {
      return refuse();
    }
    synchronized (s) {
      s.value += delta;
    }
    return Offer.ACCEPTED;
  }

  @Override
  public Offer gaugeSet(SeriesKey key, double value) {
    Series s = series(key, Kind.GAUGE, null);
    if (s == null) {
      return refuse();
    }
    synchronized (s) {
      s.value = value;
    }
    return Offer.ACCEPTED;
  }

  @Override
  public Offer bucketHistogramAdd(
      SeriesKey key, double[] bounds, long[] deltaCounts, double deltaSum, long deltaCount) {
    Series s = series(key, Kind.HISTOGRAM, bounds);
    if (s == null || !Arrays.equals(s.bounds, bounds)) {
      return refuse();
    }
    synchronized (s) {
      for (int i = 0; i < deltaCounts.length; i++) {
        s.counts[i] += deltaCounts[i];
      }
      s.value += deltaSum;
      s.count += deltaCount;
    }
    return Offer.ACCEPTED;
  }

  private Offer refuse() {
    refused.incrementAndGet();
    return Offer.SERIES_REFUSED;
  }

  private Series series(SeriesKey key, Kind kind, double[] bounds) {
    Series s = series.get(key);
    if (s == null) {
      if (series.size() >= seriesLimit) {
        return null;
      }
      s = series.computeIfAbsent(key, k -> new Series(kind, bounds));
    }
    return s.kind == kind ? s : null;
  }

  /**
   * Every series in Prometheus text style, sorted by series: counters and gauges as {@code key
   * value}, histograms as cumulative {@code _bucket{le=...}} lines plus {@code _sum} and {@code
   * _count}. Numbers print as Java does ({@code 3.0}, {@code 12}); no {@code # TYPE} lines.
   */
  public String text() {
    Map<String, String> lines = new TreeMap<>();
    series.forEach((key, s) -> lines.put(key.toString(), s.text(key)));
    return String.join("", lines.values());
  }

  private enum Kind {
    COUNTER,
    GAUGE,
    HISTOGRAM
  }

  private static final class Series {
    final Kind kind;
    final double[] bounds;
    final long[] counts;
    double value;
    long count;

    Series(Kind kind, double[] bounds) {
      this.kind = kind;
      this.bounds = bounds == null ? null : bounds.clone();
      this.counts = bounds == null ? null : new long[bounds.length + 1];
    }

    synchronized String text(SeriesKey key) {
      if (kind != Kind.HISTOGRAM) {
        return key + " " + value + "\n";
      }
      StringBuilder sb = new StringBuilder();
      long cumulative = 0;
      for (int i = 0; i < counts.length; i++) {
        cumulative += counts[i];
        String le = i < bounds.length ? Double.toString(bounds[i]) : "+Inf";
        sb.append(withLe(key, le)).append(' ').append(cumulative).append('\n');
      }
      sb.append(suffixed(key, "_sum")).append(' ').append(value).append('\n');
      sb.append(suffixed(key, "_count")).append(' ').append(count).append('\n');
      return sb.toString();
    }

    private static String withLe(SeriesKey key, String le) {
      return new SeriesKey(key.name() + "_bucket", key.labels().with("le", le)).toString();
    }

    private static String suffixed(SeriesKey key, String suffix) {
      return new SeriesKey(key.name() + suffix, key.labels()).toString();
    }
  }
}
