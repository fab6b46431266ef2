package io.mscoordinator.scrape;

/** A metric family type as the exposition formats name it. */
public enum MetricType {
  COUNTER("counter"),
  GAUGE("gauge"),
  HISTOGRAM("histogram"),
  GAUGE_HISTOGRAM("gaugehistogram"),
  SUMMARY("summary"),
  INFO("info"),
  STATESET("stateset"),
  UNKNOWN("untyped");

  private final String text;

  MetricType(String text) {
    this.text = text;
  }

  /** The word of a {@code # TYPE} line; {@code untyped} for {@link #UNKNOWN}. */
  public String text() {
    return text;
  }

  static MetricType ofText(String word, boolean openMetrics) {
    switch (word) {
      case "counter":
        return COUNTER;
      case "gauge":
        return GAUGE;
      case "histogram":
        return HISTOGRAM;
      case "summary":
        return SUMMARY;
      case "untyped":
        return openMetrics ? null : UNKNOWN;
      case "unknown":
        return openMetrics ? UNKNOWN : null;
      case "gaugehistogram":
        return openMetrics ? GAUGE_HISTOGRAM : null;
      case "info":
        return openMetrics ? INFO : null;
      case "stateset":
        return openMetrics ? STATESET : null;
      default:
        return null;
    }
  }

  /** Whether the family's samples only grow between resets. */
  boolean cumulative() {
    return this == COUNTER || this == HISTOGRAM || this == SUMMARY;
  }
}
