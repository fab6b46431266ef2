package io.mscoordinator.otlp;

import io.mscoordinator.series.Labels;

/**
 * One OTLP series: its sanitized family name as the sender named it (no {@code _total} or unit
 * suffix added) and its labels. Two keys are equal when name and labels are equal.
 *
 * <p>Immutable; threadsafe.
 *
 * @param name a valid metric name, e.g. {@code time_to_first_token_us}
 * @param labels valid label names, no empty values
 */
public record SeriesKey(String name, Labels labels) {
  /** Prometheus text form, e.g. {@code name{a="1",b="x"}}; values escaped as the format says. */
  @Override
  public String toString() {
    return labels.size() == 0 ? name : name + labels;
  }
}
