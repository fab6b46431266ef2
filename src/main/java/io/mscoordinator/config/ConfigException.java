package io.mscoordinator.config;

/**
 * A configuration value that breaks its rule. Start-up prints {@link #getMessage()} as one line and
 * exits non-zero, so the message always names the key, the rule and the offending value.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  /**
   * @param key the dotted key path, e.g. {@code http_config.manage_port}
   * @param rule what the value must be, e.g. {@code port string in ["1024","65535"]}
   * @param value what was found, or {@code null} when the key is missing
   */
  public ConfigException(String key, String rule, Object value) {
    super(
        "config error: key="
            + key
            + " rule="
            + rule
            + (value == null ? " (missing)" : " value=" + value));
    this.key = key;
  }

  /** The dotted key path that broke its rule. */
  public String key() {
    return key;
  }
}
