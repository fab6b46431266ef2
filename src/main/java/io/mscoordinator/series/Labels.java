package io.mscoordinator.series;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable label set, sorted by name so that label order on the wire never matters. Names are
 * valid label names ({@link Names#isLabelName}, so ASCII), checked by whoever builds the set;
 * values are kept unescaped, and {@link #block()} and {@link #toString()} give the escaped
 * exposition form.
 */
public final class Labels {
  public static final Labels EMPTY = new Labels(new String[0], new String[0]);

  private final String[] names;
  private final String[] values;
  private final int hash;

  private Labels(String[] names, String[] values) {
    this.names = names;
    this.values = values;
    this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
  }

  /** Sorts the pairs by name; names must be distinct. */
  public static Labels of(List<String> names, List<String> values) {
    int n = names.size();
    if (n == 0) {
      return EMPTY;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> names.get(a).compareTo(names.get(b)));
    String[] sortedNames = new String[n];
    String[] sortedValues = new String[n];
    for (int i = 0; i < n; i++) {
      sortedNames[i] = names.get(order[i]);
      sortedValues[i] = values.get(order[i]);
    }
    return new Labels(sortedNames, sortedValues);
  }

  /**
   * The label set of names and values interleaved ({@code name0, value0, name1, ...}), in any
   * order; {@code null} when two pairs have the same name. Names and values must not be null.
   */
  public static Labels ofPairs(String... pairs) {
    int n = pairs.length / 2;
    if (n == 0) {
      return EMPTY;
    }
    List<String> names = new ArrayList<>(n);
    List<String> values = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      names.add(pairs[2 * i]);
      values.add(pairs[2 * i + 1]);
    }
    Labels labels = of(names, values);
    for (int i = 1; i < n; i++) {
      if (labels.names[i].equals(labels.names[i - 1])) {
        return null;
      }
    }
    return labels;
  }

  public int size() {
    return names.length;
  }

  /** The name of label {@code i}, in name order. */
  public String name(int i) {
    return names[i];
  }

  /** The value of label {@code i}, unescaped. */
  public String value(int i) {
    return values[i];
  }

  /** The value of {@code name}, or null. */
  public String get(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return null;
  }

  /** A copy with {@code name} set to {@code value}, replacing any value it had. */
  public Labels with(String name, String value) {
    List<String> n = new ArrayList<>(names.length + 1);
    List<String> v = new ArrayList<>(names.length + 1);
    for (int i = 0; i < names.length; i++) {
      if (!names[i].equals(name)) {
        n.add(names[i]);
        v.add(values[i]);
      }
    }
    n.add(name);
    v.add(value);
    return of(n, v);
  }

  /**
   * The escaped UTF-8 block {@code k1="v1",k2="v2"} without braces, so that a writer can append
   * {@code le} or {@code quantile}; empty for no labels. Label values are escaped the same way in
   * Prometheus text 0.0.4 and OpenMetrics 1.0, so one block serves both formats. A new array on
   * every call: callers build it once per series and keep it.
   */
  public byte[] block() {
    int room = 0;
    for (int i = 0; i < names.length; i++) {
      room += names[i].length() + Escaping.maxBytes(values[i]) + 4;
    }
    byte[] out = new byte[room];
    int at = 0;
    for (int i = 0; i < names.length; i++) {
      if (i > 0) {
        out[at++] = ',';
      }
      String name = names[i];
      for (int c = 0; c < name.length(); c++) {
        out[at++] = (byte) name.charAt(c);
      }
      out[at++] = '=';
      out[at++] = '"';
      at = Escaping.escape(values[i], true, out, at);
      out[at++] = '"';
    }
    return at == out.length ? out : Arrays.copyOf(out, at);
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    return o instanceof Labels other
        && hash == other.hash
        && Arrays.equals(names, other.names)
        && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The text form, e.g. {@code {a="1",b="x"}} with values escaped; {@code {}} for no labels. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < names.length; i++) {
      out.append(i == 0 ? "" : ",").append(names[i]).append("=\"");
      out.append(Escaping.labelValue(values[i])).append('"');
    }
    return out.append('}').toString();
  }
}
