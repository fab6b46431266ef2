package io.mscoordinator.ingest;

import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.series.Labels;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The coordinator's own ingest figures: events by transport, drops by transport and reason, refused
 * series by reason, ring capacity and use, series count and limit, agent duty cycles. Threadsafe:
 * it reads acquire-loaded counters and ring positions; label blocks are built once.
 */
final class IngestFamilySource implements FamilySource {
  private static final Transport[] TRANSPORTS = Transport.values();
  private static final DropReason[] DROPS = DropReason.values();
  private static final RefusalReason[] REFUSALS = RefusalReason.values();
  private static final byte[] NO_LABELS = new byte[0];

  private final IngestCounters counters;
  private final IntFunction<RingBuffer> rings;
  private final LongSupplier[] ringFull;
  private final LongSupplier seriesCount;
  private final int seriesLimit;
  private final byte[][] transportLabels = new byte[TRANSPORTS.length][];
  private final byte[][][] dropLabels = new byte[TRANSPORTS.length][DROPS.length][];
  private final byte[][] refusalLabels = new byte[REFUSALS.length][];

  /**
   * @param rings the ring of a transport ordinal now (the file ring changes when the file is
   *     re-created); null means the transport is off
   * @param ringFull per transport ordinal: records producers dropped on a full ring
   */
  IngestFamilySource(
      IngestCounters counters,
      IntFunction<RingBuffer> rings,
      LongSupplier[] ringFull,
      LongSupplier seriesCount,
      int seriesLimit) {
    this.counters = counters;
    this.rings = rings;
    this.ringFull = ringFull;
    this.seriesCount = seriesCount;
    this.seriesLimit = seriesLimit;
    for (Transport t : TRANSPORTS) {
      transportLabels[t.ordinal()] = Labels.ofPairs("transport", t.label()).block();
      for (DropReason r : DROPS) {
        dropLabels[t.ordinal()][r.ordinal()] =
            Labels.ofPairs("reason", r.label(), "transport", t.label()).block();
      }
    }
    for (RefusalReason r : REFUSALS) {
      refusalLabels[r.ordinal()] = Labels.ofPairs("reason", r.label()).block();
    }
  }

  @Override
  public void writeFamilies(ExpositionWriter w) {
    String name = "ms_coordinator_agent_duty_cycles";
    w.counterFamily(name, "Duty cycles of the metrics ingest agent.");
    w.counter(name, NO_LABELS, counters.dutyCycles());

    name = "ms_coordinator_ingest_dropped";
    w.counterFamily(name, "Metric events dropped, by transport and reason.");
    for (Transport t : TRANSPORTS) {
      if (rings.apply(t.ordinal()) == null) {
        continue;
      }
      for (DropReason r : DROPS) {
        long n =
            r == DropReason.RING_FULL ? ringFull[t.ordinal()].getAsLong() : counters.drops(t, r);
        w.counter(name, dropLabels[t.ordinal()][r.ordinal()], n);
      }
    }

    name = "ms_coordinator_ingest_events";
    w.counterFamily(name, "Records read from the metric rings, by transport.");
    for (Transport t : TRANSPORTS) {
      if (rings.apply(t.ordinal()) != null) {
        w.counter(name, transportLabels[t.ordinal()], counters.events(t));
      }
    }

    name = "ms_coordinator_ring_capacity_bytes";
    w.gaugeFamily(name, "bytes", "Capacity of each metric ring.");
    for (Transport t : TRANSPORTS) {
      RingBuffer ring = rings.apply(t.ordinal());
      if (ring != null) {
        w.gauge(name, transportLabels[t.ordinal()], ring.capacity());
      }
    }

    name = "ms_coordinator_ring_file_recreations";
    w.counterFamily(
        name,
        "Times the ring file was found deleted, replaced or truncated and was created again.");
    w.counter(name, NO_LABELS, counters.ringFileRecreations());

    name = "ms_coordinator_ring_unblocks";
    w.counterFamily(name, "Records skipped because a producer died while writing them.");
    w.counter(name, NO_LABELS, counters.ringUnblocks());

    name = "ms_coordinator_ring_resets";
    w.counterFamily(
        name, "Times a ring was found unreadable (overwritten by a faulty writer) and emptied.");
    w.counter(name, NO_LABELS, counters.ringResets());

    name = "ms_coordinator_ring_used_bytes";
    w.gaugeFamily(name, "bytes", "Bytes waiting in each metric ring.");
    for (Transport t : TRANSPORTS) {
      RingBuffer ring = rings.apply(t.ordinal());
      if (ring != null) {
        w.gauge(name, transportLabels[t.ordinal()], ring.size());
      }
    }

    name = "ms_coordinator_series";
    w.gaugeFamily(name, "Engine series interned by the metrics store.");
    w.gauge(name, NO_LABELS, seriesCount.getAsLong());

    name = "ms_coordinator_series_limit";
    w.gaugeFamily(name, "Most engine series the metrics store interns.");
    w.gauge(name, NO_LABELS, seriesLimit);

    name = "ms_coordinator_series_refused";
    w.counterFamily(name, "Series registrations refused, by reason.");
    for (RefusalReason r : REFUSALS) {
      w.counter(name, refusalLabels[r.ordinal()], counters.refused(r));
    }
  }
}
