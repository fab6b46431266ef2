package io.mscoordinator.otlp;

import io.mscoordinator.capability.ListenerSettings;
import io.mscoordinator.config.Section;
import io.mscoordinator.tls.TlsSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The receiver's settings from {@code otlp_config}.
 *
 * <table>
 *   <caption>Keys, all optional</caption>
 *   <tr><th>key</th><th>default</th><th>rule</th></tr>
 *   <tr><td>enable</td><td>true</td><td>the OTLP/HTTP listener</td></tr>
 *   <tr><td>ip / port</td><td>127.0.0.1 / "4318"</td><td>IP literal / port string</td></tr>
 *   <tr><td>body_limit</td><td>16</td><td>MB in [1,1024], as sent and after gzip
 *       ({@code body_limit_mb}: its older name)</td></tr>
 *   <tr><td>tls_enable / tls_items</td><td>false / none</td><td>the listener's TLS</td></tr>
 *   <tr><td>resource_attributes</td><td>service.name, service.instance.id, instance,
 *       container_name</td><td>resource attributes that become labels</td></tr>
 *   <tr><td>attribute_deny</td><td>[]</td><td>attribute keys never made labels</td></tr>
 *   <tr><td>max_attributes_per_point</td><td>32</td><td>integer in [0,256]</td></tr>
 * </table>
 *
 * @param listener where the receiver listens, or empty when {@code enable} is false
 * @param bodyLimitBytes the most a body may have, both as sent and after gzip decompression
 * @param resourceAttributes resource attribute keys that become labels, as the sender spells them
 * @param attributeDeny attribute keys never made labels, as sent or as sanitized label names
 * @param maxAttributesPerPoint a point with more attributes (its resource's chosen ones included)
 *     is refused, so a runaway sender cannot make arbitrarily wide series
 */
public record OtlpSettings(
    Optional<ListenerSettings> listener,
    long bodyLimitBytes,
    List<String> resourceAttributes,
    Set<String> attributeDeny,
    int maxAttributesPerPoint) {
  public static final int DEFAULT_BODY_LIMIT_MB = 16;
  public static final List<String> DEFAULT_RESOURCE_ATTRIBUTES =
      List.of("service.name", "service.instance.id", "instance", "container_name");
  public static final int DEFAULT_MAX_ATTRIBUTES_PER_POINT = 32;

  private static final List<String> KEYS =
      List.of(
          "enable",
          "ip",
          "port",
          "body_limit",
          "body_limit_mb",
          "tls_enable",
          "tls_items",
          "resource_attributes",
          "attribute_deny",
          "max_attributes_per_point");

  public OtlpSettings {
    resourceAttributes = List.copyOf(resourceAttributes);
    attributeDeny = Set.copyOf(attributeDeny);
  }

  /** The defaults of every key, without a listener. */
  public static OtlpSettings defaults() {
    return new OtlpSettings(
        Optional.empty(),
        DEFAULT_BODY_LIMIT_MB * 1024L * 1024L,
        DEFAULT_RESOURCE_ATTRIBUTES,
        Set.of(),
        DEFAULT_MAX_ATTRIBUTES_PER_POINT);
  }

  /**
   * Reads {@code otlp_config}.
   *
   * @param wildcardAllowed whether {@code ip} may be a wildcard address ({@code
   *     http_config.allAllZeroIpListening})
   */
  public static OtlpSettings parse(Section otlp, boolean wildcardAllowed) {
    otlp.keys(KEYS);
    Optional<ListenerSettings> listener = Optional.empty();
    if (otlp.bool("enable", true)) {
      String ip =
          otlp.ip("ip", "127.0.0.1", wildcardAllowed, "http_config.allow_all_zero_ip_listening");
      int port = otlp.port("port", "4318");
      Optional<io.helidon.common.tls.Tls> tls = Optional.empty();
      if (otlp.bool("tls_enable", false)) {
        if (!(otlp.value("tls_items") instanceof jakarta.json.JsonObject)) {
          throw otlp.fail(
              "tls_items", "an object, required when tls_enable is true", otlp.value("tls_items"));
        }
        tls = Optional.of(TlsSettings.parse(otlp.section("tls_items")).serverTls());
      }
      listener = Optional.of(new ListenerSettings("otlp", ip, port, tls));
    }
    long limit =
        otlp.megabytes(otlp.alias("body_limit", "body_limit_mb"), DEFAULT_BODY_LIMIT_MB, 1, 1024);
    return new OtlpSettings(
        listener,
        limit,
        otlp.strings("resource_attributes", DEFAULT_RESOURCE_ATTRIBUTES),
        new HashSet<>(otlp.strings("attribute_deny", List.of())),
        (int) otlp.integer("max_attributes_per_point", DEFAULT_MAX_ATTRIBUTES_PER_POINT, 0, 256));
  }
}
