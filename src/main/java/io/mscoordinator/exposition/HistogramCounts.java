package io.mscoordinator.exposition;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

/**
 * Bucket counts and quantiles of a frozen HdrHistogram {@link Histogram} read straight from its
 * counts array, in one forward pass per series. HdrHistogram's public API only offers per-index
 * reads ({@link Histogram#getCountBetweenValues}), which C2 does not vectorize and which were most
 * of a render's time; a plain {@code long[]} sum is.
 *
 * <p>The array and the index/value mapping are HdrHistogram internals, reached through {@link
 * MethodHandles#privateLookupIn} (HdrHistogram sits on the class path or is an automatic module,
 * and both open every package). The mapping is the one HdrHistogram's own encoding uses, so it is
 * stable in practice; {@code HistogramCountsTest} compares every figure with the public API. When
 * the lookup fails, or a histogram's counts are shifted (a non-zero normalizing offset, which
 * frozen copies never have), {@link #available} is false and callers use the public API.
 *
 * <p>Stateless and threadsafe; the histogram must not be written while it is read (a snapshot's
 * frozen copies never are).
 */
final class HistogramCounts {
  private static final VarHandle COUNTS;
  private static final VarHandle OFFSET;
  private static final MethodHandle INDEX;
  private static final MethodHandle VALUE;

  static {
    VarHandle counts = null;
    VarHandle offset = null;
    MethodHandle index = null;
    MethodHandle value = null;
    try {
      MethodHandles.Lookup histogram =
          MethodHandles.privateLookupIn(Histogram.class, MethodHandles.lookup());
      MethodHandles.Lookup abstractHistogram =
          MethodHandles.privateLookupIn(AbstractHistogram.class, MethodHandles.lookup());
      counts = histogram.findVarHandle(Histogram.class, "counts", long[].class);
      offset = histogram.findVarHandle(Histogram.class, "normalizingIndexOffset", int.class);
      index =
          abstractHistogram.findVirtual(
              AbstractHistogram.class,
              "countsArrayIndex",
              MethodType.methodType(int.class, long.class));
      value =
          abstractHistogram.findVirtual(
              AbstractHistogram.class,
              "valueFromIndex",
              MethodType.methodType(long.class, int.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Not this HdrHistogram layout, or not open to us: every caller takes the public API.
      counts = null;
      offset = null;
      index = null;
      value = null;
    }
    COUNTS = counts;
    OFFSET = offset;
    INDEX = index;
    VALUE = value;
  }

  private HistogramCounts() {}

  /** Whether {@link #write} can read {@code h}; otherwise use the public API. */
  static boolean available(Histogram h) {
    return COUNTS != null && (int) OFFSET.get(h) == 0;
  }

  /**
   * Cumulative counts per bound into {@code out[0, bounds.length)}, then, for a non-empty
   * histogram, {@code h.getValueAtPercentile(percentiles[k])} into {@code out[quantilesAt + k]}:
   * the same figures as {@link SnapshotFamilySource#cumulativeCounts} and {@link
   * SnapshotFamilySource#valueAtPercentile}.
   *
   * @param percentiles ascending, in (0, 100]
   */
  static void write(
      Histogram h,
      double[] bounds,
      double scale,
      double[] percentiles,
      long[] out,
      int quantilesAt) {
    long[] counts = (long[]) COUNTS.get(h);
    int last = counts.length - 1;
    long total = 0;
    int next = 0;
    for (int b = 0; b < bounds.length; b++) {
      long high = (long) Math.floor(bounds[b] / scale);
      if (high >= 0) {
        int to = Math.min(index(h, high), last);
        for (int i = next; i <= to; i++) {
          total += counts[i];
        }
        next = Math.max(next, to + 1);
      }
      out[b] = total;
    }
    long all = h.getTotalCount();
    if (all == 0) {
      return;
    }
    // Forward scan: running = sum of counts[0, at). Ranks ascend with the percentiles, so each
    // quantile resumes where the previous one stopped, after jumping to the first bucket whose
    // cumulative count could hold its rank.
    int at = 0;
    long running = 0;
    int bucket = 0;
    for (int k = 0; k < percentiles.length; k++) {
      double requested =
          Math.min(
              Math.max(Math.nextAfter(percentiles[k], Double.NEGATIVE_INFINITY), 0.0D), 100.0D);
      long rank = Math.max((long) Math.ceil(requested * all / 100.0), 1);
      while (bucket < bounds.length && out[bucket] < rank) {
        bucket++;
      }
      if (bucket > 0) {
        long high = (long) Math.floor(bounds[bucket - 1] / scale);
        int from = high < 0 ? 0 : Math.min(index(h, high), last) + 1;
        if (from > at) {
          at = from;
          running = out[bucket - 1];
        }
      }
      while (at < last && running + counts[at] < rank) {
        running += counts[at++];
      }
      out[quantilesAt + k] = h.highestEquivalentValue(value(h, at));
    }
  }

  private static int index(Histogram h, long value) {
    try {
      return (int) INDEX.invokeExact((AbstractHistogram) h, value);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static long value(Histogram h, int index) {
    try {
      return (long) VALUE.invokeExact((AbstractHistogram) h, index);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
