package io.mscoordinator.ingest;

import io.mscoordinator.config.ConfigException;
import io.mscoordinator.config.Section;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.BitUtil;

/**
 * Settings of the metrics core, from the {@code metrics_config} section of the coordinator config.
 * Immutable.
 *
 * <table>
 * <caption>keys</caption>
 * <tr><th>key</th><th>default</th><th>rule</th></tr>
 * <tr><td>{@code ring_file}</td><td>{@code run/ms_coordinator_metrics.ring}</td>
 *     <td>path of the ring file for producers in other processes, relative to the working
 *     directory; {@code ""} turns the file ring off</td></tr>
 * <tr><td>{@code ring_capacity_bytes}</td><td>67108864 (64 MiB)</td><td>power of two in
 *     [65536, 1073741824]; the file is 4096 (header) + this + 768 (Agrona trailer) bytes</td></tr>
 * <tr><td>{@code in_process_ring_capacity_bytes}</td><td>8388608 (8 MiB)</td><td>same rule</td>
 *     </tr>
 * <tr><td>{@code series_limit}</td><td>10000</td><td>integer in [1, 1000000]</td></tr>
 * <tr><td>{@code histogram_buckets}</td><td>{@code {}}</td><td>object: family name to a non-empty
 *     array of at most 64 finite, non-negative, strictly increasing upper bounds in the family's
 *     exposed unit (replaces the unit's default bounds)</td></tr>
 * </table>
 *
 * @param ringFile the ring file, or {@code null} when the file ring is off
 */
public record MetricsSettings(
    Path ringFile,
    int ringCapacityBytes,
    int inProcessRingCapacityBytes,
    int seriesLimit,
    Map<String, double[]> histogramBuckets) {

  /** Default ring file path. */
  public static final String DEFAULT_RING_FILE = "run/ms_coordinator_metrics.ring";

  /** Default file ring capacity: 64 MiB. */
  public static final int DEFAULT_RING_CAPACITY = 64 << 20;

  /** Default in-process ring capacity: 8 MiB. */
  public static final int DEFAULT_IN_PROCESS_RING_CAPACITY = 8 << 20;

  /** Default series limit. */
  public static final int DEFAULT_SERIES_LIMIT = 10_000;

  private static final int MAX_RING_CAPACITY = 1 << 30;
  private static final int MAX_SERIES_LIMIT = 1_000_000;
  private static final int MAX_BUCKETS = 64;
  private static final List<String> KEYS =
      List.of(
          "ring_file",
          "ring_capacity_bytes",
          "in_process_ring_capacity_bytes",
          "series_limit",
          "histogram_buckets");

  /** Copies the bucket map so the record stays immutable. */
  public MetricsSettings {
    Map<String, double[]> copy = new LinkedHashMap<>();
    histogramBuckets.forEach((k, v) -> copy.put(k, v.clone()));
    histogramBuckets = java.util.Collections.unmodifiableMap(copy);
  }

  /** All defaults. */
  public static MetricsSettings defaults() {
    return parse(Section.of(JsonValue.EMPTY_JSON_OBJECT, "metrics_config"));
  }

  /**
   * Reads the section ({@code metrics_config}). MindIE's own keys of that section ({@code enable},
   * {@code trigger_size}) are unknown here and only warned about.
   *
   * @throws ConfigException naming the key, the rule and the value, on any bad key
   */
  public static MetricsSettings parse(Section section) {
    section.keys(KEYS);
    Path ringFile = Path.of(DEFAULT_RING_FILE);
    if (section.has("ring_file")) {
      String file = section.string("ring_file", null);
      ringFile = file.isEmpty() ? null : Path.of(file);
    }
    int ring = capacity(section, "ring_capacity_bytes", DEFAULT_RING_CAPACITY);
    int inProcess =
        capacity(section, "in_process_ring_capacity_bytes", DEFAULT_IN_PROCESS_RING_CAPACITY);
    int limit = (int) section.integer("series_limit", DEFAULT_SERIES_LIMIT, 1, MAX_SERIES_LIMIT);
    Map<String, double[]> buckets = new LinkedHashMap<>();
    if (section.has("histogram_buckets")) {
      String key = section.key("histogram_buckets");
      JsonValue v = section.value("histogram_buckets");
      if (!(v instanceof JsonObject families)) {
        throw new ConfigException(key, "object of family name to bounds array", v);
      }
      for (Map.Entry<String, JsonValue> e : families.entrySet()) {
        buckets.put(e.getKey(), bounds(key + "." + e.getKey(), e.getValue()));
      }
    }
    return new MetricsSettings(ringFile, ring, inProcess, limit, buckets);
  }

  private static double[] bounds(String key, JsonValue v) {
    String rule =
        "non-empty array of at most "
            + MAX_BUCKETS
            + " finite, non-negative, strictly increasing numbers";
    if (!(v instanceof JsonArray array) || array.isEmpty() || array.size() > MAX_BUCKETS) {
      throw new ConfigException(key, rule, v);
    }
    double[] bounds = new double[array.size()];
    for (int i = 0; i < bounds.length; i++) {
      if (!(array.get(i) instanceof JsonNumber n)) {
        throw new ConfigException(key, rule, v);
      }
      bounds[i] = n.doubleValue();
      if (!Double.isFinite(bounds[i]) || bounds[i] < 0 || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new ConfigException(key, rule, v);
      }
    }
    return bounds;
  }

  private static int capacity(Section section, String name, int dflt) {
    String rule =
        "power of two in [" + RecordDescriptor.MIN_RING_CAPACITY + ", " + MAX_RING_CAPACITY + "]";
    long value =
        section.integer(name, dflt, RecordDescriptor.MIN_RING_CAPACITY, MAX_RING_CAPACITY, rule);
    if (!BitUtil.isPowerOfTwo(value)) {
      throw section.fail(name, rule, value);
    }
    return (int) value;
  }
}
