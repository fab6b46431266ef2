package io.mscoordinator.store;

import io.mscoordinator.series.Labels;
import java.util.Arrays;

/**
 * One family as of a snapshot: its name, kind, unit, HELP, bucket bounds and its series in stable
 * order (sorted by label pairs). Immutable: the agent builds a new one whenever a series is added
 * to the family, so readers may keep it as long as they like. Accessors that return arrays return
 * the internal array to keep rendering allocation-free; callers must not modify them.
 */
public final class FamilySnapshot {
  private final String name;
  private final MetricKind kind;
  private final MetricUnit unit;
  private final String help;
  private final double[] bounds;
  private final int[] slots;
  private final Labels[] labels;
  private final byte[][] labelBlocks;

  FamilySnapshot(
      String name,
      MetricKind kind,
      MetricUnit unit,
      String help,
      double[] bounds,
      int[] slots,
      Labels[] labels,
      byte[][] labelBlocks) {
    this.name = name;
    this.kind = kind;
    this.unit = unit;
    this.help = help;
    this.bounds = bounds;
    this.slots = slots;
    this.labels = labels;
    this.labelBlocks = labelBlocks;
  }

  /** Family name: for counters without the {@code _total} suffix. */
  public String name() {
    return name;
  }

  public MetricKind kind() {
    return kind;
  }

  public MetricUnit unit() {
    return unit;
  }

  /** HELP text, unescaped. */
  public String help() {
    return help;
  }

  /** Histogram bucket upper bounds in the exposed unit, strictly increasing, without +Inf. */
  public double[] bounds() {
    return bounds;
  }

  /** Number of series in this family. */
  public int size() {
    return slots.length;
  }

  /** Store slot of the i-th series, for {@link MetricsSnapshot} value lookups. */
  public int slot(int i) {
    return slots[i];
  }

  /** Escaped UTF-8 label block of the i-th series ({@code k="v",...}, no braces). */
  public byte[] labelBlock(int i) {
    return labelBlocks[i];
  }

  /** The labels of the i-th series. */
  public Labels labels(int i) {
    return labels[i];
  }

  /** The value of label {@code label} on the i-th series, or {@code null}. */
  public String labelValue(int i, String label) {
    return labels[i].get(label);
  }

  @Override
  public String toString() {
    return "FamilySnapshot[name="
        + name
        + " kind="
        + kind
        + " unit="
        + unit
        + " series="
        + slots.length
        + " bounds="
        + Arrays.toString(bounds)
        + "]";
  }
}
