package io.mscoordinator.scrape;

import io.mscoordinator.series.MetricType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One immutable picture of the cluster's node metrics, ready for an exposition writer.
 *
 * <ul>
 *   <li>{@link #families()}: the default view, every node family merged by name and full label set
 *       (see {@link NodeScraper} for the rules). No family here carries per-node labels.
 *   <li>{@link #instanceFamilies()}: the per-instance view, each node's own samples with the labels
 *       {@code instance_id}, {@code role}, {@code group_id}, {@code model_name} added. It repeats
 *       what the default view sums, so it must be served apart from it (e.g. behind a query
 *       parameter), never in the same body. Built on first use (it costs as much as the merge
 *       itself and most snapshots are never asked for it), then kept.
 *   <li>{@link #statusFamilies()}: per node {@code up}, scrape duration, samples, last success time
 *       and last error, plus the families left out because nodes disagree on their type. Their
 *       names start with {@code ms_coordinator_}, so they never collide with node families.
 * </ul>
 *
 * <p>Sample names carry their suffix ({@code _bucket}, {@code _sum}, {@code _count}, {@code _total}
 * where the node wrote it); bucket samples carry {@code le}, quantile samples {@code quantile}, as
 * OpenMetrics' canonical numbers ({@code CanonicalNumbers}: {@code 1.0}, {@code 0.005}, {@code
 * +Inf}) whatever text the nodes wrote, so that one bound is one series.
 *
 * @param failedNodes online nodes whose last scrape failed
 * @param strict whether {@code prometheus_metrics_config.strict} is on
 * @param createdMillis when the merge ran, epoch milliseconds
 */
public record MergedSnapshot(
    List<Family> families,
    Supplier<List<Family>> instanceView,
    List<Family> statusFamilies,
    int failedNodes,
    boolean strict,
    long createdMillis) {

  /** Before the first merge. */
  public static final MergedSnapshot EMPTY =
      new MergedSnapshot(List.of(), List::of, List.of(), 0, false, 0);

  public MergedSnapshot {
    families = List.copyOf(families);
    instanceView = new Once(instanceView);
    statusFamilies = List.copyOf(statusFamilies);
  }

  /** The same snapshot with {@code more} status families after its own. */
  MergedSnapshot withStatusFamilies(List<Family> more) {
    List<Family> status = new ArrayList<>(statusFamilies);
    status.addAll(more);
    return new MergedSnapshot(families, instanceView, status, failedNodes, strict, createdMillis);
  }

  /** The per-instance view; built by the first caller, the same list for every later one. */
  public List<Family> instanceFamilies() {
    return instanceView.get();
  }

  /** Threadsafe memo: racing first callers may both build the view; one result is kept. */
  private static final class Once implements Supplier<List<Family>> {
    private final Supplier<List<Family>> build;
    private volatile List<Family> value;

    Once(Supplier<List<Family>> build) {
      this.build = build;
    }

    @Override
    public List<Family> get() {
      List<Family> v = value;
      if (v == null) {
        v = List.copyOf(build.get());
        value = v;
      }
      return v;
    }
  }

  /** Whether {@code /metrics} must answer 503: strict mode and at least one failed node. */
  public boolean unavailable() {
    return strict && failedNodes > 0;
  }

  /** The merged family named {@code name}, or null. */
  public Family family(String name) {
    for (Family family : families) {
      if (family.name().equals(name)) {
        return family;
      }
    }
    return null;
  }

  /**
   * One metric family.
   *
   * @param help null when no node gave one
   * @param unit null when no node gave one
   */
  public record Family(
      String name, MetricType type, String help, String unit, List<Sample> samples) {
    public Family {
      samples = List.copyOf(samples);
    }
  }

  /** One sample: its full name, its labels in a stable order, its value. */
  public record Sample(String name, List<Label> labels, double value) {
    public Sample {
      labels = List.copyOf(labels);
    }

    /** The value of label {@code labelName}, or null. */
    public String label(String labelName) {
      for (Label label : labels) {
        if (label.name().equals(labelName)) {
          return label.value();
        }
      }
      return null;
    }
  }

  /** One label pair; the value is unescaped. */
  public record Label(String name, String value) {}
}
