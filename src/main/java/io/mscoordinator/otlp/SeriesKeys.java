package io.mscoordinator.otlp;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.Names;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the {@link SeriesKey} of a data point: the metric name and the point's attributes plus the
 * chosen resource attributes, sanitized to valid Prometheus names.
 *
 * <ul>
 *   <li>Names: {@link Names#sanitizeMetricName} and {@link Names#sanitizeLabelName} (every
 *       character outside {@code [a-zA-Z0-9_:]}, labels {@code [a-zA-Z0-9_]}, becomes {@code _}; a
 *       leading digit gets a {@code _}, labels a {@code key_}, prefix; a label starting with {@code
 *       __} (reserved) gets a {@code key} prefix).
 *   <li>KsanaLLM's data-parallel suffix: {@code batch_scheduler_batch_size_N} and {@code
 *       batch_scheduler_waiting_size_N} become the name without {@code _N} and label {@code
 *       dp_idx="N"} (the suffix wins over a {@code dp_idx} attribute).
 *   <li>A point attribute wins over a resource attribute of the same label name; two point
 *       attributes that sanitize to the same name are joined with {@code ;} in key order. Empty
 *       values are no label, as in Prometheus.
 *   <li>Denied keys (as sent or as sanitized) are dropped; a point with more than {@code
 *       maxAttributesPerPoint} attributes left is refused ({@code null}).
 * </ul>
 *
 * <p>Immutable; threadsafe.
 */
final class SeriesKeys {
  private static final Pattern DP_SUFFIX =
      Pattern.compile("(batch_scheduler_batch_size|batch_scheduler_waiting_size)_([0-9]+)");

  private final List<String> resourceAttributes;
  private final Set<String> deny;
  private final int maxAttributes;

  SeriesKeys(OtlpSettings settings) {
    this.resourceAttributes = settings.resourceAttributes();
    this.deny = settings.attributeDeny();
    this.maxAttributes = settings.maxAttributesPerPoint();
  }

  /** The key, or {@code null} when the name is empty or the point has too many attributes. */
  SeriesKey key(String metricName, List<String> resource, List<String> attributes) {
    String name = Names.sanitizeMetricName(metricName);
    if (name.isEmpty()) {
      return null;
    }
    Map<String, String> labels = new TreeMap<>();
    int kept = 0;
    for (int i = 0; i < resource.size(); i += 2) {
      String key = resource.get(i);
      if (resourceAttributes.contains(key) && allowed(key)) {
        kept++;
        put(labels, Names.sanitizeLabelName(key), resource.get(i + 1), false);
      }
    }
    Map<String, String> own = new TreeMap<>();
    for (int i = 0; i < attributes.size(); i += 2) {
      String key = attributes.get(i);
      if (allowed(key)) {
        kept++;
        own.put(key, attributes.get(i + 1));
      }
    }
    if (kept > maxAttributes) {
      return null;
    }
    Map<String, String> joined = new TreeMap<>();
    own.forEach((key, value) -> put(joined, Names.sanitizeLabelName(key), value, true));
    labels.putAll(joined);
    Matcher dp = DP_SUFFIX.matcher(name);
    if (dp.matches()) {
      name = dp.group(1);
      labels.put("dp_idx", dp.group(2));
    }
    labels.values().removeIf(String::isEmpty);
    return new SeriesKey(
        name, Labels.of(List.copyOf(labels.keySet()), List.copyOf(labels.values())));
  }

  private boolean allowed(String key) {
    return !deny.contains(key) && !deny.contains(Names.sanitizeLabelName(key));
  }

  private static void put(Map<String, String> labels, String name, String value, boolean join) {
    String old = labels.get(name);
    labels.put(name, join && old != null ? old + ";" + value : value);
  }
}
