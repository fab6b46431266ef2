package io.mscoordinator.metrics;

import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.ingest.DropReason;
import io.mscoordinator.ingest.IngestCountersReader;
import io.mscoordinator.ingest.RefusalReason;
import io.mscoordinator.ingest.Transport;
import io.mscoordinator.series.Labels;

/**
 * The coordinator's own ingest figures: events by transport, drops by transport and reason, refused
 * series by reason, ring capacity and use, series count and limit, agent duty cycles. Threadsafe:
 * it reads the core's {@link IngestCountersReader}; label blocks are built once.
 */
final class IngestFamilySource implements FamilySource {
  private static final Transport[] TRANSPORTS = Transport.values();
  private static final DropReason[] DROPS = DropReason.values();
  private static final RefusalReason[] REFUSALS = RefusalReason.values();
  private static final byte[] NO_LABELS = new byte[0];

  private final IngestCountersReader counters;
  private final byte[][] transportLabels = new byte[TRANSPORTS.length][];
  private final byte[][][] dropLabels = new byte[TRANSPORTS.length][DROPS.length][];
  private final byte[][] refusalLabels = new byte[REFUSALS.length][];

  IngestFamilySource(IngestCountersReader counters) {
    this.counters = counters;
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
      if (!counters.enabled(t)) {
        continue;
      }
      for (DropReason r : DROPS) {
        w.counter(name, dropLabels[t.ordinal()][r.ordinal()], counters.drops(t, r));
      }
    }

    name = "ms_coordinator_ingest_events";
    w.counterFamily(name, "Records read from the metric rings, by transport.");
    for (Transport t : TRANSPORTS) {
      if (counters.enabled(t)) {
        w.counter(name, transportLabels[t.ordinal()], counters.events(t));
      }
    }

    name = "ms_coordinator_ring_capacity_bytes";
    w.gaugeFamily(name, "bytes", "Capacity of each metric ring.");
    for (Transport t : TRANSPORTS) {
      if (counters.enabled(t)) {
        w.gauge(name, transportLabels[t.ordinal()], counters.ringCapacity(t));
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
      if (counters.enabled(t)) {
        w.gauge(name, transportLabels[t.ordinal()], counters.ringUsed(t));
      }
    }

    name = "ms_coordinator_series";
    w.gaugeFamily(name, "Engine series interned by the metrics store.");
    w.gauge(name, NO_LABELS, counters.series());

    name = "ms_coordinator_series_limit";
    w.gaugeFamily(name, "Most engine series the metrics store interns.");
    w.gauge(name, NO_LABELS, counters.seriesLimit());

    name = "ms_coordinator_series_refused";
    w.counterFamily(name, "Series registrations refused, by reason.");
    for (RefusalReason r : REFUSALS) {
      w.counter(name, refusalLabels[r.ordinal()], counters.refused(r));
    }
  }
}
