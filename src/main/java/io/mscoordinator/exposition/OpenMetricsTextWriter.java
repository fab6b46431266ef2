package io.mscoordinator.exposition;

import io.mscoordinator.series.MetricType;

/**
 * OpenMetrics text 1.0.0 ({@value #CONTENT_TYPE}). A family's lines are HELP (escaping {@code "}
 * too), TYPE, then UNIT when the family's name ends with its unit; a counter is named without
 * {@code _total}; a histogram's {@code _count} is written only with its {@code _sum}, since
 * OpenMetrics wants both or neither; the body ends with {@code # EOF}. Numbers and escaping as
 * {@link ExpositionWriter} says.
 *
 * <p>Confined to one rendering thread at a time.
 */
public final class OpenMetricsTextWriter extends ExpositionWriter {
  /** The Content-Type of an OpenMetrics 1.0 body. */
  public static final String CONTENT_TYPE =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  @Override
  public String contentType() {
    return CONTENT_TYPE;
  }

  @Override
  public ExpositionFormat format() {
    return ExpositionFormat.OPENMETRICS;
  }

  @Override
  public void finish() {
    text("# EOF\n");
  }

  @Override
  boolean header(MetricType type, String name, String unit, String help) {
    helpLine(name, "", help, true);
    typeLine(name, "", type == MetricType.UNKNOWN ? "unknown" : type.text());
    if (type != MetricType.INFO && type != MetricType.STATESET) {
      unitLine(name, unit); // OpenMetrics: info and stateset have no unit
    }
    return true;
  }

  @Override
  void counterWithoutTotalHeader(String name, String unit, String help) {
    helpLine(name, "", help, true);
    typeLine(name, "", "unknown");
    unitLine(name, unit);
  }

  @Override
  boolean countNeedsSum() {
    return true;
  }
}
