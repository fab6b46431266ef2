package io.mscoordinator.otlp;

/**
 * Where the OTLP receiver puts what it decoded: the narrow part of the metrics core it needs. The
 * production implementation offers each call as one event into the ingest ring and returns at once;
 * the ingest agent applies it later. Request threads never write metric state themselves.
 *
 * <p>Contract, for every method:
 *
 * <ol>
 *   <li>Everything is a <b>delta</b>. The core's counters and histograms are add-only (the agent
 *       adds an event to what it holds and never needs to know the previous value a sender saw), so
 *       turning OTLP cumulative streams into deltas, and spotting their restarts, is the receiver's
 *       job ({@link CumulativeStreams}), not the core's. A sink therefore never sees a negative
 *       counter delta and never has to handle a reset.
 *   <li>Calls are made from many request threads at once; implementations are threadsafe and never
 *       block (a full ring is an answer, not a wait).
 *   <li>Arrays passed in are only valid during the call; a sink that keeps them copies them.
 *   <li>{@link Offer#RING_FULL} means nothing of this call was taken: the receiver stops the export
 *       there and, when nothing of it was taken yet, answers 503 with {@code Retry-After} so the
 *       sender retries the whole export. {@link Offer#SERIES_REFUSED} means the call was dropped
 *       for good because its series would pass the series limit (or, for a histogram, its bounds
 *       differ from the series' bounds); the receiver counts it as a rejected point and goes on. A
 *       sink that only learns of a refusal later (on the agent) answers {@link Offer#ACCEPTED} and
 *       counts the refusal itself.
 *   <li>{@link SeriesKey} names are sanitized family names as the sender named them (no {@code
 *       _total} or unit suffix added); adding suffixes is the exposition's business.
 * </ol>
 */
public interface OtlpSink {
  /** The outcome of one offer. */
  enum Offer {
    /** Taken (or queued) for the series. */
    ACCEPTED,
    /** The ingest ring has no room now; retry later. Nothing was taken. */
    RING_FULL,
    /** Dropped for good: series limit, or a histogram whose bounds differ from its series'. */
    SERIES_REFUSED,
    /** Dropped for good: a value the core cannot hold (e.g. a counter delta that is no integer). */
    INVALID
  }

  /** Adds {@code delta} (finite, &gt;= 0) to a monotonic counter. */
  Offer counterAdd(SeriesKey key, double delta);

  /** Sets a gauge to {@code value} (any double, NaN included). */
  Offer gaugeSet(SeriesKey key, double value);

  /**
   * Adds to an explicit-bucket histogram with the sender's bounds.
   *
   * @param bounds upper bounds, strictly increasing, finite; {@code deltaCounts.length ==
   *     bounds.length + 1}, the last being the {@code +Inf} bucket
   * @param deltaCounts per-bucket (not cumulative) counts to add, each &gt;= 0
   * @param deltaSum sum of the observations to add
   * @param deltaCount number of observations to add; the sum of {@code deltaCounts}
   */
  Offer bucketHistogramAdd(
      SeriesKey key, double[] bounds, long[] deltaCounts, double deltaSum, long deltaCount);
}
