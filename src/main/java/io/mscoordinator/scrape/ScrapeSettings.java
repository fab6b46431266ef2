package io.mscoordinator.scrape;

import io.mscoordinator.config.Section;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *   <tr><td>body_limit</td><td>16</td><td>MB in [1,1024], as sent and after gunzip ({@code
 *       max_body_bytes}, in bytes in [1024,1073741824]: its older form, still read)</td></tr>
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

  private static final List<String> KEYS =
      List.of(
          "reuse_time",
          "strict",
          "scrape_interval_ms",
          "scrape_timeout_ms",
          "body_limit",
          "max_body_bytes",
          "max_series_per_node",
          "model_name_mode",
          "rules");

  public ScrapeSettings {
    rules = Map.copyOf(rules);
  }

  /** All defaults. */
  public static ScrapeSettings defaults() {
    return parse(Section.of(JsonValue.EMPTY_JSON_OBJECT, "prometheus_metrics_config"));
  }

  /**
   * Validates {@code section} ({@code prometheus_metrics_config}).
   *
   * @throws io.mscoordinator.config.ConfigException naming the key, its rule and the value found
   */
  public static ScrapeSettings parse(Section section) {
    section.keys(KEYS);
    long reuse = section.integer("reuse_time", 5, 1, 3600);
    boolean strict = section.bool("strict", false);
    long interval = section.integer("scrape_interval_ms", reuse * 1000, 100, 3_600_000);
    long timeout = section.integer("scrape_timeout_ms", interval * 4 / 5, 10, interval - 1);
    long maxBody;
    if (section.has("max_body_bytes")) {
      if (section.has("body_limit")) {
        throw section.fail(
            "max_body_bytes", "not together with " + section.key("body_limit"), "(set)");
      }
      section.warn(
          "config warning: key="
              + section.key("max_body_bytes")
              + " rule=deprecated, use "
              + section.key("body_limit")
              + " (MB)");
      maxBody = section.integer("max_body_bytes", 16 << 20, 1024, 1 << 30);
    } else {
      maxBody = section.megabytes("body_limit", 16, 1, 1024);
    }
    long maxSeries = section.integer("max_series_per_node", 200_000, 1, 10_000_000);
    String mode = section.oneOf("model_name_mode", "per_model", List.of("per_model", "joined"));
    Map<String, MergeRule> rules = new LinkedHashMap<>(BUILT_IN_RULES);
    JsonValue table = section.value("rules");
    if (table != null) {
      if (table.getValueType() != JsonValue.ValueType.ARRAY) {
        throw section.fail("rules", "array of rule objects", table);
      }
      int i = 0;
      for (JsonValue item : table.asJsonArray()) {
        MergeRule rule = rule(item, section, "rules[" + i + "]");
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

  private static MergeRule rule(JsonValue item, Section parent, String name) {
    if (!(item instanceof JsonObject object)) {
      throw parent.fail(name, "object {family, rule, ...}", item);
    }
    Section rule = Section.of(object, parent.key(name));
    for (String k : object.keySet()) {
      if (!List.of("family", "rule", "numerator", "denominator", "over").contains(k)) {
        throw rule.fail(k, "one of family, rule, numerator, denominator, over", object.get(k));
      }
    }
    String family = optional(rule, "family");
    if (family == null || !family.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
      throw rule.fail("family", "a metric family name", family);
    }
    String kindText = optional(rule, "rule");
    MergeRule.Kind kind = kindText == null ? null : MergeRule.Kind.ofText(kindText);
    if (kind == null) {
      throw rule.fail("rule", "one of sum, mean, weighted_mean, max, min, recompute", kindText);
    }
    String numerator = optional(rule, "numerator");
    String denominator = optional(rule, "denominator");
    String over = rule.oneOf("over", "all", List.of("all", "prefill"));
    if (kind == MergeRule.Kind.RECOMPUTE) {
      if (numerator == null) {
        throw rule.fail("numerator", "a family name for rule recompute", null);
      }
      if (denominator == null) {
        throw rule.fail("denominator", "a family name for rule recompute", null);
      }
    } else if (numerator != null || denominator != null) {
      throw rule.fail("numerator", "only with rule recompute", numerator != null ? numerator : "");
    }
    return new MergeRule(family, kind, numerator, denominator, over.equals("prefill"));
  }

  /** A string key that may be absent (null then). */
  private static String optional(Section section, String name) {
    return section.has(name) ? section.string(name, null) : null;
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
