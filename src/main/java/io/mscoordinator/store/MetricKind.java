package io.mscoordinator.store;

import io.mscoordinator.series.MetricType;

/**
 * How the store keeps a series: the storage kind behind a {@link MetricType}, which is what the
 * exposition shows. Two kinds are both a {@link MetricType#HISTOGRAM}: one records raw samples
 * exactly in an HdrHistogram (and can give exact quantiles), the other adds the per-bucket counts a
 * sender already bucketed (OTLP explicit buckets). The codes are part of the ring record format;
 * never renumber them.
 */
public enum MetricKind {
  /** Monotonic int64, changed by adding non-negative deltas. */
  COUNTER(1, MetricType.COUNTER),
  /** A double that is set, not added to. */
  GAUGE(2, MetricType.GAUGE),
  /** Raw int64 samples recorded exactly in an HdrHistogram. */
  HISTOGRAM(3, MetricType.HISTOGRAM),
  /**
   * Cumulative counts in buckets whose bounds the sender chose (OTLP explicit-bucket histograms),
   * plus a double sum; changed by adding per-bucket deltas. Exposed as a histogram family.
   */
  BUCKETED_HISTOGRAM(4, MetricType.HISTOGRAM);

  private final int code;
  private final MetricType type;

  MetricKind(int code, MetricType type) {
    this.code = code;
    this.type = type;
  }

  /** The wire code in a register record. */
  public int code() {
    return code;
  }

  /** The family type the exposition shows for a series of this kind. */
  public MetricType type() {
    return type;
  }

  /** The kind for a wire code, or {@code null} when the code is unknown. */
  public static MetricKind fromCode(int code) {
    switch (code) {
      case 1:
        return COUNTER;
      case 2:
        return GAUGE;
      case 3:
        return HISTOGRAM;
      case 4:
        return BUCKETED_HISTOGRAM;
      default:
        return null;
    }
  }
}
