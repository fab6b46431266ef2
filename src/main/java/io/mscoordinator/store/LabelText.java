package io.mscoordinator.store;

import java.nio.charset.StandardCharsets;

/**
 * Name rules and label escaping shared by the store (which encodes each series' label block once,
 * when it is interned) and the exposition writers. Label values are escaped the same way in
 * Prometheus text 0.0.4 and OpenMetrics 1.0 ({@code \\}, {@code \"}, {@code \n}), so one encoded
 * block serves both formats. Stateless.
 */
public final class LabelText {
  private LabelText() {}

  /** Whether {@code name} matches {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
  public static boolean isMetricName(String name) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == ':'
              || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
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
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * The UTF-8 block {@code k1="v1",k2="v2"} (no braces, so a writer can append {@code le} or {@code
   * quantile}) for label pairs already sorted by name; empty for no labels.
   */
  public static byte[] block(String[] sortedPairs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < sortedPairs.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(sortedPairs[i]).append("=\"");
      escapeLabelValue(sortedPairs[i + 1], sb);
      sb.append('"');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends {@code value} with backslash, double quote and line feed escaped. */
  public static void escapeLabelValue(String value, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '"':
          out.append("\\\"");
          break;
        case '\n':
          out.append("\\n");
          break;
        default:
          out.append(c);
      }
    }
  }
}
