package io.mscoordinator.series;

/**
 * The text of a number used as a label value, the {@code le} bound of a histogram bucket and the
 * {@code quantile} of a summary sample: OpenMetrics 1.0's canonical numbers ("Numbers in the le
 * label values of histograms and quantile label values of summary metrics ... MUST NOT" use
 * arbitrary rendering): Go's shortest {@code %g} with {@code .0} appended when the text has neither
 * a point nor an exponent, as Prometheus' {@code labels.FormatOpenMetricsFloat} and
 * prometheus_client's {@code floatToGoString} write it, and as Prometheus 3 normalizes {@code le}
 * and {@code quantile} on ingestion. Examples: {@code 0.0 0.005 0.5 1.0 10.0 100000.0 1e+06 2.5e+06
 * 1e-05 0.0001 +Inf}.
 *
 * <p>Used in both exposition formats, so a bucket keeps one label value (one series) whichever
 * format Prometheus negotiates. One known difference from Go: where the shortest digits are a
 * single one, Java takes the closer of two-digit candidates, which changes the text only for
 * subnormals of a few bits ({@code 4.9e-324} where Go writes {@code 5e-324}); both read back as the
 * same double. Stateless.
 */
public final class CanonicalNumbers {
  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private CanonicalNumbers() {}

  /** The canonical text of {@code value}. */
  public static String format(double value) {
    return append(value, new StringBuilder(24)).toString();
  }

  /**
   * Appends the canonical text of {@code value} to {@code out} without allocating (beyond growing
   * {@code out}): Java's shortest round-trip digits ({@code StringBuilder.append(double)}, which
   * writes in place since JDK 19) rewritten in Go's {@code %g} layout.
   */
  public static StringBuilder append(double value, StringBuilder out) {
    if (Double.isNaN(value)) {
      return out.append("NaN");
    }
    if (value == Double.POSITIVE_INFINITY) {
      return out.append("+Inf");
    }
    if (value == Double.NEGATIVE_INFINITY) {
      return out.append("-Inf");
    }
    if (value == 0) {
      return out.append("0.0"); // -0.0 too, as Go's formatter special-cases it
    }
    int start = out.length();
    out.append(value); // [-]ddd.ddd for 1e-3 <= |v| < 1e7, else [-]d.dddE[-]n
    int end = out.length();
    boolean negative = out.charAt(start) == '-';
    // value = 0.D * 10^point, D the significant digits (nd of them, at most 18 with a trailing 0)
    long digits = 0;
    int nd = 0;
    int point = 0;
    boolean afterPoint = false;
    for (int i = negative ? start + 1 : start; i < end; i++) {
      char c = out.charAt(i);
      if (c == '.') {
        afterPoint = true;
      } else if (c == 'E') {
        point += Integer.parseInt(out, i + 1, end, 10);
        break;
      } else if (c == '0' && nd == 0) {
        if (afterPoint) {
          point--; // a leading zero after the point: 0.005
        }
      } else {
        digits = digits * 10 + (c - '0');
        nd++;
        if (!afterPoint) {
          point++;
        }
      }
    }
    while (digits % 10 == 0) {
      digits /= 10;
      nd--;
    }
    out.setLength(start);
    if (negative) {
      out.append('-');
    }
    int exponent = point - 1;
    if (exponent < -4 || exponent >= 6) {
      out.append(digit(digits, nd, 0));
      if (nd > 1) {
        out.append('.');
        for (int i = 1; i < nd; i++) {
          out.append(digit(digits, nd, i));
        }
      }
      out.append('e').append(exponent < 0 ? '-' : '+');
      int magnitude = Math.abs(exponent);
      if (magnitude < 10) {
        out.append('0');
      }
      return out.append(magnitude);
    }
    if (point <= 0) {
      out.append("0.");
      for (int i = point; i < 0; i++) {
        out.append('0');
      }
      for (int i = 0; i < nd; i++) {
        out.append(digit(digits, nd, i));
      }
      return out;
    }
    for (int i = 0; i < point; i++) {
      out.append(i < nd ? digit(digits, nd, i) : '0');
    }
    out.append('.');
    if (nd <= point) {
      return out.append('0');
    }
    for (int i = point; i < nd; i++) {
      out.append(digit(digits, nd, i));
    }
    return out;
  }

  private static char digit(long digits, int nd, int i) {
    return (char) ('0' + digits / POW10[nd - 1 - i] % 10);
  }
}
