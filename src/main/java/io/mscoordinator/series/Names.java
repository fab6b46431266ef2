package io.mscoordinator.series;

/**
 * Metric and label name rules of Prometheus text 0.0.4 and OpenMetrics 1.0, and the sanitizing of
 * foreign names (OTLP metric names and attribute keys) into valid ones. Stateless.
 */
public final class Names {
  private Names() {}

  /** Whether {@code name} matches {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static boolean isMetricName(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(letter(c) || c == '_' || c == ':' || (i > 0 && digit(c)))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code name} matches {@code [a-zA-Z_][a-zA-Z0-9_]*} and does not start with "__". */
  public static boolean isLabelName(String name) {
    if (name == null || name.isEmpty() || name.startsWith("__")) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(letter(c) || c == '_' || (i > 0 && digit(c)))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A valid metric name for {@code name}: every character outside {@code [a-zA-Z0-9_:]} becomes
   * {@code _}, and a leading digit gets a {@code _} prefix. Empty for an empty name.
   */
  public static String sanitizeMetricName(String name) {
    StringBuilder sb = new StringBuilder(name.length() + 1);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      sb.append(letter(c) || digit(c) || c == '_' || c == ':' ? c : '_');
    }
    if (!sb.isEmpty() && digit(sb.charAt(0))) {
      sb.insert(0, '_');
    }
    return sb.toString();
  }

  /**
   * A valid label name for {@code key}: every character outside {@code [a-zA-Z0-9_]} becomes {@code
   * _}; an empty result or a leading digit gets a {@code key_} prefix, a reserved {@code __} start
   * a {@code key} prefix.
   */
  public static String sanitizeLabelName(String key) {
    StringBuilder sb = new StringBuilder(key.length() + 4);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      sb.append(letter(c) || digit(c) || c == '_' ? c : '_');
    }
    if (sb.isEmpty() || digit(sb.charAt(0))) {
      sb.insert(0, "key_");
    } else if (sb.length() >= 2 && sb.charAt(0) == '_' && sb.charAt(1) == '_') {
      sb.insert(0, "key");
    }
    return sb.toString();
  }

  private static boolean letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }
}
