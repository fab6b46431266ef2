package io.mscoordinator.store;

/** What a series counts. The codes are part of the ring record format; never renumber them. */
public enum MetricKind {
  /** Monotonic int64, changed by adding non-negative deltas. */
  COUNTER(1, "counter"),
  /** A double that is set, not added to. */
  GAUGE(2, "gauge"),
  /** Raw int64 samples recorded exactly in an HdrHistogram. */
  HISTOGRAM(3, "histogram");

  private final int code;
  private final String typeName;

  MetricKind(int code, String typeName) {
    this.code = code;
    this.typeName = typeName;
  }

  /** The wire code in a register record. */
  public int code() {
    return code;
  }

  /** The word used on a {@code # TYPE} line. */
  public String typeName() {
    return typeName;
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
      default:
        return null;
    }
  }
}
