package io.mscoordinator.scrape;

import io.mscoordinator.cluster.Instance;
import io.mscoordinator.cluster.Role;
import io.mscoordinator.scrape.MergedSnapshot.Family;
import io.mscoordinator.scrape.MergedSnapshot.Label;
import io.mscoordinator.scrape.MergedSnapshot.Sample;
import io.mscoordinator.series.CanonicalNumbers;
import io.mscoordinator.series.Labels;
import io.mscoordinator.series.MetricType;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Merges the nodes' families into one cluster view by family name and full label set.
 *
 * <p>Confined to the merge thread, which owns the accumulators of departed nodes: a node removed
 * from the registry leaves its last cumulative values behind, so the cluster counters it fed never
 * go down. A node whose scrape fails keeps feeding its last good cumulative values (stale but
 * monotonic) while its gauges drop out of the merge.
 */
final class ClusterMerge {
  static final String PREFIX = "ms_coordinator_";

  private final ScrapeSettings settings;
  private final Map<Series, Double> retired = new LinkedHashMap<>();
  private final Map<String, ParsedFamily> retiredMeta = new HashMap<>();

  ClusterMerge(ScrapeSettings settings) {
    this.settings = settings;
  }

  /** Folds a departed node's last cumulative values into the cluster's. */
  void retire(NodeResult departed) {
    for (ParsedFamily family : departed.families()) {
      if (!family.type.cumulative()) {
        continue;
      }
      retiredMeta.putIfAbsent(family.name, family);
      for (int i = 0; i < family.size; i++) {
        Series series = family.series[i];
        if (ResetCompensator.cumulative(family.type, series)) {
          retired.merge(series, family.adjusted[i], Double::sum);
        }
      }
    }
  }

  /** One node's (or the departed nodes') samples of one family. */
  private record Part(Instance instance, ParsedFamily family, boolean live) {}

  /** All parts of one family name. */
  private static final class Group {
    final String name;
    final Map<MetricType, Integer> types = new EnumMap<>(MetricType.class);
    final List<Part> parts = new ArrayList<>();
    String help;
    String unit;

    Group(String name) {
      this.name = name;
    }
  }

  MergedSnapshot merge(List<NodeResult> nodes, long nowMillis) {
    return merge(nodes, List.of(), nowMillis);
  }

  /**
   * As {@link #merge(List, long)}, with the last results of nodes removed from the registry that
   * may come back: their cumulative values stay in the cluster sums, but they are neither listed in
   * the status families nor in the per-instance view.
   */
  MergedSnapshot merge(List<NodeResult> nodes, List<NodeResult> removed, long nowMillis) {
    String joined = settings.joinedModelNames() ? joinedModelName(nodes) : null;
    Map<String, Group> groups = new LinkedHashMap<>();
    int failed = 0;
    for (NodeResult node : nodes) {
      if (node.scraped() && !node.up()) {
        failed++;
      }
      for (ParsedFamily family : node.families()) {
        if (!node.up() && !family.type.cumulative()) {
          continue; // a failed node's gauges are not current: leave them out
        }
        Group g = groups.computeIfAbsent(family.name, Group::new);
        g.types.merge(family.type, 1, Integer::sum);
        g.parts.add(new Part(node.instance(), family, node.up()));
        if (g.help == null) {
          g.help = family.help;
        }
        if (g.unit == null) {
          g.unit = family.unit;
        }
      }
    }
    for (NodeResult node : removed) {
      for (ParsedFamily family : node.families()) {
        if (family.type.cumulative()) {
          Group g = groups.computeIfAbsent(family.name, Group::new);
          g.types.merge(family.type, 1, Integer::sum);
          g.parts.add(new Part(node.instance(), family, false));
        }
      }
    }
    addRetired(groups);
    List<Family> merged = new ArrayList<>();
    List<Sample> conflicts = new ArrayList<>();
    for (Group g : groups.values()) {
      if (g.types.size() > 1) {
        for (Map.Entry<MetricType, Integer> t : g.types.entrySet()) {
          conflicts.add(
              new Sample(
                  PREFIX + "merge_type_conflict",
                  List.of(new Label("family", g.name), new Label("type", t.getKey().text())),
                  t.getValue()));
        }
        continue;
      }
      MetricType type = g.types.keySet().iterator().next();
      List<Sample> samples =
          switch (type) {
            case HISTOGRAM, GAUGE_HISTOGRAM -> histogram(g, joined);
            case SUMMARY -> summary(g, joined);
            default -> scalar(g, type, groups, joined);
          };
      if (!samples.isEmpty()) {
        merged.add(new Family(g.name, type, g.help, g.unit, samples));
      }
    }
    List<Family> status = status(nodes, conflicts);
    List<NodeResult> frozen = List.copyOf(nodes);
    return new MergedSnapshot(
        merged, () -> instanceView(frozen, groups), status, failed, settings.strict(), nowMillis);
  }

