package io.mscoordinator.metrics;

import io.mscoordinator.capability.Capability;
import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.exposition.SnapshotFamilySource;
import io.mscoordinator.ingest.MetricsCore;
import io.mscoordinator.ingest.MetricsSettings;
import java.util.Arrays;
import java.util.List;

/**
 * The metrics engine as a capability: the ingest core's lifecycle, its families in {@code /metrics}
 * (the engine series the store holds, then the core's own ingest figures) and its liveness (the
 * ingest agent's thread).
 *
 * <p>Threadsafe after construction; see {@link MetricsCore} for the agent thread.
 */
public final class MetricsCapability implements Capability {
  private final MetricsCore core;
  private final List<FamilySource> families;

  private MetricsCapability(MetricsCore core) {
    this.core = core;
    this.families =
        List.of(new SnapshotFamilySource(core::snapshot), new IngestFamilySource(core.counters()));
  }

  /** Starts the core (its ring file, its agent thread) with {@code settings}. */
  public static MetricsCapability start(MetricsSettings settings) {
    return new MetricsCapability(MetricsCore.start(settings));
  }

  /** Serves a core someone else started and will close (tests, tools). */
  public static MetricsCapability of(MetricsCore core) {
    return new MetricsCapability(core);
  }

  /** The core: its producer for whoever records, its snapshots. */
  public MetricsCore core() {
    return core;
  }

  @Override
  public String name() {
    return "metrics";
  }

  @Override
  public List<FamilySource> families() {
    return families;
  }

  @Override
  public boolean alive() {
    return core.alive();
  }

  /** Renders this capability's families alone, as {@code /metrics} would; for tests and tools. */
  public byte[] render(ExpositionFormat format) {
    ExpositionWriter writer = format.newWriter();
    writer.render(families);
    return Arrays.copyOf(writer.array(), writer.length());
  }

  @Override
  public void close() {
    core.close();
  }
}
