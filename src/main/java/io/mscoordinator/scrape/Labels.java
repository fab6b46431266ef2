package io.mscoordinator.scrape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** An immutable label set, sorted by name so that label order on the wire never matters. */
final class Labels {
  static final Labels EMPTY = new Labels(new String[0], new String[0]);

  private final String[] names;
  private final String[] values;
  private final int hash;

  private Labels(String[] names, String[] values) {
    this.names = names;
    this.values = values;
    this.hash = 31 * Arrays.hashCode(names) + Arrays.hashCode(values);
  }

  /** Sorts the pairs by name; names must be distinct. */
  static Labels of(List<String> names, List<String> values) {
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

  int size() {
    return names.length;
  }

  String name(int i) {
    return names[i];
  }

  String value(int i) {
    return values[i];
  }

  /** The value of {@code name}, or null. */
  String get(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return null;
  }

  /** A copy with {@code name} set to {@code value}, replacing any value it had. */
  Labels with(String name, String value) {
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

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < names.length; i++) {
      out.append(i == 0 ? "" : ",").append(names[i]).append("=\"").append(values[i]).append('"');
    }
    return out.append('}').toString();
  }
}
