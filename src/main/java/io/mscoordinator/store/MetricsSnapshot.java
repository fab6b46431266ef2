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
  private final long[] values;
  private final Histogram[] histograms;
  private final long eventsApplied;

  MetricsSnapshot(
      List<FamilySnapshot> families, long[] values, Histogram[] histograms, long eventsApplied) {
    this.families = families;
    this.values = values;
    this.histograms = histograms;
    this.eventsApplied = eventsApplied;
  }

  /** Families sorted by name. */
  public List<FamilySnapshot> families() {
    return families;
  }

  /** The family with this name, or {@code null}. For tests and lookups, not for rendering. */
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

  /** The frozen histogram of a histogram slot (never {@code null} for one). */
  public Histogram histogram(int slot) {
    return histograms[slot];
  }
}
