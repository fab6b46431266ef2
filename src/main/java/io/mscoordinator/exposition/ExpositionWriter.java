package io.mscoordinator.exposition;

import io.mscoordinator.store.MetricUnit;
import java.util.Arrays;

/**
 * Renders families into a reused byte buffer in one {@link ExpositionFormat}, without allocating
 * per family or per series: a sample line is checked for room once and then written with plain
 * array stores; a name is encoded once per run of lines that share it, label blocks come
 * pre-escaped from the store, integers (and integral doubles) are written as ASCII digits, other
 * doubles through a reused {@link StringBuilder} (whose {@code append(double)} writes in place
 * since JDK 19), and label values such as {@code quantile="0.99"} are memoized after their first
 * formatting.
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
  private static final byte[] MINUS_INF = ascii("-Inf");
  private static final byte[] NAN = ascii("NaN");
  private static final byte[] LONG_MIN = ascii(Long.toString(Long.MIN_VALUE));

  /** Room a sample line needs beyond its name and label block: suffix, le/quantile, two numbers. */
  private static final int LINE_SLACK = 96;

  /** Distinct non-integral label values memoized (quantiles, fractional bounds); then formatted. */
  private static final int LABEL_MEMO = 64;

  private final StringBuilder number = new StringBuilder(32);
  private final double[] memoKeys = new double[LABEL_MEMO];
  private final byte[][] memoTexts = new byte[LABEL_MEMO][];
  private int memoSize;
  private byte[] out = new byte[64 * 1024];
  private String nameKey;
  private byte[] nameBytes = new byte[128];
  private int nameLength;
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

  /**
   * Appends bytes a source encoded earlier with this or another writer (cached sample lines, which
   * are the same in both formats).
   */
  public void raw(byte[] b) {
    bytes(b);
  }

  /** Drops everything written after the first {@code length} bytes (a source's scratch lines). */
  public void truncate(int length) {
    if (length < 0 || length > this.length) {
      throw new IllegalArgumentException("length " + length + " outside [0, " + this.length + "]");
    }
    this.length = length;
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
    line(name, labels);
    put(TOTAL);
    labels(labels, null, null, 0);
    out[length++] = ' ';
    longValue(value);
    out[length++] = '\n';
  }

  /** A gauge sample. */
  public void gauge(String name, byte[] labels, double value) {
    line(name, labels);
    labels(labels, null, null, 0);
    out[length++] = ' ';
    doubleValue(value);
    out[length++] = '\n';
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
      line(name, labels);
      put(BUCKET);
      labels(labels, LE, null, bounds[i]);
      out[length++] = ' ';
      longValue(cumulative[i]);
      out[length++] = '\n';
    }
    line(name, labels);
    put(BUCKET);
    labels(labels, LE, INF, 0);
    out[length++] = ' ';
    longValue(count);
    out[length++] = '\n';
    line(name, labels);
    put(SUM);
    labels(labels, null, null, 0);
    out[length++] = ' ';
    doubleValue(sum);
    out[length++] = '\n';
    line(name, labels);
    put(COUNT);
    labels(labels, null, null, 0);
    out[length++] = ' ';
    longValue(count);
    out[length++] = '\n';
  }

  /** One quantile sample of a summary series. */
  public void quantile(String name, byte[] labels, double quantile, double value) {
    line(name, labels);
    labels(labels, QUANTILE, null, quantile);
    out[length++] = ' ';
    doubleValue(value);
    out[length++] = '\n';
  }

  /**
   * Starts a sample line: makes room for all of it, so the rest of the line is plain array stores
   * (doubles that take the {@link StringBuilder} path check again), and writes the name.
   */
  private void line(String name, byte[] labels) {
    if (name != nameKey) {
      encodeName(name);
    }
    ensure(nameLength + labels.length + LINE_SLACK);
    System.arraycopy(nameBytes, 0, out, length, nameLength);
    length += nameLength;
  }

  private void encodeName(String name) {
    int n = name.length();
    if (nameBytes.length < n) {
      nameBytes = new byte[Math.max(n, nameBytes.length * 2)];
    }
    for (int i = 0; i < n; i++) {
      nameBytes[i] = (byte) name.charAt(i);
    }
    nameLength = n;
    nameKey = name;
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
    out[length++] = '{';
    System.arraycopy(labels, 0, out, length, labels.length);
    length += labels.length;
    if (extraKey != null) {
      if (any) {
        out[length++] = ',';
      }
      put(extraKey);
      if (extraText != null) {
        put(extraText);
      } else {
        labelNumber(extraNumber);
      }
      out[length++] = '"';
    }
    out[length++] = '}';
  }

  /**
   * A label value: integral values directly, others memoized so a render does not reformat them.
   */
  private void labelNumber(double value) {
    if (integral(value)) {
      doubleValue(value);
      return;
    }
    long bits = Double.doubleToRawLongBits(value);
    for (int i = 0; i < memoSize; i++) {
      if (Double.doubleToRawLongBits(memoKeys[i]) == bits) {
        put(memoTexts[i]);
        return;
      }
    }
    int start = length;
    doubleValue(value);
    if (memoSize < LABEL_MEMO) {
      memoKeys[memoSize] = value;
      memoTexts[memoSize++] = Arrays.copyOfRange(out, start, length);
    }
  }

  private void longValue(long value) {
    if (value < 0) {
      if (value == Long.MIN_VALUE) {
        put(LONG_MIN);
        return;
      }
      out[length++] = '-';
      value = -value;
    }
    int digits = 1;
    for (long v = value; v >= 10; v /= 10) {
      digits++;
    }
    int at = length + digits;
    length = at;
    do {
      long q = value / 10;
      out[--at] = (byte) ('0' + (value - q * 10));
      value = q;
    } while (value != 0);
  }

  private void doubleValue(double value) {
    if (Double.isNaN(value)) {
      put(NAN);
    } else if (value == Double.POSITIVE_INFINITY) {
      put(INF);
    } else if (value == Double.NEGATIVE_INFINITY) {
      put(MINUS_INF);
    } else if (integral(value)) {
      longValue((long) value);
      out[length++] = '.';
      out[length++] = '0';
    } else {
      number.setLength(0);
      number.append(value);
      int n = number.length();
      ensure(n);
      for (int i = 0; i < n; i++) {
        out[length++] = (byte) number.charAt(i);
      }
    }
  }

  /** Written as {@code <digits>.0}; larger ones take {@code Double.toString}'s exponent form. */
  private static boolean integral(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15;
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

  /** ASCII text: names, keywords. */
  private void text(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      out[length + i] = (byte) s.charAt(i);
    }
    length += n;
  }

  private void bytes(byte[] b) {
    ensure(b.length);
    put(b);
  }

  /** Copies {@code b}; the caller has made room. */
  private void put(byte[] b) {
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
    if (n > out.length - length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, length + n));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }
}