  private void addRetired(Map<String, Group> groups) {
    if (retired.isEmpty()) {
      return;
    }
    Map<String, ParsedFamily> byFamily = new LinkedHashMap<>();
    for (Map.Entry<Series, Double> e : retired.entrySet()) {
      Series series = e.getKey();
      ParsedFamily meta = retiredMeta.get(series.family);
      ParsedFamily f =
          byFamily.computeIfAbsent(
              series.family,
              name -> {
                ParsedFamily p = new ParsedFamily(name, meta.type);
                p.help = meta.help;
                p.unit = meta.unit;
                return p;
              });
      f.add(series, e.getValue());
    }
    for (ParsedFamily f : byFamily.values()) {
      f.adjusted = f.values;
      Group g = groups.computeIfAbsent(f.name, Group::new);
      if (!g.types.isEmpty() && !g.types.containsKey(f.type)) {
        continue; // the live nodes changed the type: the departed values cannot be added
      }
      g.types.putIfAbsent(f.type, 0);
      g.parts.add(new Part(null, f, false));
      if (g.help == null) {
        g.help = f.help;
      }
    }
  }

  // ------------------------------------------------------------------ scalar families

  private List<Sample> scalar(Group g, MetricType type, Map<String, Group> groups, String joined) {
    MergeRule rule = settings.rules().get(g.name);
    MergeRule.Kind kind = rule == null ? MergeRule.Kind.SUM : rule.kind();
    if (kind == MergeRule.Kind.RECOMPUTE) {
      List<Sample> recomputed = recompute(g, rule, groups, joined);
      if (recomputed != null) {
        return recomputed;
      }
      kind = MergeRule.Kind.MEAN;
    }
    // per series: sum, count, weighted sum, weight, min, max
    Map<Series, double[]> acc = new LinkedHashMap<>();
    for (Part part : g.parts) {
      if (part.instance == null && (kind != MergeRule.Kind.SUM || type != MetricType.COUNTER)) {
        continue;
      }
      ParsedFamily f = part.family;
      double weight = part.instance == null ? 0 : part.instance.totalBlockNum();
      for (int i = 0; i < f.size; i++) {
        Series series = rewrite(f.series[i], joined);
        if (series.suffix == Series.Suffix.CREATED) {
          continue;
        }
        double v = f.adjusted[i];
        double[] a = acc.get(series);
        if (a == null) {
          acc.put(series, new double[] {v, 1, v * weight, weight, v, v});
        } else {
          a[0] += v;
          a[1] += 1;
          a[2] += v * weight;
          a[3] += weight;
          a[4] = Math.min(a[4], v);
          a[5] = Math.max(a[5], v);
        }
      }
    }
    List<Sample> out = new ArrayList<>(acc.size());
    for (Map.Entry<Series, double[]> e : acc.entrySet()) {
      double[] a = e.getValue();
      double value =
          switch (kind) {
            case MEAN -> a[0] / a[1];
            case WEIGHTED_MEAN -> a[3] > 0 ? a[2] / a[3] : a[0] / a[1];
            case MIN -> a[4];
            case MAX -> a[5];
            default -> a[0];
          };
      out.add(sample(e.getKey(), value));
    }
    return out;
  }

