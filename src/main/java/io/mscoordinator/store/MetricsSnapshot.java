package io.mscoordinator.store;

import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A consistent, immutable view of every series at one point of the ingest agent's event stream: no
 * event is half applied and every value is from the same position in every ring. Safe to share
 * between threads; the agent never touches it after publishing it. The HdrHistograms it holds are
 * frozen copies: read them, never record into them.
 */
public final class MetricsSnapshot {
  private final List<FamilySnapshot> families;
  private final List<FamilySnapshot> instanceFamilies;
  private final long[] values;
  private final Histogram[] histograms;
  private final long[][] buckets;
  private final long eventsApplied;

  MetricsSnapshot(
      List<FamilySnapshot> families,
      List<FamilySnapshot> instanceFamilies,
      long[] values,
      Histogram[] histograms,
      long[][] buckets,
      long eventsApplied) {
    this.families = families;
    this.instanceFamilies = instanceFamilies;
    this.values = values;
    this.histograms = histograms;
    this.buckets = buckets;
    this.eventsApplied = eventsApplied;
  }

  /**
   * The cluster view, what {@code /metrics} serves: families sorted by name, every series but the
   * instance view's.
   */
  public List<FamilySnapshot> families() {
    return families;
  }

  /**
   * The instance view, what {@code /metrics/instances} serves: the coordinator's own series of one
   * instance each ({@link SeriesStore#registerOwn} with {@code instanceView}), families sorted by
   * name. A family name may be in both views; a series is in one only.
   */
  public List<FamilySnapshot> instanceFamilies() {
    return instanceFamilies;
  }

  /** The instance view's family with this name, or {@code null}. For tests and lookups. */
  public FamilySnapshot instanceFamily(String name) {
    for (FamilySnapshot f : instanceFamilies) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /**
   * The cluster view's family with this name, or {@code null}. For tests and lookups, not for
   * rendering.
   */
  public FamilySnapshot family(String name) {
    for (FamilySnapshot f : families) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** Number of series. */
  public int seriesCount() {
    return values.length;
  }

  /** Events applied to the store when this snapshot was taken. */
  public long eventsApplied() {
    return eventsApplied;
  }

  /** Counter value of a counter slot. */
  public long counter(int slot) {
    return values[slot];
  }

  /** Gauge value of a gauge slot. */
  public double gauge(int slot) {
    return Double.longBitsToDouble(values[slot]);
  }

  /** Exact sum of the raw int64 samples of a histogram slot, in wire units. */
  public long histogramSum(int slot) {
    return values[slot];
  }

  /** Sum of the observations of a bucketed histogram slot. */
  public double bucketSum(int slot) {
    return Double.longBitsToDouble(values[slot]);
  }

  /** The frozen histogram of a histogram slot (never {@code null} for one). */
  public Histogram histogram(int slot) {
    return histograms[slot];
  }

  /**
   * The count per bucket of a histogram slot, not cumulative: {@code [b]} holds the samples above
   * bound {@code b-1} and at or below bound {@code b} of its family's {@link
   * FamilySnapshot#bounds}, in HdrHistogram's equivalence (the same counts a walk of {@link
   * #histogram} gives), and the last entry those above every bound. For a bucketed histogram slot
   * (OTLP explicit buckets) the counts the senders reported against the family's bounds. Shared
   * with later snapshots until the series changes: read it, never write it.
   */
  public long[] histogramBuckets(int slot) {
    return buckets[slot];
  }
}
