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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>The families go through the render's {@link ExpositionWriter}, like every other source's, the
 * first time a snapshot is rendered in a format; the lines it wrote are kept and copied into later
 * renders in that format. Histograms and summaries are one family each; counters, gauges, untyped,
 * info and stateset families one family per distinct sample name, and info and stateset are written
 * as gauges: their merged values are sums over nodes, which those types cannot carry. The writer
 * applies the formats' own rules ({@link ExpositionWriter#family}: a counter without {@code _total}
 * is {@code unknown} in OpenMetrics, a histogram's {@code _count} without {@code _sum} is dropped
 * there, gauge histograms are left out of the text format).
 *
 * <p>Threadsafe: the encoded form is published through volatile fields; two renders racing on a new
 * snapshot may both encode it, with the same result.
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

  /**
   * In the cluster view, while strict mode is on ({@code prometheus_metrics_config.strict},
   * MindIE's behaviour) and an online node's last scrape failed: the reason {@code /metrics}
   * answers 503 instead of a partial cluster sum. Without strict mode the body is always served,
   * and the per-node status families say which nodes are missing.
   */
  @Override
  public String refusal() {
    if (instanceView) {
      return null;
    }
    MergedSnapshot snapshot = snapshots.get();
    return snapshot.unavailable()
        ? "node scrape failed, strict mode: failed_nodes=" + snapshot.failedNodes()
        : null;
  }

  @Override
  public void writeFamilies(ExpositionWriter writer) {
    MergedSnapshot snapshot = snapshots.get();
    Encoded e = encoded;
    if (e == null || e.snapshot != snapshot) {
      e = new Encoded(snapshot, instanceView ? snapshot.instanceFamilies() : clusterView(snapshot));
      encoded = e;
    }
    ExpositionFormat format = writer.format();
    byte[] bytes = e.bytes(format);
    if (bytes != null) {
      writer.raw(bytes);
      return;
    }
    int start = writer.length();
    write(e.families, writer);
    e.keep(format, Arrays.copyOfRange(writer.array(), start, writer.length()));
  }

  /** Writes merged families: see the class comment. */
  static void write(List<Family> families, ExpositionWriter writer) {
    for (Family f : families) {
      if (f.samples().isEmpty()) {
        continue;
      }
      switch (f.type()) {
        case HISTOGRAM -> {
          if (writer.family(f.type(), f.name(), f.unit(), f.help())) {
            samples(writer, countAfterSum(f.name(), f.samples()));
          }
        }
        case SUMMARY, GAUGE_HISTOGRAM -> {
          if (writer.family(f.type(), f.name(), f.unit(), f.help())) {
            samples(writer, f.samples());
          }
        }
        default -> scalar(writer, f);
      }
    }
  }

  private static void scalar(ExpositionWriter writer, Family f) {
    Map<String, List<Sample>> byName = new LinkedHashMap<>();
    for (Sample s : f.samples()) {
      byName.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
    }
    for (Map.Entry<String, List<Sample>> e : byName.entrySet()) {
      String name = e.getKey();
      switch (f.type()) {
        case COUNTER -> {
          if (name.endsWith("_total") && name.length() > "_total".length()) {
            String family = name.substring(0, name.length() - "_total".length());
            writer.family(MetricType.COUNTER, family, f.unit(), f.help());
          } else {
            writer.counterFamilyWithoutTotal(name, f.unit(), f.help());
          }
        }
        case UNKNOWN -> writer.family(MetricType.UNKNOWN, name, f.unit(), f.help());
        default -> writer.family(MetricType.GAUGE, name, f.unit(), f.help());
      }
      samples(writer, e.getValue());
    }
  }

  /**
   * A histogram's samples with each series' {@code _count} right after its {@code _sum}: the
   * per-instance view keeps a node's own order, and MindIE writes {@code _count} first, which
   * OpenMetrics would drop as a lone {@code _count} (leaving a {@code _sum} without it, a body
   * OpenMetrics parsers refuse). The same list when no {@code _count} precedes its {@code _sum}.
   */
  static List<Sample> countAfterSum(String family, List<Sample> samples) {
    String sumName = family + "_sum";
    String countName = family + "_count";
    Map<List<Label>, Sample> counts = new HashMap<>();
    Set<List<Label>> sums = new HashSet<>();
    boolean early = false;
    for (Sample s : samples) {
      if (s.name().equals(countName)) {
        counts.put(s.labels(), s);
        early |= !sums.contains(s.labels());
      } else if (s.name().equals(sumName)) {
        sums.add(s.labels());
      }
    }
    if (!early) {
      return samples;
    }
    List<Sample> out = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      if (s.name().equals(countName) && sums.contains(s.labels())) {
        continue; // written after its _sum
      }
      out.add(s);
      if (s.name().equals(sumName) && counts.containsKey(s.labels())) {
        out.add(counts.get(s.labels()));
      }
    }
    return out;
  }

  private static void samples(ExpositionWriter writer, List<Sample> samples) {
    for (Sample s : samples) {
      writer.startSample(s.name());
      List<Label> labels = s.labels();
      for (int i = 0; i < labels.size(); i++) {
        writer.label(labels.get(i).name(), labels.get(i).value());
      }
      writer.endSample(s.value());
    }
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

  /** One snapshot's bytes, per format, kept from the first render in that format. */
  private static final class Encoded {
    final MergedSnapshot snapshot;
    final List<Family> families;
    private volatile byte[] text;
    private volatile byte[] openMetrics;

    Encoded(MergedSnapshot snapshot, List<Family> families) {
      this.snapshot = snapshot;
      this.families = families;
    }

    /** The lines of {@code format}, or null before the first render in it. */
    byte[] bytes(ExpositionFormat format) {
      return format == ExpositionFormat.OPENMETRICS ? openMetrics : text;
    }

    void keep(ExpositionFormat format, byte[] bytes) {
      if (format == ExpositionFormat.OPENMETRICS) {
        openMetrics = bytes;
      } else {
        text = bytes;
      }
    }
  }
}
