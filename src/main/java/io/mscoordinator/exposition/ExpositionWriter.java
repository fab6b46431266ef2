package io.mscoordinator.exposition;

import io.mscoordinator.store.MetricUnit;
import org.agrona.ExpandableArrayBuffer;

/**
 * Renders families into a reused byte buffer in one {@link ExpositionFormat}, without allocating
 * per family or per series: names and HELP are copied char by char (ASCII fast path), label blocks
 * come pre-escaped from the store, integers are written as ASCII digits and doubles through a
 * reused {@link StringBuilder} (whose {@code append(double)} writes in place since JDK 19).
 *
 * <p>Confined to one rendering thread at a time; {@link MetricsHandler} pools instances.
 *
 * <p>Format differences handled here: a counter's samples are {@code <family>_total} in both
 * formats (the text format's {@code # HELP}/{@code # TYPE} lines name the {@code _total} sample, as
 * client_java 1.x and the OpenTelemetry Prometheus exporter do, so parsers see one family);
 * OpenMetrics adds {@code # UNIT} when the family name ends with the unit, escapes {@code "} in
 * HELP, and ends with {@code # EOF}.
 */
public final class ExpositionWriter {
  private static final byte[] TOTAL = ascii("_total");
  private static final byte[] BUCKET = ascii("_bucket");
  private static final byte[] SUM = ascii("_sum");
  private static final byte[] COUNT = ascii("_count");
  private static final byte[] LE = ascii("le=\"");
  private static final byte[] QUANTILE = ascii("quantile=\"");
  private static final byte[] INF = ascii("+Inf");

