package io.mscoordinator.scrape;

import io.mscoordinator.exposition.ExpositionFormat;
import io.mscoordinator.exposition.ExpositionWriter;
import io.mscoordinator.exposition.FamilySource;
import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.series.MetricType;
import io.mscoordinator.store.KsanaCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The scraped nodes in {@code GET /metrics}: the latest {@link MergedSnapshot}, encoded once per
 * snapshot and format and then copied into every render, so a render never waits on a node or a
 * merge and allocates nothing in the steady state.
 *
 * <p>Two views, never served in one body (the per-instance view repeats what the cluster view
 * sums):
 *
 * <ul>
 *   <li>{@link #cluster}: the merged families plus the per-node status families ({@code
 *       ms_coordinator_node_*}). A node family whose name the coordinator itself uses (a KsanaLLM
 *       engine family, or {@code ms_coordinator_*}) is left out, so the exposition has no duplicate
 *       family, and reported in {@code ms_coordinator_node_family_shadowed}.
 *   <li>{@link #instances}: every up node's own samples with {@code instance_id}, {@code role},
 *       {@code group_id} and {@code model_name} labels.
 * </ul>
 *
 * <p>Threadsafe: the encoded form is published through a volatile field; two renders racing on a
 * new snapshot may both encode it, with the same result.
 */
public final class ScrapeFamilySource implements FamilySource {
  private static final String SHADOWED = "ms_coordinator_node_family_shadowed";

  private final Supplier<MergedSnapshot> snapshots;
  private final boolean instanceView;
  private volatile Encoded encoded;

  private ScrapeFamilySource(Supplier<MergedSnapshot> snapshots, boolean instanceView) {
    this.snapshots = snapshots;
    this.instanceView = instanceView;
  }

  /** The default view: merged node families and node status. */
  public static ScrapeFamilySource cluster(Supplier<MergedSnapshot> snapshots) {
    return new ScrapeFamilySource(snapshots, false);
  }

  /** The per-instance view. */
  public static ScrapeFamilySource instances(Supplier<MergedSnapshot> snapshots) {
    return new ScrapeFamilySource(snapshots, true);
  }

  @Override
  public void writeFamilies(ExpositionWriter writer) {
    MergedSnapshot snapshot = snapshots.get();
    Encoded e = encoded;
    if (e == null || e.snapshot != snapshot) {
      e = new Encoded(snapshot, instanceView ? snapshot.instanceFamilies() : clusterView(snapshot));
      encoded = e;
    }
    writer.raw(e.bytes(writer.format()));
  }

  static List<Family> clusterView(MergedSnapshot snapshot) {
    List<Family> out = new ArrayList<>(snapshot.families().size() + 8);
    List<Sample> shadowed = new ArrayList<>();
    for (Family f : snapshot.families()) {
      if (reserved(f.name())) {
        shadowed.add(new Sample(SHADOWED, List.of(new Label("family", f.name())), 1));
      } else {
        out.add(f);
      }
    }
    out.addAll(snapshot.statusFamilies());
    out.add(
        new Family(
            SHADOWED,
            MetricType.GAUGE,
            "Node families left out of /metrics because the coordinator itself serves that name.",
            null,
            shadowed));
    return out;
  }

  /** Whether the coordinator's own sources may write a family of this name. */
  static boolean reserved(String family) {
    String base = family.endsWith("_total") ? family.substring(0, family.length() - 6) : family;
    return family.startsWith("ms_coordinator_")
        || KsanaCatalog.lookup(family) != null
        || KsanaCatalog.lookup(base) != null
        || KsanaCatalog.dataParallelBase(family) > 0;
  }

  /** One snapshot's bytes, per format, encoded on first use. */
  private static final class Encoded {
    final MergedSnapshot snapshot;
    final List<Family> families;
    private volatile byte[] text;
    private volatile byte[] openMetrics;

    Encoded(MergedSnapshot snapshot, List<Family> families) {
      this.snapshot = snapshot;
      this.families = families;
    }

    byte[] bytes(ExpositionFormat format) {
      if (format == ExpositionFormat.OPENMETRICS) {
        byte[] b = openMetrics;
        if (b == null) {
          b = SnapshotEncoder.encode(families, format);
          openMetrics = b;
        }
        return b;
      }
      byte[] b = text;
      if (b == null) {
        b = SnapshotEncoder.encode(families, format);
        text = b;
      }
      return b;
    }
  }
}
