package io.mscoordinator.otlp;

import java.util.List;
import java.util.Set;

/**
 * The receiver's settings from {@code otlp_config} (the listener itself is in the server's
 * configuration).
 *
 * @param bodyLimitBytes the most a body may have, both as sent and after gzip decompression
 * @param resourceAttributes resource attribute keys that become labels, as the sender spells them
 * @param attributeDeny attribute keys never made labels, as sent or as sanitized label names
 * @param maxAttributesPerPoint a point with more attributes (its resource's chosen ones included)
 *     is refused, so a runaway sender cannot make arbitrarily wide series
 */
public record OtlpSettings(
    long bodyLimitBytes,
    List<String> resourceAttributes,
    Set<String> attributeDeny,
    int maxAttributesPerPoint) {
  public static final int DEFAULT_BODY_LIMIT_MB = 16;
  public static final List<String> DEFAULT_RESOURCE_ATTRIBUTES =
      List.of("service.name", "service.instance.id", "instance", "container_name");
  public static final int DEFAULT_MAX_ATTRIBUTES_PER_POINT = 32;

  public OtlpSettings {
    resourceAttributes = List.copyOf(resourceAttributes);
    attributeDeny = Set.copyOf(attributeDeny);
  }

  /** The defaults of every key. */
  public static OtlpSettings defaults() {
    return new OtlpSettings(
        DEFAULT_BODY_LIMIT_MB * 1024L * 1024L,
        DEFAULT_RESOURCE_ATTRIBUTES,
        Set.of(),
        DEFAULT_MAX_ATTRIBUTES_PER_POINT);
  }
}
