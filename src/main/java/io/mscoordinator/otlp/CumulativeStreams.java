package io.mscoordinator.otlp;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns cumulative OTLP streams (and non-monotonic delta sums) into what the {@link OtlpSink}
 * takes. It lives here, not in the metrics core, because the core's counters and histograms are
 * add-only: the agent adds deltas and never sees what a sender last reported, so knowing the
 * previous value, and noticing a restart, is the receiver's work.
 *
 * <p>Per stream (one {@link SeriesKey}) it keeps the last accepted start time and value(s). A point
 * whose start time differs from the last one, or whose value (a counter's value, a histogram's
 * count, sum or any bucket) went down, is a restart: its whole value is the delta, so the exposed
 * counter never goes down. The first point of a stream is all new too (its whole value since its
 * start). State moves on only when the sink accepted the offer: a refused or unoffered point is
 * folded into the next one, so a cumulative sender loses nothing to a full ring.
 *
 * <p>Threadsafe: request threads offer concurrently; each stream is computed, offered and committed
 * under that stream's lock (offers never block). At most {@code maxStreams} streams are kept; a new
 * stream past that is refused. Streams are never forgotten (no expiry yet).
 */
final class CumulativeStreams {
  private final int maxStreams;
  private final Map<SeriesKey, Stream> streams = new ConcurrentHashMap<>();

  CumulativeStreams(int maxStreams) {
    this.maxStreams = maxStreams;
  }

  int size() {
    return streams.size();
  }

  private static final class Stream {
    /** Removed from the map; a thread that finds this under the lock looks the key up again. */
    boolean dead;

    boolean seen;
    long start;
    double value;
    double sum;
    long count;
    double[] bounds;
    long[] counts;
  }

  /** A cumulative monotonic sum. */
  OtlpSink.Offer counter(OtlpSink sink, SeriesKey key, long start, double value) {
    while (true) {
      Stream s = stream(key);
      if (s == null) {
        return OtlpSink.Offer.SERIES_REFUSED;
      }
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        boolean restart = !s.seen || s.start != start || value < s.value;
        double delta = restart ? value : value - s.value;
        OtlpSink.Offer offer = sink.counterAdd(key, delta);
        if (offer == OtlpSink.Offer.ACCEPTED) {
          s.seen = true;
          s.start = start;
          s.value = value;
        } else {
          forgetUnseen(key, s);
        }
        return offer;
      }
    }
  }

  /** A delta non-monotonic sum: an up-down counter whose running total is exposed as a gauge. */
  OtlpSink.Offer upDown(OtlpSink sink, SeriesKey key, double delta) {
    while (true) {
      Stream s = stream(key);
      if (s == null) {
        return OtlpSink.Offer.SERIES_REFUSED;
      }
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        double total = s.value + delta;
        OtlpSink.Offer offer = sink.gaugeSet(key, total);
        if (offer == OtlpSink.Offer.ACCEPTED) {
          s.seen = true;
          s.value = total;
        } else {
          forgetUnseen(key, s);
        }
        return offer;
      }
    }
  }

  /** A cumulative explicit-bucket histogram; {@code counts} per bucket, not cumulative. */
  OtlpSink.Offer histogram(
      OtlpSink sink,
      SeriesKey key,
      long start,
      double[] bounds,
      long[] counts,
      double sum,
      long count) {
    while (true) {
      Stream s = stream(key);
      if (s == null) {
        return OtlpSink.Offer.SERIES_REFUSED;
      }
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        boolean restart =
            !s.seen || s.start != start || count < s.count || !Arrays.equals(bounds, s.bounds);
        long[] deltaCounts = counts.clone();
        if (!restart) {
          for (int i = 0; i < counts.length; i++) {
            deltaCounts[i] -= s.counts[i];
            if (deltaCounts[i] < 0) {
              restart = true;
              break;
            }
          }
        }
        OtlpSink.Offer offer =
            restart
                ? sink.bucketHistogramAdd(key, bounds, counts, sum, count)
                : sink.bucketHistogramAdd(key, bounds, deltaCounts, sum - s.sum, count - s.count);
        if (offer == OtlpSink.Offer.ACCEPTED) {
          s.seen = true;
          s.start = start;
          s.bounds = bounds;
          s.counts = counts;
          s.sum = sum;
          s.count = count;
        } else {
          forgetUnseen(key, s);
        }
        return offer;
      }
    }
  }

  private Stream stream(SeriesKey key) {
    Stream s = streams.get(key);
    if (s == null) {
      if (streams.size() >= maxStreams) {
        return null;
      }
      s = streams.computeIfAbsent(key, k -> new Stream());
    }
    return s;
  }

  /** A stream the sink never took holds no state worth a slot. */
  private void forgetUnseen(SeriesKey key, Stream s) {
    if (!s.seen) {
      s.dead = true;
      streams.remove(key, s);
    }
  }
}
