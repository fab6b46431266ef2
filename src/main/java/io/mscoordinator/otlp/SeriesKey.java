package io.mscoordinator.otlp;

import java.util.Arrays;

/**
 * One series: a sanitized Prometheus family name and its labels, sorted by label name, with no
 * duplicate names. Two keys are equal when name and every label are equal.
 *
 * <p>Immutable; threadsafe.
 */
public final class SeriesKey {
  private final String name;
  private final String[] labels;
  private final int hash;

  /**
   * @param name a valid Prometheus metric name
   * @param labels label names and values interleaved ({@code name0, value0, name1, ...}), sorted by
   *     name, names unique and valid; the array is taken over, not copied
   */
  SeriesKey(String name, String[] labels) {
    this.name = name;
    this.labels = labels;
    this.hash = 31 * name.hashCode() + Arrays.hashCode(labels);
  }

  /** The family name, e.g. {@code time_to_first_token_us}. */
  public String name() {
    return name;
  }

  /** The number of labels. */
  public int labelCount() {
    return labels.length / 2;
  }

  /** The name of label {@code i}, in name order. */
  public String labelName(int i) {
    return labels[2 * i];
  }

  /** The value of label {@code i}. */
  public String labelValue(int i) {
    return labels[2 * i + 1];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesKey k
        && hash == k.hash
        && name.equals(k.name)
        && Arrays.equals(labels, k.labels);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Prometheus text form, e.g. {@code name{a="1",b="x"}}; values escaped as the format says. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name);
    if (labels.length > 0) {
      sb.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(labels[i]).append("=\"");
        escape(labels[i + 1], sb);
        sb.append('"');
      }
      sb.append('}');
    }
    return sb.toString();
  }

  static void escape(String value, StringBuilder sb) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
  }
}
