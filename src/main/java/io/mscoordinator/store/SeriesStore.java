package io.mscoordinator.store;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.Names;
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
import org.agrona.DirectBuffer;
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
 * quantiles are computed afterwards by the reader on its own thread.
 *
 * <p>Bucket counts: each histogram series also keeps its count per bucket of its family's bounds,
 * incremented when a sample is recorded (a binary search over at most a few dozen longs), and
 * frozen beside the HdrHistogram copy. The bucket of a sample is the one HdrHistogram's own
 * arithmetic gives: a sample counts at or below a bound when it is at most the highest value
 * equivalent to the bound, so these counts equal a walk of the frozen copy's counts array (which a
 * render would otherwise do, over thousands of longs per series). Nothing on the event path takes a
 * lock or a barrier: only the agent touches live state.
 *
 * <p>A {@link MetricKind#BUCKETED_HISTOGRAM} series (OTLP explicit buckets) keeps per-bucket counts
 * in a {@code long[]} with the bounds its family was registered with (the sender's) and its double
 * sum in its value slot; {@link #freeze()} copies the counts of those that changed.
 *
 * <p>Two views: every series belongs to the cluster view ({@code /metrics}) except the
 * coordinator's own per-instance series ({@link #registerOwn} with {@code instanceView}), which
 * belong to the instance view ({@code /metrics/instances}) only. The data plane records a timing
 * into a model's series in the cluster view and into the instance's series in the instance view, so
 * that a {@code sum()} over either body counts each request once. Names starting with {@link
 * #RESERVED_PREFIX} are the coordinator's own: {@link #register} refuses them, {@link #registerOwn}
 * requires them.
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
  private final long[][] bucketCounts;
  private final long[][] bucketUppers;
  private final Map<String, Integer> interned = new HashMap<>();
  private final View cluster = new View("");
  private final View instances = new View("\u0001");
  private int count;
  private long eventsApplied;
  private boolean structureChanged = true;
  private Histogram[] frozenHistograms = new Histogram[0];
  private long[][] frozenBuckets = new long[0][];
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
    this.bucketCounts = new long[limit][];
    this.bucketUppers = new long[limit][];
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
    return register(name, kind, unit, labelPairs, null);
  }

  /**
   * As {@link #register(String, MetricKind, MetricUnit, String[])}, for every kind: a {@link
   * MetricKind#BUCKETED_HISTOGRAM} names its bounds, which are its family's: the first series fixes
   * them, and a series with other bounds is refused as a conflict. A name starting with {@link
   * #RESERVED_PREFIX} is refused: see {@link #registerOwn}.
   *
   * @param bounds strictly increasing finite upper bounds without +Inf, for a bucketed histogram
   *     only (else {@code null})
   */
  public int register(
      String name, MetricKind kind, MetricUnit unit, String[] labelPairs, double[] bounds) {
    if (name == null || name.startsWith(RESERVED_PREFIX)) {
      return REFUSED_INVALID;
    }
    return intern(name, kind, unit, labelPairs, bounds, null, cluster);
  }

  /**
   * Interns one of the coordinator's own series: its name must start with {@link #RESERVED_PREFIX},
   * which {@link #register} refuses so that no other process forges the coordinator's families (the
   * ingest agent calls this only for the in-process producer's own registrations). No catalog
   * lookup and no name rewriting but the counter's {@code _total}.
   *
   * @param help the family's HELP text; the first registration of the family sets it
   * @param instanceView true: the series belongs to the instance view ({@link
   *     MetricsSnapshot#instanceFamilies()}, served in {@code /metrics/instances}), false: to the
   *     cluster view ({@link MetricsSnapshot#families()}, served in {@code /metrics}). A family may
   *     have series in both views, with the same kind and unit; each series is in one view only
   * @return the slot, or one of the negative {@code REFUSED_*} codes
   */
  public int registerOwn(
      String name,
      MetricKind kind,
      MetricUnit unit,
      String[] labelPairs,
      double[] bounds,
      String help,
      boolean instanceView) {
    if (name == null || !name.startsWith(RESERVED_PREFIX) || help == null) {
      return REFUSED_INVALID;
    }
    return intern(name, kind, unit, labelPairs, bounds, help, instanceView ? instances : cluster);
  }

  /** Interns a series into {@code view}; {@code help} is null for a producer's series. */
  private int intern(
      String name,
      MetricKind kind,
      MetricUnit unit,
      String[] labelPairs,
      double[] bounds,
      String help,
      View view) {
    boolean own = help != null;
    if (!Names.isMetricName(name)
        || kind == null
        || unit == null
        || labelPairs == null
        || labelPairs.length % 2 != 0
        || (kind == MetricKind.BUCKETED_HISTOGRAM) != (bounds != null)
        || bounds != null && !validBounds(bounds)) {
      return REFUSED_INVALID;
    }
    String family = name;
    String[] pairs = labelPairs;
    int dpBase = own ? -1 : KsanaCatalog.dataParallelBase(name);
    if (dpBase > 0) {
      family = name.substring(0, dpBase);
      pairs = Arrays.copyOf(labelPairs, labelPairs.length + 2);
      pairs[labelPairs.length] = KsanaCatalog.DP_LABEL;
      pairs[labelPairs.length + 1] = name.substring(dpBase + 1);
    }
    if (kind == MetricKind.COUNTER && family.endsWith("_total")) {
      family = family.substring(0, family.length() - "_total".length());
    }
    Labels sorted = labels(pairs, kind);
    if (sorted == null) {
      return REFUSED_INVALID;
    }
    String key = view.keyPrefix + identity(family, sorted);
    Integer existing = interned.get(key);
    FamilyState state = view.families.get(family);
    if (existing != null) {
      return kinds[existing] == kind.code()
              && (bounds == null || Arrays.equals(bounds, state.bounds))
          ? existing
          : REFUSED_CONFLICT;
    }
    if (state == null) {
      KsanaCatalog.Entry entry = own ? null : KsanaCatalog.lookup(family);
      if (entry != null && !compatible(entry.kind(), kind)) {
        return REFUSED_CONFLICT;
      }
      MetricUnit resolved = entry != null ? entry.unit() : MetricUnit.resolve(unit, family);
      FamilyState twin = (view == cluster ? instances : cluster).families.get(family);
      if (twin != null && (twin.kind != kind || twin.unit != resolved)) {
        return REFUSED_CONFLICT;
      }
      List<String> names = sampleNames(family, kind);
      for (String taken : names) {
        if (view.takenNames.contains(taken)) {
          return REFUSED_CONFLICT;
        }
      }
      if (count >= limit) {
        return REFUSED_LIMIT;
      }
      double[] override = bucketOverrides.get(family);
      double[] familyBounds =
          bounds != null
              ? bounds.clone()
              : twin != null
                  ? twin.bounds
                  : override != null ? override.clone() : resolved.defaultBounds();
      String familyHelp = own ? help : entry != null ? entry.help() : UNKNOWN_HELP;
      state = new FamilyState(family, kind, resolved, familyHelp, familyBounds);
      view.takenNames.addAll(names);
      view.families.put(family, state);
    } else if (state.kind != kind || bounds != null && !Arrays.equals(bounds, state.bounds)) {
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
      bucketUppers[slot] = state.searchUppers;
      bucketCounts[slot] = new long[state.uppers.length + 1];
      histogramChanged[slot] = true;
    } else if (kind == MetricKind.BUCKETED_HISTOGRAM) {
      values.putLong(slot * Long.BYTES, Double.doubleToRawLongBits(0));
      bucketCounts[slot] = new long[bounds.length + 1];
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
    bucketCounts[slot][bucketOf(bucketUppers[slot], value)]++;
    int offset = slot * Long.BYTES;
    values.putLong(offset, values.getLong(offset) + value);
    histogramChanged[slot] = true;
    eventsApplied++;
    return true;
  }

  /**
   * The first bucket whose upper value is at least {@code value}: the number of uppers below it.
   * {@code padded} is {@link #searchable}: a power-of-two length ending in {@link Long#MAX_VALUE},
   * so the search takes the same log2(length) steps for every value and each step is an add the JIT
   * compiles to a conditional move. A branching binary search mispredicts about half its steps on
   * latencies, which costs more than the HdrHistogram record itself.
   */
  static int bucketOf(long[] padded, long value) {
    int i = 0;
    for (int step = padded.length >>> 1; step > 0; step >>>= 1) {
      i += padded[i + step - 1] < value ? step : 0;
    }
    return i;
  }

  /** {@code uppers} padded with {@link Long#MAX_VALUE} to a power-of-two length above it. */
  static long[] searchable(long[] uppers) {
    int length = Integer.highestOneBit(uppers.length) << 1;
    long[] padded = Arrays.copyOf(uppers, length);
    Arrays.fill(padded, uppers.length, length, Long.MAX_VALUE);
    return padded;
  }

  /**
   * The largest raw value HdrHistogram counts at or below each bound: the highest value equivalent
   * to {@code floor(bound / scale)}, -1 for a negative bound, and every value for a bound past
   * {@link #MAX_SAMPLE}. Non-decreasing.
   */
  static long[] uppers(double[] bounds, double scale) {
    Histogram probe = new Histogram(MetricUnit.SIGNIFICANT_DIGITS);
    long[] uppers = new long[bounds.length];
    for (int b = 0; b < bounds.length; b++) {
      double high = Math.floor(bounds[b] / scale);
      if (high < 0) {
        uppers[b] = -1;
      } else if (high >= MAX_SAMPLE) {
        uppers[b] = Long.MAX_VALUE;
      } else {
        uppers[b] = probe.highestEquivalentValue((long) high);
      }
    }
    return uppers;
  }

  /**
   * Adds to a bucketed histogram slot: {@code n} int64 per-bucket deltas read from {@code buffer}
   * at {@code index}, a count and a sum. Applied whole or not at all: false (nothing changed) when
   * the slot is not a bucketed histogram, {@code n} is not its bucket count, a delta is negative,
   * the deltas do not add up to {@code observations} or the sum is not finite. Allocation-free.
   */
  public boolean bucketAdd(
      int slot, DirectBuffer buffer, int index, int n, long observations, double sum) {
    if (slot < 0
        || slot >= count
        || kinds[slot] != MetricKind.BUCKETED_HISTOGRAM.code()
        || bucketCounts[slot].length != n
        || !Double.isFinite(sum)) {
      return false;
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
      long d = buffer.getLong(index + i * Long.BYTES);
      if (d < 0) {
        return false;
      }
      total += d;
      if (total < 0) {
        return false;
      }
    }
    if (total != observations) {
      return false;
    }
    long[] counts = bucketCounts[slot];
    for (int i = 0; i < n; i++) {
      counts[i] += buffer.getLong(index + i * Long.BYTES);
    }
    int offset = slot * Long.BYTES;
    values.putLong(
        offset, Double.doubleToRawLongBits(Double.longBitsToDouble(values.getLong(offset)) + sum));
    histogramChanged[slot] = true;
    eventsApplied++;
    return true;
  }

  private static boolean compatible(MetricKind catalog, MetricKind reported) {
    return catalog == reported
        || catalog == MetricKind.HISTOGRAM && reported == MetricKind.BUCKETED_HISTOGRAM;
  }

  private static boolean validBounds(double[] bounds) {
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || i > 0 && !(bounds[i] > bounds[i - 1])) {
        return false;
      }
    }
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
      cluster.freeze();
      instances.freeze();
      structureChanged = false;
    }
    long[] copy = new long[count];
    for (int i = 0; i < count; i++) {
      copy[i] = values.getLong(i * Long.BYTES);
    }
    Histogram[] frozen = new Histogram[count];
    long[][] buckets = new long[count][];
    for (int i = 0; i < count; i++) {
      if (bucketCounts[i] != null) {
        boolean reuse = !histogramChanged[i] && i < frozenBuckets.length;
        if (live[i] != null) {
          frozen[i] = reuse ? frozenHistograms[i] : live[i].copy();
        }
        buckets[i] = reuse ? frozenBuckets[i] : bucketCounts[i].clone();
        histogramChanged[i] = false;
      }
    }
    frozenHistograms = frozen;
    frozenBuckets = buckets;
    last =
        new MetricsSnapshot(cluster.frozen, instances.frozen, copy, frozen, buckets, eventsApplied);
    return last;
  }

  private static List<String> sampleNames(String family, MetricKind kind) {
    switch (kind) {
      case COUNTER:
        return List.of(family, family + "_total", family + "_created");
      case HISTOGRAM:
      case BUCKETED_HISTOGRAM:
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

  /** The label set of the pairs, or null when a name is bad, repeated or reserved for the kind. */
  private static Labels labels(String[] pairs, MetricKind kind) {
    for (int i = 0; i < pairs.length; i += 2) {
      String label = pairs[i];
      if (!Names.isLabelName(label) || pairs[i + 1] == null) {
        return null;
      }
      if ((kind == MetricKind.HISTOGRAM || kind == MetricKind.BUCKETED_HISTOGRAM)
          && (label.equals("le") || label.equals("quantile"))) {
        return null;
      }
    }
    return Labels.ofPairs(pairs);
  }

  private static String identity(String family, Labels labels) {
    StringBuilder sb = new StringBuilder(family);
    for (int i = 0; i < labels.size(); i++) {
      sb.append('\0').append(labels.name(i)).append('\0').append(labels.value(i));
    }
    return sb.toString();
  }

  /**
   * The families of one view (cluster: {@code /metrics}; instance: {@code /metrics/instances}) and
   * the sample names they take. Agent-confined.
   */
  private static final class View {
    /** Prepended to the identity of a series of this view, so that the views never share one. */
    final String keyPrefix;

    final TreeMap<String, FamilyState> families = new TreeMap<>();
    final Set<String> takenNames = new HashSet<>();
    List<FamilySnapshot> frozen = List.of();

    View(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    void freeze() {
      List<FamilySnapshot> list = new ArrayList<>(families.size());
      for (FamilyState state : families.values()) {
        list.add(state.snapshot());
      }
      frozen = Collections.unmodifiableList(list);
    }
  }

  /** Agent-confined bookkeeping of one family; {@link #snapshot()} makes the immutable view. */
  private static final class FamilyState {
    final String name;
    final MetricKind kind;
    final MetricUnit unit;
    final String help;
    final double[] bounds;
    final long[] uppers;
    final long[] searchUppers;
    final List<String> keys = new ArrayList<>();
    final List<Integer> slots = new ArrayList<>();
    final List<Labels> labels = new ArrayList<>();
    final List<byte[]> blocks = new ArrayList<>();

    FamilyState(String name, MetricKind kind, MetricUnit unit, String help, double[] bounds) {
      this.name = name;
      this.kind = kind;
      this.unit = unit;
      this.help = help;
      this.bounds = bounds;
      this.uppers = kind == MetricKind.HISTOGRAM ? uppers(bounds, unit.scale()) : new long[0];
      this.searchUppers = searchable(uppers);
    }

    void add(String key, int slot, Labels series) {
      int at = Collections.binarySearch(keys, key);
      int index = at < 0 ? -at - 1 : at;
      keys.add(index, key);
      slots.add(index, slot);
      labels.add(index, series);
      blocks.add(index, series.block());
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
          labels.toArray(new Labels[0]),
          blocks.toArray(new byte[0][]));
    }
  }
}
