package io.mscoordinator.scrape;

import io.mscoordinator.series.MetricType;
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
  Series[] series;
  double[] values;

  /**
   * The parser's cell of each sample, for reset compensation; dropped once the family is
   * compensated, before publication. Null entries for families not built by a parser.
   */
  SeriesCell[] cells;

  int size;

  /**
   * The values after reset compensation: equal to {@link #values} for gauges, and for cumulative
   * samples the value plus what the node lost in earlier resets. Set once before publication.
   */
  double[] adjusted;

  ParsedFamily(String name, MetricType type) {
    this(name, type, 4);
  }

  /** A family with room for {@code capacity} samples before its arrays grow. */
  ParsedFamily(String name, MetricType type, int capacity) {
    this.name = name;
    this.type = type;
    int n = Math.max(1, capacity);
    series = new Series[n];
    values = new double[n];
    cells = new SeriesCell[n];
  }

  void add(Series s, double value) {
    add(s, value, null);
  }

  void add(Series s, double value, SeriesCell cell) {
    if (size == series.length) {
      series = Arrays.copyOf(series, size * 2);
      values = Arrays.copyOf(values, size * 2);
      cells = Arrays.copyOf(cells, size * 2);
    }
    series[size] = s;
    values[size] = value;
    cells[size] = cell;
    size++;
  }
}
