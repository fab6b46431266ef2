package io.mscoordinator.series;

/**
 * A metric family type as the exposition formats name it: what a node's body declares, what the
 * merge keeps, what a writer puts on a {@code # TYPE} line (with the text format's fallbacks for
 * the types only OpenMetrics has; see {@code io.mscoordinator.exposition.ExpositionWriter}).
 */
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

  /** The word of a text-format {@code # TYPE} line; {@code untyped} for {@link #UNKNOWN}. */
  public String text() {
    return text;
  }

  /**
   * The type a {@code # TYPE} word names in a body of the given format, or {@code null} when that
   * format has no such word ({@code untyped} is text only; {@code unknown}, {@code gaugehistogram},
   * {@code info} and {@code stateset} are OpenMetrics only).
   */
  public static MetricType ofText(String word, boolean openMetrics) {
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
  public boolean cumulative() {
    return this == COUNTER || this == HISTOGRAM || this == SUMMARY;
  }
}
