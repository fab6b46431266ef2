package io.mscoordinator.scrape;

import io.mscoordinator.server.ConfigException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The validated {@code prometheus_metrics_config} section.
 *
 * <table>
 *   <caption>Keys, all optional</caption>
 *   <tr><th>key</th><th>default</th><th>rule</th></tr>
 *   <tr><td>reuse_time</td><td>5</td><td>integer seconds in [1,3600]; MindIE's cache time of the
 *       merge, here the default of scrape_interval_ms</td></tr>
 *   <tr><td>strict</td><td>false</td><td>boolean; true: any failed node makes /metrics 503</td></tr>
 *   <tr><td>scrape_interval_ms</td><td>reuse_time × 1000</td><td>integer in [100,3600000]</td></tr>
 *   <tr><td>scrape_timeout_ms</td><td>80% of the interval</td><td>integer in [10, interval)</td></tr>
 *   <tr><td>max_body_bytes</td><td>16777216</td><td>integer in [1024,1073741824]</td></tr>
 *   <tr><td>max_series_per_node</td><td>200000</td><td>integer in [1,10000000]</td></tr>
 *   <tr><td>model_name_mode</td><td>per_model</td><td>per_model or joined (MindIE's a&amp;b)</td></tr>
 *   <tr><td>rules</td><td>[]</td><td>array of {family, rule, numerator, denominator, over}: rule
 *       one of sum, mean, weighted_mean, max, min, recompute; recompute needs numerator and
 *       denominator; over is all or prefill. Replaces the built-in rule of that family.</td></tr>
 * </table>
 *
 * <p>Built-in rules: {@code npu_cache_usage_perc} and {@code cpu_cache_usage_perc} weighted mean;
 * {@code npu_prefix_cache_hit_rate} recomputed from {@code npu_radix_match_hit_num} / {@code
 * all_radix_match_num} over prefill nodes; {@code failed_request_perc} recomputed from {@code
 * request_failed_total} / {@code request_received_total}. Every other scalar family is summed.
 */
public record ScrapeSettings(
    boolean strict,
    Duration interval,
    Duration timeout,
    int maxBodyBytes,
    int maxSeriesPerNode,
    boolean joinedModelNames,
    Map<String, MergeRule> rules) {

  /** The built-in rules, by family. */
  public static final Map<String, MergeRule> BUILT_IN_RULES = builtIn();

  private static final Set<String> KEYS =
      Set.of(
          "reuse_time",
          "strict",
          "scrape_interval_ms",
          "scrape_timeout_ms",
          "max_body_bytes",
          "max_series_per_node",
          "model_name_mode",
          "rules");

  public ScrapeSettings {
    rules = Map.copyOf(rules);
  }

  /** All defaults. */
  public static ScrapeSettings defaults() {
    return parse(JsonValue.EMPTY_JSON_OBJECT, "prometheus_metrics_config");
  }

  /**
   * Validates {@code section}; {@code keyPrefix} is the dotted path of the section, used in error
   * messages, e.g. {@code prometheus_metrics_config}.
   *
   * @throws ConfigException naming the key, its rule and the value found
   */
  public static ScrapeSettings parse(JsonObject section, String keyPrefix) {
    String p = keyPrefix.isEmpty() ? "" : keyPrefix + ".";
    for (String key : section.keySet()) {
      if (!KEYS.contains(key)) {
        throw new ConfigException(p + key, "one of " + KEYS, section.get(key));
      }
    }
    long reuse = integer(section, p, "reuse_time", 5, 1, 3600);
    boolean strict = bool(section, p, "strict", false);
    long interval = integer(section, p, "scrape_interval_ms", reuse * 1000, 100, 3_600_000);
    long timeout = integer(section, p, "scrape_timeout_ms", interval * 4 / 5, 10, interval - 1);
    long maxBody = integer(section, p, "max_body_bytes", 16 << 20, 1024, 1 << 30);
    long maxSeries = integer(section, p, "max_series_per_node", 200_000, 1, 10_000_000);
    String mode = string(section, p, "model_name_mode", "per_model");
    if (!mode.equals("per_model") && !mode.equals("joined")) {
      throw new ConfigException(p + "model_name_mode", "per_model or joined", mode);
    }
    Map<String, MergeRule> rules = new LinkedHashMap<>(BUILT_IN_RULES);
    JsonValue table = section.get("rules");
    if (table != null) {
      if (table.getValueType() != JsonValue.ValueType.ARRAY) {
        throw new ConfigException(p + "rules", "array of rule objects", table);
      }
      int i = 0;
      for (JsonValue item : table.asJsonArray()) {
        MergeRule rule = rule(item, p + "rules[" + i + "]");
        rules.put(rule.family(), rule);
        i++;
      }
    }
    return new ScrapeSettings(
        strict,
        Duration.ofMillis(interval),
        Duration.ofMillis(timeout),
        (int) maxBody,
        (int) maxSeries,
        mode.equals("joined"),
        rules);
  }

  private static MergeRule rule(JsonValue item, String key) {
    if (!(item instanceof JsonObject object)) {
      throw new ConfigException(key, "object {family, rule, ...}", item);
    }
    for (String k : object.keySet()) {
      if (!Set.of("family", "rule", "numerator", "denominator", "over").contains(k)) {
        throw new ConfigException(
            key + "." + k, "one of family, rule, numerator, denominator, over", object.get(k));
      }
    }
    String family = string(object, key + ".", "family", null);
    if (family == null || !family.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
      throw new ConfigException(key + ".family", "a metric family name", family);
    }
    String kindText = string(object, key + ".", "rule", null);
    MergeRule.Kind kind = kindText == null ? null : MergeRule.Kind.ofText(kindText);
    if (kind == null) {
      throw new ConfigException(
          key + ".rule", "one of sum, mean, weighted_mean, max, min, recompute", kindText);
    }
    String numerator = string(object, key + ".", "numerator", null);
    String denominator = string(object, key + ".", "denominator", null);
    String over = string(object, key + ".", "over", "all");
    if (!over.equals("all") && !over.equals("prefill")) {
      throw new ConfigException(key + ".over", "all or prefill", over);
    }
    if (kind == MergeRule.Kind.RECOMPUTE) {
      if (numerator == null) {
        throw new ConfigException(key + ".numerator", "a family name for rule recompute", null);
      }
      if (denominator == null) {
        throw new ConfigException(key + ".denominator", "a family name for rule recompute", null);
      }
    } else if (numerator != null || denominator != null) {
      throw new ConfigException(
          key + ".numerator", "only with rule recompute", numerator != null ? numerator : "");
    }
    return new MergeRule(family, kind, numerator, denominator, over.equals("prefill"));
  }

  private static long integer(
      JsonObject section, String p, String key, long fallback, long min, long max) {
    JsonValue value = section.get(key);
    if (value == null) {
      return Math.max(min, Math.min(max, fallback));
    }
    if (value instanceof JsonNumber number && number.isIntegral()) {
      long v = number.longValue();
      if (v >= min && v <= max) {
        return v;
      }
    }
    throw new ConfigException(p + key, "integer in [" + min + "," + max + "]", value);
  }

  private static boolean bool(JsonObject section, String p, String key, boolean fallback) {
    JsonValue value = section.get(key);
    if (value == null) {
      return fallback;
    }
    if (value == JsonValue.TRUE || value == JsonValue.FALSE) {
      return value == JsonValue.TRUE;
    }
    throw new ConfigException(p + key, "true or false", value);
  }

  private static String string(JsonObject section, String p, String key, String fallback) {
    JsonValue value = section.get(key);
    if (value == null) {
      return fallback;
    }
    if (value instanceof JsonString s) {
      return s.getString();
    }
    throw new ConfigException(p + key, "string", value);
  }

  private static Map<String, MergeRule> builtIn() {
    Map<String, MergeRule> rules = new LinkedHashMap<>();
    rules.put(
        "npu_cache_usage_perc", MergeRule.of("npu_cache_usage_perc", MergeRule.Kind.WEIGHTED_MEAN));
    rules.put(
        "cpu_cache_usage_perc", MergeRule.of("cpu_cache_usage_perc", MergeRule.Kind.WEIGHTED_MEAN));
    rules.put(
        "npu_prefix_cache_hit_rate",
        new MergeRule(
            "npu_prefix_cache_hit_rate",
            MergeRule.Kind.RECOMPUTE,
            "npu_radix_match_hit_num",
            "all_radix_match_num",
            true));
    rules.put(
        "failed_request_perc",
        new MergeRule(
            "failed_request_perc",
            MergeRule.Kind.RECOMPUTE,
            "request_failed_total",
            "request_received_total",
            false));
    return Map.copyOf(rules);
  }
}
