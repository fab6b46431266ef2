package io.mscoordinator.exposition;

import io.mscoordinator.series.MetricType;

/**
 * Prometheus text format 0.0.4 ({@value #CONTENT_TYPE}). A counter's HELP and TYPE lines name its
 * {@code _total} sample, as client_java 1.x and the OpenTelemetry Prometheus exporter do; HELP
 * escapes backslash and line feed only; there is no UNIT line. Types the format lacks fall back as
 * {@link ExpositionWriter#family} says: {@code unknown} to {@code untyped}, info and stateset to
 * gauges, gauge histograms left out. Numbers and escaping as {@link ExpositionWriter} says.
 *
 * <p>Confined to one rendering thread at a time.
 */
public final class PrometheusTextWriter extends ExpositionWriter {
  /** The Content-Type of a text 0.0.4 body. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  @Override
  public String contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public ExpositionFormat format() {
    return ExpositionFormat.PROMETHEUS_TEXT;
  }

  @Override
  public void finish() {}

  @Override
  boolean header(MetricType type, String name, String unit, String help) {
    switch (type) {
      case COUNTER -> lines(name, "_total", "counter", help);
      case INFO -> lines(name, "_info", "gauge", help);
      case STATESET -> lines(name, "", "gauge", help);
      case GAUGE_HISTOGRAM -> {
        return false;
      }
      default -> lines(name, "", type.text(), help);
    }
    return true;
  }

  @Override
  void counterWithoutTotalHeader(String name, String unit, String help) {
    lines(name, "", "counter", help);
  }

  @Override
  boolean countNeedsSum() {
    return false;
  }

  private void lines(String name, String suffix, String word, String help) {
    helpLine(name, suffix, help, false);
    typeLine(name, suffix, word);
  }
}