  private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64 * 1024);
  private final StringBuilder number = new StringBuilder(32);
  private long[] scratch = new long[64];
  private ExpositionFormat format = ExpositionFormat.PROMETHEUS_TEXT;
  private int length;

  /** Starts a new body in {@code format}, keeping the buffers. */
  public void reset(ExpositionFormat format) {
    this.format = format;
    this.length = 0;
  }

  /** The format of the body being written. */
  public ExpositionFormat format() {
    return format;
  }

  /** The body so far: {@code array()[0..length())}. */
  public byte[] array() {
    return out.byteArray();
  }

  /** Bytes written so far. */
  public int length() {
    return length;
  }

  /** A reused scratch array of at least {@code n} longs, for a source's per-series arithmetic. */
  public long[] scratch(int n) {
    if (scratch.length < n) {
      scratch = new long[Math.max(n, scratch.length * 2)];
    }
    return scratch;
  }

  /** Writes {@code # EOF} for OpenMetrics; nothing for the text format. */
  public void finish() {
    if (format == ExpositionFormat.OPENMETRICS) {
      text("# EOF\n");
    }
  }

  /** Starts a counter family; {@code name} without {@code _total}. */
  public void counterFamily(String name, MetricUnit unit, String help) {
    header(name, true, "counter", unit, help);
  }

  /** Starts a gauge family. */
  public void gaugeFamily(String name, MetricUnit unit, String help) {
    header(name, false, "gauge", unit, help);
  }

  /** Starts a histogram family. */
  public void histogramFamily(String name, MetricUnit unit, String help) {
    header(name, false, "histogram", unit, help);
  }

  /** Starts a summary family. */
  public void summaryFamily(String name, MetricUnit unit, String help) {
    header(name, false, "summary", unit, help);
  }

  /** A counter sample {@code <name>_total{labels} value}. */
  public void counter(String name, byte[] labels, long value) {
    text(name);
    bytes(TOTAL);
    labels(labels, null, null, 0);
    space();
    longValue(value);
    newline();
  }

  /** A gauge sample. */
  public void gauge(String name, byte[] labels, double value) {
    text(name);
    labels(labels, null, null, 0);
    space();
    doubleValue(value);
    newline();
  }

  /**
   * The samples of one histogram series.
   *
   * @param bounds upper bounds without +Inf
   * @param cumulative cumulative counts per bound (at least {@code bounds.length} entries)
   */
  public void histogram(
      String name, byte[] labels, double[] bounds, long[] cumulative, long count, double sum) {
    for (int i = 0; i < bounds.length; i++) {
      text(name);
      bytes(BUCKET);
      labels(labels, LE, null, bounds[i]);
      space();
      longValue(cumulative[i]);
      newline();
    }
    text(name);
    bytes(BUCKET);
    labels(labels, LE, INF, 0);
    space();
    longValue(count);
    newline();
    text(name);
    bytes(SUM);
    labels(labels, null, null, 0);
    space();
    doubleValue(sum);
    newline();
    text(name);
    bytes(COUNT);
    labels(labels, null, null, 0);
    space();
    longValue(count);
    newline();
  }

  /** One quantile sample of a summary series. */
  public void quantile(String name, byte[] labels, double quantile, double value) {
    text(name);
    labels(labels, QUANTILE, null, quantile);
    space();
    doubleValue(value);
    newline();
  }

  private void header(String name, boolean counter, String type, MetricUnit unit, String help) {
    boolean openMetrics = format == ExpositionFormat.OPENMETRICS;
    boolean suffix = counter && !openMetrics;
    text("# HELP ");
    text(name);
    if (suffix) {
      bytes(TOTAL);
    }
    space();
    help(help, openMetrics);
    newline();
    text("# TYPE ");
    text(name);
    if (suffix) {
      bytes(TOTAL);
    }
    space();
    text(type);
    newline();
    String word = unit.openMetricsUnit();
    if (openMetrics
        && !word.isEmpty()
        && name.length() > word.length()
        && name.endsWith(word)
        && name.charAt(name.length() - word.length() - 1) == '_') {
      text("# UNIT ");
      text(name);
      space();
      text(word);
      newline();
    }
  }

  /**
   * {@code {labels,extra"value"}}: {@code extraKey} is {@code le="} or {@code quantile="} or null;
   * its value is {@code extraText} when given, else {@code extraNumber}.
   */
  private void labels(byte[] labels, byte[] extraKey, byte[] extraText, double extraNumber) {
    boolean any = labels.length > 0;
    if (!any && extraKey == null) {
      return;
    }
    ensure(labels.length + 2);
    out.putByte(length++, (byte) '{');
    out.putBytes(length, labels);
    length += labels.length;
    if (extraKey != null) {
      if (any) {
        out.putByte(length++, (byte) ',');
      }
      bytes(extraKey);
      if (extraText != null) {
        bytes(extraText);
      } else {
        doubleValue(extraNumber);
      }
      ensure(1);
      out.putByte(length++, (byte) '"');
    }
    ensure(1);
    out.putByte(length++, (byte) '}');
  }

  private void longValue(long value) {
    ensure(20);
    length += out.putLongAscii(length, value);
  }

  private void doubleValue(double value) {
    if (Double.isNaN(value)) {
      text("NaN");
    } else if (value == Double.POSITIVE_INFINITY) {
      bytes(INF);
    } else if (value == Double.NEGATIVE_INFINITY) {
      text("-Inf");
    } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      longValue((long) value);
      text(".0");
    } else {
      number.setLength(0);
      number.append(value);
      ensure(number.length());
      for (int i = 0; i < number.length(); i++) {
        out.putByte(length++, (byte) number.charAt(i));
      }
    }
  }

  private void help(String help, boolean escapeQuote) {
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      if (c == '\\') {
        text("\\\\");
      } else if (c == '\n') {
        text("\\n");
      } else if (c == '"' && escapeQuote) {
        text("\\\"");
      } else {
        i = utf8(help, i, c);
      }
    }
  }

  /** Writes the char at {@code i} (and its low surrogate) as UTF-8; returns the last index used. */
  private int utf8(String s, int i, char c) {
    ensure(4);
    if (c < 0x80) {
      out.putByte(length++, (byte) c);
    } else if (c < 0x800) {
      out.putByte(length++, (byte) (0xC0 | (c >> 6)));
      out.putByte(length++, (byte) (0x80 | (c & 0x3F)));
    } else if (Character.isHighSurrogate(c)
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1))) {
      int cp = Character.toCodePoint(c, s.charAt(i + 1));
      out.putByte(length++, (byte) (0xF0 | (cp >> 18)));
      out.putByte(length++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
      out.putByte(length++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
      out.putByte(length++, (byte) (0x80 | (cp & 0x3F)));
      return i + 1;
    } else {
      out.putByte(length++, (byte) (0xE0 | (c >> 12)));
      out.putByte(length++, (byte) (0x80 | ((c >> 6) & 0x3F)));
      out.putByte(length++, (byte) (0x80 | (c & 0x3F)));
    }
    return i;
  }

  /** ASCII text: names, keywords. */
  private void text(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      out.putByte(length + i, (byte) s.charAt(i));
    }
    length += n;
  }

  private void bytes(byte[] b) {
    ensure(b.length);
    out.putBytes(length, b);
    length += b.length;
  }

  private void space() {
    ensure(1);
    out.putByte(length++, (byte) ' ');
  }

  private void newline() {
    ensure(1);
    out.putByte(length++, (byte) '\n');
  }

  private void ensure(int n) {
    out.checkLimit(length + n);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
