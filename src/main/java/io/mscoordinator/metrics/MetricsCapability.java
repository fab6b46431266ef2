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
 * (the store's cluster view: engine series and the coordinator's own series such as the data
 * plane's request timings per model; then the core's own ingest figures), in {@code
 * /metrics/instances} (the store's instance view: the coordinator's own series per instance) and
 * its liveness (the ingest agent's thread).
 *
 * <p>Threadsafe after construction; see {@link MetricsCore} for the agent thread.
 */
public final class MetricsCapability implements Capability {
  private final MetricsCore core;
  private final List<FamilySource> families;
  private final List<FamilySource> instanceFamilies;

  private MetricsCapability(MetricsCore core) {
    this.core = core;
    this.families =
        List.of(new SnapshotFamilySource(core::snapshot), new IngestFamilySource(core.counters()));
    this.instanceFamilies = List.of(SnapshotFamilySource.instanceView(core::snapshot));
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
  public List<FamilySource> instanceFamilies() {
    return instanceFamilies;
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

  /**
   * Renders this capability's instance families alone, as {@code /metrics/instances} would; for
   * tests and tools.
   */
  public byte[] renderInstances(ExpositionFormat format) {
    ExpositionWriter writer = format.newWriter();
    writer.render(instanceFamilies);
    return Arrays.copyOf(writer.array(), writer.length());
  }

  @Override
  public void close() {
    core.close();
  }
}
