package io.mscoordinator.scrape;

import java.util.Arrays;

/**
 * One family of one parsed body: metadata and its samples, in body order. Built and compensated by
 * the node's scrape thread, then published inside an immutable {@code NodeResult} and never
 * changed.
 */
final class ParsedFamily {
  final String name;
  MetricType type;
  String help;
  String unit;
  boolean typed;
  Series[] series = new Series[4];
  double[] values = new double[4];
  int size;

  /**
   * The values after reset compensation: equal to {@link #values} for gauges, and for cumulative
   * samples the value plus what the node lost in earlier resets. Set once before publication.
   */
  double[] adjusted;

  ParsedFamily(String name, MetricType type) {
    this.name = name;
    this.type = type;
  }

  void add(Series s, double value) {
    if (size == series.length) {
      series = Arrays.copyOf(series, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    series[size] = s;
    values[size] = value;
    size++;
  }
}
