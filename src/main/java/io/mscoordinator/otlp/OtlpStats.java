package io.mscoordinator.otlp;

import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.series.Labels;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The OTLP receiver's own figures on GET /metrics: exports answered by status code, data points by
 * what became of them (the reasons of {@code partialSuccess}), and records that got into a full
 * ingest ring by waiting. With them an operator tells an engine that floods from one whose points
 * are refused, which the SDK's own logs only show on the engine's host.
 *
 * <p>Threadsafe: request threads add to {@link LongAdder}s; label blocks are built once.
 */
public final class OtlpStats implements FamilySource {
  /** Status codes the receiver answers with, in exposition order. */
  static final int[] CODES = {200, 400, 413, 415, 503};

  /** What becomes of a data point, in exposition order. */
  enum Outcome {
    ACCEPTED("accepted"),
    SERIES_REFUSED("series_refused"),
    UNSUPPORTED_TYPE("unsupported_type"),
    INVALID("invalid"),
    RING_FULL("ring_full");

    final String label;

    Outcome(String label) {
      this.label = label;
    }
  }

  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final byte[] NO_LABELS = new byte[0];

  private final LongAdder[] requests = adders(CODES.length);
  private final LongAdder[] points = adders(OUTCOMES.length);
  private final byte[][] codeLabels = new byte[CODES.length][];
  private final byte[][] outcomeLabels = new byte[OUTCOMES.length][];
  private final LongSupplier ringFullWaits;

  /**
   * @param ringFullWaits records the receiver's producer got into a full ring by waiting
   */
  public OtlpStats(LongSupplier ringFullWaits) {
    this.ringFullWaits = ringFullWaits;
    for (int i = 0; i < CODES.length; i++) {
      codeLabels[i] = Labels.ofPairs("code", Integer.toString(CODES[i])).block();
    }
    for (Outcome o : OUTCOMES) {
      outcomeLabels[o.ordinal()] = Labels.ofPairs("outcome", o.label).block();
    }
  }

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  /** Counts one answered export. */
  void answered(int code) {
    for (int i = 0; i < CODES.length; i++) {
      if (CODES[i] == code) {
        requests[i].increment();
        return;
      }
    }
    throw new IllegalArgumentException("status code not counted: " + code);
  }

  /** Counts the points of one mapped export. */
  void mapped(ExportMapper.Outcome outcome) {
    add(Outcome.ACCEPTED, outcome.accepted());
    add(Outcome.SERIES_REFUSED, outcome.seriesRefused());
    add(Outcome.UNSUPPORTED_TYPE, outcome.unsupported());
    add(Outcome.INVALID, outcome.invalid());
    add(Outcome.RING_FULL, outcome.unoffered());
  }

  private void add(Outcome o, int n) {
    if (n > 0) {
      points[o.ordinal()].add(n);
    }
  }

  @Override
  public void writeFamilies(ExpositionWriter w) {
    String name = "ms_coordinator_otlp_points";
    w.counterFamily(
        name,
        "OTLP data points received, by outcome (accepted, or why rejected in partialSuccess).");
    for (Outcome o : OUTCOMES) {
      w.counter(name, outcomeLabels[o.ordinal()], points[o.ordinal()].sum());
    }

    name = "ms_coordinator_otlp_requests";
    w.counterFamily(name, "OTLP exports answered, by HTTP status code.");
    for (int i = 0; i < CODES.length; i++) {
      w.counter(name, codeLabels[i], requests[i].sum());
    }

    name = "ms_coordinator_otlp_ring_full_waits";
    w.counterFamily(
        name, "OTLP records that found the ingest ring full and got in by waiting for the agent.");
    w.counter(name, NO_LABELS, ringFullWaits.getAsLong());
  }
}