  /** sum(numerator)/sum(denominator) per label set; null when no node has the numerator. */
  private List<Sample> recompute(
      Group g, MergeRule rule, Map<String, Group> groups, String joined) {
    Group num = groups.get(rule.numerator());
    Group den = groups.get(rule.denominator());
    if (num == null || den == null) {
      return null;
    }
    boolean prefillOnly = false;
    if (rule.prefillOnly()) {
      for (Part part : num.parts) {
        if (part.instance != null && part.instance.role() == Role.PREFILL) {
          prefillOnly = true;
        }
      }
    }
    Map<Labels, Double> numerators = sumByLabels(num, prefillOnly, joined);
    Map<Labels, Double> denominators = sumByLabels(den, prefillOnly, joined);
    if (numerators.isEmpty()) {
      return null;
    }
    Map<Series, Boolean> seen = new LinkedHashMap<>();
    for (Part part : g.parts) {
      if (part.instance == null) {
        continue;
      }
      for (int i = 0; i < part.family.size; i++) {
        seen.put(rewrite(part.family.series[i], joined), Boolean.TRUE);
      }
    }
    List<Sample> out = new ArrayList<>();
    for (Series series : seen.keySet()) {
      double n = numerators.getOrDefault(series.labels, 0.0);
      double d = denominators.getOrDefault(series.labels, 0.0);
      out.add(sample(series, d == 0 ? 0 : n / d));
    }
    return out;
  }

  private Map<Labels, Double> sumByLabels(Group g, boolean prefillOnly, String joined) {
    Map<Labels, Double> sums = new HashMap<>();
    for (Part part : g.parts) {
      if (part.instance == null
          || prefillOnly && part.instance.role() != Role.PREFILL
          || part.family.type.cumulative() && part.family.type != MetricType.COUNTER) {
        continue;
      }
      for (int i = 0; i < part.family.size; i++) {
        Series series = rewrite(part.family.series[i], joined);
        if (series.suffix != Series.Suffix.CREATED) {
          sums.merge(series.labels, part.family.adjusted[i], Double::sum);
        }
      }
    }
    return sums;
  }

  // ------------------------------------------------------------------ histograms, summaries

  /**
   * One label set of one histogram family, accumulated over the parts (nodes) that have it. Bounds
   * are kept sorted; a part's buckets are matched with a cursor, since nodes list the same bounds
   * in the same order, falling back to a binary search.
   */
  private static final class HistAcc {
    double[] bounds = new double[0];
    double[] totals = new double[0];
    int[] have = new int[0];
    int parts;
    double inf;
    double count;
    double sum;
    boolean everySum = true;
    // the part being read
    int stamp = -1;
    int cursor;
    double partInf;
    double partCount;
    double partSum;
    double partLast;
    double partLastBound;
    int partBuckets;

    void begin(int part) {
      stamp = part;
      cursor = 0;
      partInf = Double.NaN;
      partCount = Double.NaN;
      partSum = Double.NaN;
      partLast = 0;
      partLastBound = Double.NEGATIVE_INFINITY;
      partBuckets = 0;
    }

    void bucket(double bound, double v) {
      if (bound == Double.POSITIVE_INFINITY) {
        partInf = v;
        return;
      }
      partBuckets++;
      if (bound >= partLastBound) { // the highest finite bucket stands in for a missing +Inf
        partLastBound = bound;
        partLast = v;
      }
      int i;
      if (cursor < bounds.length && bounds[cursor] == bound) {
        i = cursor;
      } else {
        i = java.util.Arrays.binarySearch(bounds, bound);
        if (i < 0) {
          i = -i - 1;
          bounds = insert(bounds, i, bound);
          totals = insert(totals, i, 0);
          int[] h = new int[have.length + 1];
          System.arraycopy(have, 0, h, 0, i);
          System.arraycopy(have, i, h, i + 1, have.length - i);
          have = h;
        }
      }
      totals[i] += v;
      have[i]++;
      cursor = i + 1;
    }

    /** Folds the part just read into the label set's totals. */
    void end() {
      double hInf = partInf;
      if (Double.isNaN(hInf)) {
        hInf = !Double.isNaN(partCount) ? partCount : partBuckets == 0 ? 0 : partLast;
      }
      inf += hInf;
      count += Double.isNaN(partCount) ? hInf : partCount;
      everySum &= !Double.isNaN(partSum);
      sum += Double.isNaN(partSum) ? 0 : partSum;
      parts++;
    }

