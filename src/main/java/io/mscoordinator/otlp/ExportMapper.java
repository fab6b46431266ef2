package io.mscoordinator.otlp;

/**
 * Maps a {@link DecodedExport} onto an {@link OtlpSink}, point by point, in the order sent:
 *
 * <ul>
 *   <li>Gauge: {@code gaugeSet}.
 *   <li>Sum, monotonic: {@code counterAdd}; delta points directly (a negative delta is invalid),
 *       cumulative ones through {@link CumulativeStreams}. Non-monotonic: a gauge; cumulative
 *       points set it, delta points add to a running total first.
 *   <li>Histogram (explicit bounds): {@code bucketHistogramAdd} with the sender's bounds; delta
 *       directly, cumulative through {@link CumulativeStreams}. A point without buckets is one
 *       {@code +Inf} bucket holding its count.
 *   <li>Exponential histogram, summary, unspecified temporality, malformed points: not offered,
 *       counted as rejected by reason.
 * </ul>
 *
 * <p>At the first {@link OtlpSink.Offer#RING_FULL} it stops: that point and the rest are counted as
 * unoffered.
 *
 * <p>Immutable after construction; threadsafe (its only state is the threadsafe streams).
 */
final class ExportMapper {
  private final OtlpSink sink;
  private final SeriesKeys keys;
  private final CumulativeStreams streams;

  ExportMapper(OtlpSink sink, SeriesKeys keys, CumulativeStreams streams) {
    this.sink = sink;
    this.keys = keys;
    this.streams = streams;
  }

  /** What happened to the points of one export. */
  record Outcome(int accepted, int seriesRefused, int unsupported, int invalid, int unoffered) {
    int rejected() {
      return seriesRefused + unsupported + invalid + unoffered;
    }

    /**
     * The ring was full before any point was taken, so a retry of the whole export counts nothing
     * twice: the sender should retry.
     */
    boolean retryWhole() {
      return unoffered > 0 && accepted == 0;
    }

    /** Why points were rejected, as key=value facts; empty when none were. */
    String message() {
      if (rejected() == 0) {
        return "";
      }
      return "rejected data points: series_refused="
          + seriesRefused
          + " unsupported_type="
          + unsupported
          + " invalid="
          + invalid
          + " ring_full="
          + unoffered;
    }
  }

  Outcome map(DecodedExport export) {
    int accepted = 0;
    int seriesRefused = 0;
    int unsupported = 0;
    int invalid = 0;
    int unoffered = 0;
    boolean full = false;
    for (DecodedExport.Metric m : export.metrics) {
      if (full) {
        unoffered += m.pointCount();
        continue;
      }
      switch (m.type) {
        case EXPONENTIAL_HISTOGRAM, SUMMARY -> {
          unsupported += m.pointCount();
          continue;
        }
        case NONE -> {
          continue;
        }
        default -> {}
      }
      if (m.type != DecodedExport.Type.GAUGE
          && m.temporality != DecodedExport.DELTA
          && m.temporality != DecodedExport.CUMULATIVE) {
        invalid += m.pointCount();
        continue;
      }
      for (DecodedExport.Point p : m.points) {
        if (full) {
          unoffered++;
          continue;
        }
        SeriesKey key = keys.key(m.name, m.resource, p.attributes);
        OtlpSink.Offer offer = key == null ? null : offer(m, p, key);
        if (offer == null) {
          invalid++;
        } else {
          switch (offer) {
            case ACCEPTED -> accepted++;
            case SERIES_REFUSED -> seriesRefused++;
            case INVALID -> invalid++;
            case RING_FULL -> {
              full = true;
              unoffered++;
            }
          }
        }
      }
    }
    return new Outcome(accepted, seriesRefused, unsupported, invalid, unoffered);
  }

  /** The sink's answer, or {@code null} when the point is invalid and was not offered. */
  private OtlpSink.Offer offer(DecodedExport.Metric m, DecodedExport.Point p, SeriesKey key) {
    boolean delta = m.temporality == DecodedExport.DELTA;
    return switch (m.type) {
      case GAUGE -> sink.gaugeSet(key, p.value);
      case SUM -> {
        if (!m.monotonic) {
          yield delta ? streams.upDown(sink, key, p.value) : sink.gaugeSet(key, p.value);
        }
        if (!(p.value >= 0) || Double.isInfinite(p.value)) {
          yield null;
        }
        yield delta
            ? sink.counterAdd(key, p.value)
            : streams.counter(sink, key, p.startNanos, p.value);
      }
      case HISTOGRAM -> histogram(p, key, delta);
      default -> null;
    };
  }

  private OtlpSink.Offer histogram(DecodedExport.Point p, SeriesKey key, boolean delta) {
    double[] bounds = p.bounds;
    long[] counts = p.bucketCounts;
    if (counts.length == 0) {
      bounds = DecodedExport.EMPTY_DOUBLES;
      counts = new long[] {p.count};
    }
    if (counts.length != bounds.length + 1 || p.count < 0 || Double.isNaN(p.sum)) {
      return null;
    }
    long total = 0;
    for (long c : counts) {
      if (c < 0) {
        return null;
      }
      total += c;
    }
    if (total != p.count) {
      return null;
    }
    for (int i = 0; i < bounds.length; i++) {
      if (!Double.isFinite(bounds[i]) || i > 0 && !(bounds[i] > bounds[i - 1])) {
        return null;
      }
    }
    return delta
        ? sink.bucketHistogramAdd(key, bounds, counts, p.sum, p.count)
        : streams.histogram(sink, key, p.startNanos, bounds, counts, p.sum, p.count);
  }
}
