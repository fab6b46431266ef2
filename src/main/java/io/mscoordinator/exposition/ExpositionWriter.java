package io.mscoordinator.exposition;

import io.mscoordinator.store.MetricUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Renders families into a reused byte buffer in one {@link ExpositionFormat}, without allocating
 * per family or per series in the steady state: names and keywords are encoded to ASCII once and
 * then copied with {@link System#arraycopy}, label blocks come pre-escaped from the store, the
 * {@code le} texts of a family's bounds are formatted once per family, integers are written as
 * ASCII digits and other doubles through a reused {@link StringBuilder} (whose {@code
 * append(double)} writes in place since JDK 19). The buffer grows by doubling and is kept.
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

  private byte[] out = new byte[64 * 1024];
  private final StringBuilder number = new StringBuilder(32);
  // Names, keywords and units: a bounded set (the store's families), encoded once.
  private final Map<String, byte[]> encoded = new HashMap<>();
  private String lastText;
  private byte[] lastTextBytes;
  // The le="..." texts of the family being written; one family's series share its bounds.
  private double[] lastBounds;
  private byte[][] lastBoundTexts;
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
    return out;
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
    byte[][] boundTexts = boundTexts(bounds);
    for (int i = 0; i < bounds.length; i++) {
      text(name);
      bytes(BUCKET);
      labels(labels, LE, boundTexts[i], 0);
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
    out[length++] = '{';
    System.arraycopy(labels, 0, out, length, labels.length);
    length += labels.length;
    if (extraKey != null) {
      if (any) {
        out[length++] = ',';
      }
      bytes(extraKey);
      if (extraText != null) {
        bytes(extraText);
      } else {
        doubleValue(extraNumber);
      }
      ensure(1);
      out[length++] = '"';
    }
    ensure(1);
    out[length++] = '}';
  }

  /** The {@code le} label texts of {@code bounds}, formatted once per family. */
  private byte[][] boundTexts(double[] bounds) {
    if (bounds != lastBounds) {
      byte[][] texts = new byte[bounds.length][];
      for (int i = 0; i < bounds.length; i++) {
        int start = length;
        doubleValue(bounds[i]);
        texts[i] = Arrays.copyOfRange(out, start, length);
        length = start;
      }
      lastBounds = bounds;
      lastBoundTexts = texts;
    }
    return lastBoundTexts;
  }

  private void longValue(long value) {
    ensure(20);
    if (value == Long.MIN_VALUE) {
      text("-9223372036854775808");
      return;
    }
    if (value < 0) {
      out[length++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long v = value; v >= 10; v /= 10) {
      digits++;
    }
    int end = length + digits;
    for (int i = end - 1; i >= length; i--) {
      out[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    length = end;
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
        out[length++] = (byte) number.charAt(i);
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
      out[length++] = (byte) c;
    } else if (c < 0x800) {
      out[length++] = (byte) (0xC0 | (c >> 6));
      out[length++] = (byte) (0x80 | (c & 0x3F));
    } else if (Character.isHighSurrogate(c)
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1))) {
      int cp = Character.toCodePoint(c, s.charAt(i + 1));
      out[length++] = (byte) (0xF0 | (cp >> 18));
      out[length++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
      out[length++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
      out[length++] = (byte) (0x80 | (cp & 0x3F));
      return i + 1;
    } else {
      out[length++] = (byte) (0xE0 | (c >> 12));
      out[length++] = (byte) (0x80 | ((c >> 6) & 0x3F));
      out[length++] = (byte) (0x80 | (c & 0x3F));
    }
    return i;
  }

  /** ASCII text: names, keywords, units (a bounded set, each encoded once). */
  private void text(String s) {
    if (s != lastText) {
      lastTextBytes = encoded.computeIfAbsent(s, ExpositionWriter::narrow);
      lastText = s;
    }
    bytes(lastTextBytes);
  }

  /** Each char as one byte, as the ASCII fast path always wrote names. */
  private static byte[] narrow(String s) {
    byte[] b = new byte[s.length()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) s.charAt(i);
    }
    return b;
  }

  private void bytes(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, out, length, b.length);
    length += b.length;
  }

  private void space() {
    ensure(1);
    out[length++] = ' ';
  }

  private void newline() {
    ensure(1);
    out[length++] = '\n';
  }

  private void ensure(int n) {
    if (length + n > out.length) {
      out = Arrays.copyOf(out, Math.max(length + n, out.length * 2));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
