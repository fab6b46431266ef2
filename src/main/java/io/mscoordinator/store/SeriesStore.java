package io.mscoordinator.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The metric state: interned series, off-heap counter/gauge/sum slots and one HdrHistogram per
 * histogram series.
 *
 * <p>Single writer: confined to the ingest agent thread (a test thread may stand in for it). No
 * method is threadsafe; other threads read only the {@link MetricsSnapshot}s that {@link #freeze()}
 * returns and the agent hands over.
 *
 * <p>Snapshots: {@link #freeze()} runs on the agent between two events, so it sees no half applied
 * event. It copies the value slots (one pass over 8 bytes per series) and, for every histogram that
 * changed since the previous freeze, an HdrHistogram copy; histograms that did not change share the
 * previous frozen copy, which is never written again. The agent is paused only for those copies;
 * quantiles and buckets are computed afterwards by the reader on its own thread. Nothing on the
 * event path takes a lock or a barrier: only the agent touches live state.
 *
 * <p>Interning (name plus sorted labels to a slot) and family bookkeeping allocate, but only when a
 * series is registered; {@link #counterAdd}, {@link #gaugeSet} and {@link #histogramRecord}
 * allocate nothing (an HdrHistogram may grow its counts array when a sample exceeds the range seen
 * so far, a bounded number of times per series).
 */
public final class SeriesStore {
  /** Register result: the series limit is reached. */
  public static final int REFUSED_LIMIT = -1;

  /** Register result: a bad name, label name, label set, kind or unit. */
  public static final int REFUSED_INVALID = -2;

  /** Register result: the family exists with another kind, or its names collide with another. */
  public static final int REFUSED_CONFLICT = -3;

  /** Family names starting with this are the coordinator's own and refused from producers. */
  public static final String RESERVED_PREFIX = "ms_coordinator_";

  /** Largest histogram sample accepted: 2^43 (2.4 hours in nanoseconds). */
  public static final long MAX_SAMPLE = 1L << 43;

  private static final String UNKNOWN_HELP = "Reported by an engine; not in the KsanaLLM catalog.";

  private final int limit;
  private final Map<String, double[]> bucketOverrides;
  private final UnsafeBuffer values;
  private final byte[] kinds;
  private final Histogram[] live;
  private final boolean[] histogramChanged;
  private final Map<String, Integer> interned = new HashMap<>();
  private final TreeMap<String, FamilyState> families = new TreeMap<>();
  private final Set<String> takenNames = new HashSet<>();
  private int count;
  private long eventsApplied;
  private boolean structureChanged = true;
  private List<FamilySnapshot> frozenFamilies = List.of();
  private Histogram[] frozenHistograms = new Histogram[0];
  private MetricsSnapshot last;

  /**
   * @param limit most series this store will intern
   * @param bucketOverrides bucket upper bounds per family name, replacing the unit defaults
   */
  public SeriesStore(int limit, Map<String, double[]> bucketOverrides) {
    this.limit = limit;
    this.bucketOverrides = Map.copyOf(bucketOverrides);
    this.values = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(8, limit * Long.BYTES)));
    this.kinds = new byte[limit];
    this.live = new Histogram[limit];
    this.histogramChanged = new boolean[limit];
  }

  /** Series interned so far. */
  public int size() {
    return count;
  }

  /** The series limit. */
  public int limit() {
    return limit;
  }

  /**
   * Interns a series and returns its slot (the same slot for the same family and label set), or one
   * of the negative {@code REFUSED_*} codes.
   *
   * @param name metric name as reported; a data-parallel suffix {@code _{digits}} on the
   *     batch-scheduler names becomes a {@code dp_idx} label, a {@code _total} suffix on a counter
   *     is dropped from the family name
   * @param labelPairs label names and values alternating, in any order
   */
  public int register(String name, MetricKind kind, MetricUnit unit, String[] labelPairs) {
    if (!LabelText.isMetricName(name)
        || name.startsWith(RESERVED_PREFIX)
        || kind == null
        || unit == null
        || labelPairs.length % 2 != 0) {
      return REFUSED_INVALID;
    }
    String family = name;
    String[] pairs = labelPairs;
    int dpBase = KsanaCatalog.dataParallelBase(name);
    if (dpBase > 0) {
      family = name.substring(0, dpBase);
      pairs = Arrays.copyOf(labelPairs, labelPairs.length + 2);
      pairs[labelPairs.length] = KsanaCatalog.DP_LABEL;
      pairs[labelPairs.length + 1] = name.substring(dpBase + 1);
    }
    if (kind == MetricKind.COUNTER && family.endsWith("_total")) {
      family = family.substring(0, family.length() - "_total".length());
    }
    String[] sorted = sortedPairs(pairs, kind);
    if (sorted == null) {
      return REFUSED_INVALID;
    }
    String key = identity(family, sorted);
    Integer existing = interned.get(key);
    if (existing != null) {
      return kinds[existing] == kind.code() ? existing : REFUSED_CONFLICT;
    }
    FamilyState state = families.get(family);
    if (state == null) {
      KsanaCatalog.Entry entry = KsanaCatalog.lookup(family);
      if (entry != null && entry.kind() != kind) {
        return REFUSED_CONFLICT;
      }
      List<String> names = sampleNames(family, kind);
      for (String taken : names) {
        if (takenNames.contains(taken)) {
          return REFUSED_CONFLICT;
        }
      }
      if (count >= limit) {
        return REFUSED_LIMIT;
      }
      MetricUnit resolved = entry != null ? entry.unit() : MetricUnit.resolve(unit, family);
      double[] bounds = bucketOverrides.get(family);
      state =
          new FamilyState(
              family,
              kind,
              resolved,
              entry != null ? entry.help() : UNKNOWN_HELP,
              bounds != null ? bounds.clone() : resolved.defaultBounds());
      takenNames.addAll(names);
      families.put(family, state);
    } else if (state.kind != kind) {
      return REFUSED_CONFLICT;
    }
    if (count >= limit) {
      return REFUSED_LIMIT;
    }
    int slot = count++;
    kinds[slot] = (byte) kind.code();
    values.putLong(slot * Long.BYTES, kind == MetricKind.GAUGE ? Double.doubleToRawLongBits(0) : 0);
    if (kind == MetricKind.HISTOGRAM) {
      live[slot] = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
      histogramChanged[slot] = true;
    }
    interned.put(key, slot);
    state.add(key, slot, sorted);
    structureChanged = true;
    return slot;
  }

  /** The kind of a slot, or {@code null} for a slot never interned. */
  public MetricKind kind(int slot) {
    return slot >= 0 && slot < count ? MetricKind.fromCode(kinds[slot]) : null;
  }

  /** Adds a non-negative delta to a counter slot; false (nothing changed) otherwise. */
  public boolean counterAdd(int slot, long delta) {
    if (slot < 0 || slot >= count || kinds[slot] != 1 || delta < 0) {
      return false;
    }
    int offset = slot * Long.BYTES;
    values.putLong(offset, values.getLong(offset) + delta);
    eventsApplied++;
    return true;
  }

  /** Sets a gauge slot; false (nothing changed) when the slot is not a gauge. */
  public boolean gaugeSet(int slot, double value) {
    if (slot < 0 || slot >= count || kinds[slot] != 2) {
      return false;
    }
    values.putLong(slot * Long.BYTES, Double.doubleToRawLongBits(value));
    eventsApplied++;
    return true;
  }

  /** Records a sample in [0, MAX_SAMPLE] into a histogram slot; false (nothing changed) else. */
  public boolean histogramRecord(int slot, long value) {
    if (slot < 0 || slot >= count || kinds[slot] != 3 || value < 0 || value > MAX_SAMPLE) {
      return false;
    }
    live[slot].recordValue(value);
    int offset = slot * Long.BYTES;
    values.putLong(offset, values.getLong(offset) + value);
    histogramChanged[slot] = true;
    eventsApplied++;
    return true;
  }

  /**
   * A snapshot of every series now. Returns the previous snapshot object when nothing changed since
   * it was taken.
   */
  public MetricsSnapshot freeze() {
    if (last != null && !structureChanged && last.eventsApplied() == eventsApplied) {
      return last;
    }
    if (structureChanged) {
      List<FamilySnapshot> list = new ArrayList<>(families.size());
      for (FamilyState state : families.values()) {
        list.add(state.snapshot());
      }
      frozenFamilies = Collections.unmodifiableList(list);
      structureChanged = false;
    }
    long[] copy = new long[count];
    for (int i = 0; i < count; i++) {
      copy[i] = values.getLong(i * Long.BYTES);
    }
    Histogram[] frozen = new Histogram[count];
    for (int i = 0; i < count; i++) {
      if (live[i] != null) {
        boolean reuse = !histogramChanged[i] && i < frozenHistograms.length;
        frozen[i] = reuse ? frozenHistograms[i] : live[i].copy();
        histogramChanged[i] = false;
      }
    }
    frozenHistograms = frozen;
    last = new MetricsSnapshot(frozenFamilies, copy, frozen, eventsApplied);
    return last;
  }

  private static List<String> sampleNames(String family, MetricKind kind) {
    switch (kind) {
      case COUNTER:
        return List.of(family, family + "_total", family + "_created");
      case HISTOGRAM:
        return List.of(
            family,
            family + "_bucket",
            family + "_sum",
            family + "_count",
            family + "_created",
            family + "_quantiles");
      default:
        return List.of(family);
    }
  }

  /** Sorted copy of the pairs, or null when a name is bad, repeated or reserved for the kind. */
  private static String[] sortedPairs(String[] pairs, MetricKind kind) {
    int n = pairs.length / 2;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      String label = pairs[2 * i];
      String value = pairs[2 * i + 1];
      if (!LabelText.isLabelName(label) || value == null) {
        return null;
      }
      if (kind == MetricKind.HISTOGRAM && (label.equals("le") || label.equals("quantile"))) {
        return null;
      }
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> pairs[2 * a].compareTo(pairs[2 * b]));
    String[] sorted = new String[pairs.length];
    for (int i = 0; i < n; i++) {
      sorted[2 * i] = pairs[2 * order[i]];
      sorted[2 * i + 1] = pairs[2 * order[i] + 1];
      if (i > 0 && sorted[2 * i].equals(sorted[2 * i - 2])) {
        return null;
      }
    }
    return sorted;
  }

  private static String identity(String family, String[] sorted) {
    StringBuilder sb = new StringBuilder(family);
    for (String s : sorted) {
      sb.append('\0').append(s);
    }
    return sb.toString();
  }

  /** Agent-confined bookkeeping of one family; {@link #snapshot()} makes the immutable view. */
  private static final class FamilyState {
    final String name;
    final MetricKind kind;
    final MetricUnit unit;
    final String help;
    final double[] bounds;
    final List<String> keys = new ArrayList<>();
    final List<Integer> slots = new ArrayList<>();
    final List<String[]> pairs = new ArrayList<>();
    final List<byte[]> blocks = new ArrayList<>();

    FamilyState(String name, MetricKind kind, MetricUnit unit, String help, double[] bounds) {
      this.name = name;
      this.kind = kind;
      this.unit = unit;
      this.help = help;
      this.bounds = bounds;
    }

    void add(String key, int slot, String[] sortedPairs) {
      int at = Collections.binarySearch(keys, key);
      int index = at < 0 ? -at - 1 : at;
      keys.add(index, key);
      slots.add(index, slot);
      pairs.add(index, sortedPairs);
      blocks.add(index, LabelText.block(sortedPairs));
    }

    FamilySnapshot snapshot() {
      int n = slots.size();
      int[] s = new int[n];
      for (int i = 0; i < n; i++) {
        s[i] = slots.get(i);
      }
      return new FamilySnapshot(
          name,
          kind,
          unit,
          help,
          bounds,
          s,
          pairs.toArray(new String[0][]),
          blocks.toArray(new byte[0][]));
    }
  }
}
