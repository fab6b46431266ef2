package io.mscoordinator.series;

import java.nio.charset.StandardCharsets;

/**
 * The one escaping of text in an exposition body: label values and HELP text, written as UTF-8 with
 * backslash as {@code \\} and line feed as {@code \n}, and double quote as {@code \"} where the
 * format asks for it (every label value; HELP text only in OpenMetrics, the text format leaves
 * quotes in HELP as they are). A lone surrogate, which UTF-8 cannot carry, is written as {@code ?},
 * as {@link String#getBytes} does. Stateless.
 */
public final class Escaping {
  private Escaping() {}

  /** The most bytes {@link #escape} writes for {@code text}. */
  public static int maxBytes(String text) {
    return 3 * text.length();
  }

  /**
   * Writes {@code text} escaped into {@code out} from {@code at}; the caller has made room for
   * {@link #maxBytes}. Returns the position after the last byte written.
   *
   * @param quotes whether {@code "} is escaped: true for label values and OpenMetrics HELP
   */
  public static int escape(String text, boolean quotes, byte[] out, int at) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        if (c == '\\') {
          out[at++] = '\\';
          out[at++] = '\\';
        } else if (c == '\n') {
          out[at++] = '\\';
          out[at++] = 'n';
        } else if (c == '"' && quotes) {
          out[at++] = '\\';
          out[at++] = '"';
        } else {
          out[at++] = (byte) c;
        }
      } else if (c < 0x800) {
        out[at++] = (byte) (0xC0 | (c >> 6));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      } else if (!Character.isSurrogate(c)) {
        out[at++] = (byte) (0xE0 | (c >> 12));
        out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, text.charAt(++i));
        out[at++] = (byte) (0xF0 | (cp >> 18));
        out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[at++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        out[at++] = '?';
      }
    }
    return at;
  }

  /** {@code value} escaped as a label value, e.g. {@code a\"b} for {@code a"b}. */
  public static String labelValue(String value) {
    byte[] out = new byte[maxBytes(value)];
    int n = escape(value, true, out, 0);
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }
}