    private static double[] insert(double[] a, int i, double v) {
      double[] out = new double[a.length + 1];
      System.arraycopy(a, 0, out, 0, i);
      out[i] = v;
      System.arraycopy(a, i, out, i + 1, a.length - i);
      return out;
    }
  }

  private List<Sample> histogram(Group g, String joined) {
    Map<Labels, HistAcc> byLabels = new LinkedHashMap<>();
    List<HistAcc> touched = new ArrayList<>();
    Series.Suffix sumSuffix = null;
    Series.Suffix countSuffix = null;
    int part = 0;
    for (Part p : g.parts) {
      ParsedFamily f = p.family;
      touched.clear();
      HistAcc h = null;
      Labels hLabels = null;
      for (int i = 0; i < f.size; i++) {
        Series series = rewrite(f.series[i], joined);
        if (h == null || series.labels != hLabels && !series.labels.equals(hLabels)) {
          hLabels = series.labels;
          h = byLabels.get(hLabels);
          if (h == null) {
            h = new HistAcc();
            byLabels.put(hLabels, h);
          }
          if (h.stamp != part) {
            h.begin(part);
            touched.add(h);
          }
        }
        double v = f.adjusted[i];
        switch (series.suffix) {
          case BUCKET -> h.bucket(series.bound, v);
          case SUM, GSUM -> {
            h.partSum = v;
            sumSuffix = series.suffix;
          }
          case COUNT, GCOUNT -> {
            h.partCount = v;
            countSuffix = series.suffix;
          }
          default -> {}
        }
      }
      for (HistAcc t : touched) {
        t.end();
      }
      part++;
    }
    Series.Suffix sumName = sumSuffix == null ? Series.Suffix.SUM : sumSuffix;
    Series.Suffix countName = countSuffix == null ? Series.Suffix.COUNT : countSuffix;
    List<Sample> out = new ArrayList<>();
    for (Map.Entry<Labels, HistAcc> e : byLabels.entrySet()) {
      Labels labels = e.getKey();
      HistAcc h = e.getValue();
      for (int i = 0; i < h.bounds.length; i++) {
        if (h.have[i] == h.parts) { // a bound every node of this label set has
          out.add(
              sample(new Series(g.name, Series.Suffix.BUCKET, labels, h.bounds[i]), h.totals[i]));
        }
      }
      out.add(
          sample(
              new Series(g.name, Series.Suffix.BUCKET, labels, Double.POSITIVE_INFINITY), h.inf));
      if (h.everySum) {
        // a sum over only some nodes would lie, so a group where one node lacks _sum has none
        out.add(sample(new Series(g.name, sumName, labels, Double.NaN), h.sum));
      }
      out.add(sample(new Series(g.name, countName, labels, Double.NaN), h.count));
    }
    return out;
  }

  private List<Sample> summary(Group g, String joined) {
    Map<Series, Double> sums = new LinkedHashMap<>();
    for (Part part : g.parts) {
      ParsedFamily f = part.family;
      for (int i = 0; i < f.size; i++) {
        Series series = rewrite(f.series[i], joined);
        if (series.suffix == Series.Suffix.SUM || series.suffix == Series.Suffix.COUNT) {
          sums.merge(series, f.adjusted[i], Double::sum);
        }
      }
    }
    List<Sample> out = new ArrayList<>(sums.size());
    for (Map.Entry<Series, Double> e : sums.entrySet()) {
      out.add(sample(e.getKey(), e.getValue()));
    }
    return out;
  }

  // ------------------------------------------------------------------ views

