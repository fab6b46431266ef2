package io.mscoordinator.otlp;

import io.mscoordinator.ingest.MetricsProducer;
import io.mscoordinator.store.KsanaCatalog;
import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The production {@link OtlpSink}: every call is one record offered into the metrics core's
 * in-process ingest ring through its {@link MetricsProducer}; the ingest agent applies it later.
 * Request threads never touch metric state.
 *
 * <ul>
 *   <li>Counter: {@code COUNTER_ADD} of the delta. The core's counters are int64, so a delta that
 *       is not a whole number (or is past 2^53) is {@link OtlpSink.Offer#INVALID}.
 *   <li>Gauge: {@code GAUGE_SET}.
 *   <li>Explicit-bucket histogram: a {@code BUCKETED_HISTOGRAM} series registered with the sender's
 *       bounds, and one {@code BUCKET_ADD} per point carrying every bucket's delta, the sum and the
 *       count, so a point is applied whole or not at all.
 * </ul>
 *
 * <p>Each {@link SeriesKey} is registered once (a {@code REGISTER} record) and its handle kept.
 * Series are refused up front ({@link OtlpSink.Offer#SERIES_REFUSED}) when this sink already holds
 * {@code seriesLimit} handles, when the core's store is full, when the key was registered with
 * another kind or other bounds, when its family already has other bounds, or when the KsanaLLM
 * catalog gives the name another kind. A refusal the store makes on the agent anyway (a race with
 * other producers filling it, or a family another producer made of another kind) is counted there
 * ({@code ms_coordinator_series_refused_total}, then {@code refused_series} drops).
 *
 * <p>Threadsafe: the handle maps are concurrent; the producer is threadsafe and never blocks. Two
 * threads registering one key at once may both write a register record; the agent interns both to
 * one series and only one handle is kept.
 */
public final class CoreOtlpSink implements OtlpSink {
  /** Largest counter delta: every integer up to it is exact as a double. */
  static final double MAX_COUNTER_DELTA = 0x1p53;

  private static final long REFUSED = -100;

  private final MetricsProducer producer;
  private final LongSupplier storeSeries;
  private final int seriesLimit;
  private final Map<SeriesKey, Handle> handles = new ConcurrentHashMap<>();
  private final Map<String, double[]> familyBounds = new ConcurrentHashMap<>();

  /**
   * @param storeSeries the series the core's store holds now
   * @param seriesLimit the core's series limit
   */
  public CoreOtlpSink(MetricsProducer producer, LongSupplier storeSeries, int seriesLimit) {
    this.producer = producer;
    this.storeSeries = storeSeries;
    this.seriesLimit = seriesLimit;
  }

  private record Handle(long id, MetricKind kind, double[] bounds) {}

  /** Series this sink registered. */
  public int seriesCount() {
    return handles.size();
  }

  @Override
  public Offer counterAdd(SeriesKey key, double delta) {
    if (!(delta >= 0) || delta > MAX_COUNTER_DELTA || delta != Math.rint(delta)) {
      return Offer.INVALID;
    }
    long handle = handle(key, MetricKind.COUNTER, null);
    if (handle < 0) {
      return refusal(handle);
    }
    return producer.counterAdd(handle, (long) delta) ? Offer.ACCEPTED : Offer.RING_FULL;
  }

  @Override
  public Offer gaugeSet(SeriesKey key, double value) {
    long handle = handle(key, MetricKind.GAUGE, null);
    if (handle < 0) {
      return refusal(handle);
    }
    return producer.gaugeSet(handle, value) ? Offer.ACCEPTED : Offer.RING_FULL;
  }

  @Override
  public Offer bucketHistogramAdd(
      SeriesKey key, double[] bounds, long[] deltaCounts, double deltaSum, long deltaCount) {
    if (bounds.length > io.mscoordinator.ingest.RecordDescriptor.MAX_BOUNDS
        || !Double.isFinite(deltaSum)) {
      return Offer.INVALID;
    }
    long handle = handle(key, MetricKind.BUCKETED_HISTOGRAM, bounds);
    if (handle < 0) {
      return refusal(handle);
    }
    return producer.bucketAdd(handle, deltaCounts, deltaSum, deltaCount)
        ? Offer.ACCEPTED
        : Offer.RING_FULL;
  }

  private static Offer refusal(long code) {
    if (code == MetricsProducer.RING_FULL) {
      return Offer.RING_FULL;
    }
    return code == MetricsProducer.INVALID ? Offer.INVALID : Offer.SERIES_REFUSED;
  }

  /** The key's handle, registering it first; or a negative code. */
  private long handle(SeriesKey key, MetricKind kind, double[] bounds) {
    Handle h = handles.get(key);
    if (h != null) {
      return h.kind == kind && (bounds == null || Arrays.equals(bounds, h.bounds)) ? h.id : REFUSED;
    }
    if (handles.size() >= seriesLimit
        || storeSeries.getAsLong() >= seriesLimit
        || !catalogAllows(key.name(), kind)) {
      return REFUSED;
    }
    if (bounds != null) {
      double[] taken = familyBounds.putIfAbsent(key.name(), bounds.clone());
      if (taken != null && !Arrays.equals(taken, bounds)) {
        return REFUSED;
      }
    }
    String[] labels = new String[key.labels().size() * 2];
    for (int i = 0; i < key.labels().size(); i++) {
      labels[2 * i] = key.labels().name(i);
      labels[2 * i + 1] = key.labels().value(i);
    }
    long id = producer.register(key.name(), kind, MetricUnit.NONE, bounds, labels);
    if (id < 0) {
      return id;
    }
    Handle mine = new Handle(id, kind, bounds == null ? null : bounds.clone());
    Handle kept = handles.putIfAbsent(key, mine);
    if (kept == null) {
      return id;
    }
    return kept.kind == kind && (bounds == null || Arrays.equals(bounds, kept.bounds))
        ? kept.id
        : REFUSED;
  }

  /** False when the KsanaLLM catalog has the family with a kind this one cannot be. */
  private static boolean catalogAllows(String name, MetricKind kind) {
    String family =
        kind == MetricKind.COUNTER && name.endsWith("_total")
            ? name.substring(0, name.length() - "_total".length())
            : name;
    KsanaCatalog.Entry entry = KsanaCatalog.lookup(family);
    if (entry == null) {
      return true;
    }
    return entry.kind() == kind
        || entry.kind() == MetricKind.HISTOGRAM && kind == MetricKind.BUCKETED_HISTOGRAM;
  }
}