  /** Called later by any thread, on data no writer touches any more; uses no merge state. */
  private static List<Family> instanceView(List<NodeResult> nodes, Map<String, Group> groups) {
    Map<String, List<Sample>> samples = new LinkedHashMap<>();
    Map<String, ParsedFamily> meta = new HashMap<>();
    for (NodeResult node : nodes) {
      if (!node.up()) {
        continue;
      }
      Instance instance = node.instance();
      for (ParsedFamily f : node.families()) {
        Group g = groups.get(f.name);
        if (g != null && g.types.size() > 1) {
          continue;
        }
        meta.putIfAbsent(f.name, f);
        List<Sample> list = samples.computeIfAbsent(f.name, n -> new ArrayList<>());
        for (int i = 0; i < f.size; i++) {
          Series series = f.series[i];
          Labels labels =
              series
                  .labels
                  .with("instance_id", instance.idText())
                  .with("role", instance.role().label())
                  .with("group_id", Long.toUnsignedString(instance.groupId()));
          if (labels.get("model_name") == null) {
            labels = labels.with("model_name", instance.modelName());
          }
          list.add(sample(series.withLabels(labels), f.values[i]));
        }
      }
    }
    List<Family> out = new ArrayList<>();
    for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
      ParsedFamily f = meta.get(e.getKey());
      out.add(new Family(f.name, f.type, f.help, f.unit, e.getValue()));
    }
    return out;
  }

  private static List<Family> status(List<NodeResult> nodes, List<Sample> conflicts) {
    List<Sample> up = new ArrayList<>();
    List<Sample> duration = new ArrayList<>();
    List<Sample> samples = new ArrayList<>();
    List<Sample> lastSuccess = new ArrayList<>();
    List<Sample> lastError = new ArrayList<>();
    for (NodeResult node : nodes) {
      List<Label> labels = nodeLabels(node.instance());
      up.add(new Sample(PREFIX + "node_up", labels, node.up() ? 1 : 0));
      duration.add(
          new Sample(PREFIX + "node_scrape_duration_seconds", labels, node.durationSeconds()));
      samples.add(new Sample(PREFIX + "node_scrape_samples", labels, node.samples()));
      lastSuccess.add(
          new Sample(
              PREFIX + "node_last_success_timestamp_seconds",
              labels,
              node.lastSuccessMillis() / 1000.0));
      if (node.lastError() != null) {
        List<Label> withReason = new ArrayList<>(labels);
        String reason = node.lastError();
        withReason.add(
            new Label("reason", reason.length() > 200 ? reason.substring(0, 200) : reason));
        lastError.add(new Sample(PREFIX + "node_last_error", withReason, 1));
      }
    }
    List<Family> out = new ArrayList<>();
    out.add(gauge("node_up", "Whether the last scrape of the node succeeded.", up));
    out.add(
        gauge(
            "node_scrape_duration_seconds",
            "How long the last scrape of the node took.",
            duration));
    out.add(gauge("node_scrape_samples", "Samples in the last good scrape of the node.", samples));
    out.add(
        gauge(
            "node_last_success_timestamp_seconds",
            "When a scrape of the node last succeeded, 0 if never.",
            lastSuccess));
    out.add(gauge("node_last_error", "Why the last scrape of the node failed.", lastError));
    out.add(
        gauge(
            "merge_type_conflict",
            "Nodes per type of a family left out of the merge because nodes disagree on its type.",
            conflicts));
    return out;
  }

  /** A status gauge family named {@code ms_coordinator_<name>}. */
  static Family gauge(String name, String help, List<Sample> samples) {
    return new Family(PREFIX + name, MetricType.GAUGE, help, null, samples);
  }

  static List<Label> nodeLabels(Instance instance) {
    return List.of(
        new Label("instance_id", instance.idText()),
        new Label("role", instance.role().label()),
        new Label("group_id", Long.toUnsignedString(instance.groupId())),
        new Label("model_name", instance.modelName()),
        new Label("address", instance.ip() + ":" + instance.metricPort()));
  }

  // ------------------------------------------------------------------ helpers

  private static String joinedModelName(List<NodeResult> nodes) {
    TreeSet<String> models = new TreeSet<>();
    for (NodeResult node : nodes) {
      models.add(node.instance().modelName());
    }
    return String.join("&", models);
  }

  private static Series rewrite(Series series, String joined) {
    if (joined == null || series.labels.get("model_name") == null) {
      return series;
    }
    return series.withLabels(series.labels.with("model_name", joined));
  }

  private static Sample sample(Series series, double value) {
    Labels labels = series.labels;
    List<Label> out = new ArrayList<>(labels.size() + 1);
    for (int i = 0; i < labels.size(); i++) {
      out.add(new Label(labels.name(i), labels.value(i)));
    }
    if (series.hasBound()) {
      String name = series.suffix == Series.Suffix.BUCKET ? "le" : "quantile";
      out.add(new Label(name, CanonicalNumbers.format(series.bound)));
    }
    return new Sample(series.sampleName, out, value);
  }
}
