package io.mscoordinator.exposition;

import io.mscoordinator.series.CanonicalNumbers;
import io.mscoordinator.series.Escaping;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Writes metric families into a reused byte buffer in one exposition format: {@link
 * PrometheusTextWriter} (text 0.0.4) or {@link OpenMetricsTextWriter} (OpenMetrics 1.0). Every
 * {@link FamilySource} (engine, merged node and self families) writes through these methods, so a
 * body has one number format and one escaping whatever wrote it.
 *
 * <p>Numbers, the same in both formats:
 *
 * <ul>
 *   <li>sample values: integral values below 10^15 as integer digits without {@code .0} ({@code 5},
 *       as Prometheus' Go client, prometheus-cpp and promtool print them), others as the shortest
 *       decimal that reads back as the same double ({@code Double.toString}, e.g. {@code 0.25},
 *       {@code 1.0E-5}, {@code 1.0E20}), and {@code NaN}, {@code +Inf}, {@code -Inf};
 *   <li>{@code le} and {@code quantile} label values: OpenMetrics' canonical numbers ({@link
 *       CanonicalNumbers}: {@code 5.0}, {@code 0.005}, {@code 1e+06}, {@code +Inf}), which
 *       OpenMetrics requires and Prometheus 3 normalizes to in either format.
 * </ul>
 *
 * <p>Label values are escaped by {@link Escaping} (backslash, double quote, line feed) in both
 * formats; HELP text the same way except that the text format leaves double quotes as they are.
 *
 * <p>Two paths. The engine's families use the typed sample methods ({@link #counter}, {@link
 * #gauge}, {@link #histogram}, {@link #quantile}), which allocate nothing per family or series: a
 * sample line is checked for room once and then written with plain array stores; a name is encoded
 * once per run of lines that share it, label blocks come pre-escaped ({@code Labels.block()}),
 * integers (and integral doubles) are written as ASCII digits, other doubles through a reused
 * {@link StringBuilder}, and non-integral {@code le}/{@code quantile} values are memoized after
 * their first formatting. Families of any shape (the merged node families) use {@link
 * #startSample}, {@link #label} and {@link #endSample}, which take a sample's full name and its
 * unescaped labels.
 *
 * <p>Confined to one rendering thread at a time; {@link MetricsHandler} pools instances.
 */
public abstract sealed class ExpositionWriter permits PrometheusTextWriter, OpenMetricsTextWriter {
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
  private int length;

  /** The family being written, for the rules of {@link #startSample}. */
  private MetricType familyType;

  private String familyName;
  private boolean familyWritten = true;
  private boolean previousWasSum;
  private boolean skipping;
  private boolean labelsOpen;

  ExpositionWriter() {}

  /** The Content-Type of a body this writer writes. */
  public abstract String contentType();

  /** The format this writer writes. */
  public abstract ExpositionFormat format();

  /**
   * Renders one whole body: resets, writes every source's families in list order, finishes. The
   * body is then {@code array()[0..length())}.
   */
  public final void render(List<FamilySource> sources) {
    reset();
    for (int i = 0; i < sources.size(); i++) {
      sources.get(i).writeFamilies(this);
    }
    finish();
  }

  /** Starts a new body, keeping the buffers. */
  public final void reset() {
    length = 0;
    familyType = null;
    familyName = null;
    familyWritten = true;
  }

  /** The body so far: {@code array()[0..length())}. */
  public final byte[] array() {
    return out;
  }

  /** Bytes written so far. */
  public final int length() {
    return length;
  }

  /**
   * Appends bytes a source encoded earlier with a writer of this format (or sample lines, which are
   * the same in both formats).
   */
  public final void raw(byte[] b) {
    ensure(b.length);
    put(b);
  }

  /** Drops everything written after the first {@code length} bytes (a source's scratch lines). */
  public final void truncate(int length) {
    if (length < 0 || length > this.length) {
      throw new IllegalArgumentException(
          "length outside the body: length=" + length + " written=" + this.length);
    }
    this.length = length;
  }

  /** A reused scratch array of at least {@code n} longs, for a source's per-series arithmetic. */
  public final long[] scratch(int n) {
    if (scratch.length < n) {
      scratch = new long[Math.max(n, scratch.length * 2)];
    }
    return scratch;
  }

  /** Ends the body: {@code # EOF} in OpenMetrics, nothing in the text format. */
  public abstract void finish();

  // ------------------------------------------------------------------ family headers

  /**
   * Starts a family: its HELP, TYPE and (OpenMetrics) UNIT lines as the format names them.
   *
   * <p>{@code name} is the family's name as OpenMetrics has it: a counter's without {@code _total}
   * (its samples are {@code name_total}), an info's without {@code _info}. The text format has no
   * {@code unknown}, {@code info}, {@code stateset} or {@code gaugehistogram}: it writes {@code
   * untyped}, a gauge named {@code name_info}, a gauge, and leaves a gauge histogram out (this
   * returns false, and the family's samples written through {@link #startSample} are dropped). The
   * text format also names a counter after its samples ({@code # TYPE name_total counter}), as
   * client_java 1.x and Prometheus' Go client do, so that parsers see one family.
   *
   * @param unit the OpenMetrics unit ({@code seconds}, {@code bytes}), or null or empty for none;
   *     written only in OpenMetrics and only when {@code name} ends with {@code _<unit>}
   * @param help the HELP text, unescaped; null for no HELP line
   * @return whether this format carries the family
   */
  public final boolean family(MetricType type, String name, String unit, String help) {
    begin(type, name);
    familyWritten = header(type, name, unit, help);
    return familyWritten;
  }

  /**
   * Starts a counter family whose samples carry no {@code _total} (text-format nodes such as TGI's
   * {@code tgi_request_count}): a counter named after its samples in the text format, {@code
   * unknown} in OpenMetrics, whose counters need the suffix, so that the series keep their names.
   */
  public final void counterFamilyWithoutTotal(String name, String unit, String help) {
    begin(MetricType.COUNTER, name);
    familyWritten = true;
    counterWithoutTotalHeader(name, unit, help);
  }

  /** Starts a counter family; {@code name} without {@code _total}. */
  public final void counterFamily(String name, String unit, String help) {
    family(MetricType.COUNTER, name, unit, help);
  }

  /** Starts a counter family without a unit. */
  public final void counterFamily(String name, String help) {
    family(MetricType.COUNTER, name, null, help);
  }

  /** Starts a gauge family. */
  public final void gaugeFamily(String name, String unit, String help) {
    family(MetricType.GAUGE, name, unit, help);
  }

  /** Starts a gauge family without a unit. */
  public final void gaugeFamily(String name, String help) {
    family(MetricType.GAUGE, name, null, help);
  }

  /** Starts a histogram family. */
  public final void histogramFamily(String name, String unit, String help) {
    family(MetricType.HISTOGRAM, name, unit, help);
  }

  /** Starts a summary family. */
  public final void summaryFamily(String name, String unit, String help) {
    family(MetricType.SUMMARY, name, unit, help);
  }

  /** The format's header lines of {@link #family}; false when the format has no such family. */
  abstract boolean header(MetricType type, String name, String unit, String help);

  /** The format's header lines of {@link #counterFamilyWithoutTotal}. */
  abstract void counterWithoutTotalHeader(String name, String unit, String help);

  /**
   * Whether a histogram's {@code _count} sample is written only right after its {@code _sum}
   * (OpenMetrics wants both or neither; the text format takes a lone {@code _count}).
   */
  abstract boolean countNeedsSum();

  private void begin(MetricType type, String name) {
    familyType = type;
    familyName = name;
    previousWasSum = false;
  }

  /** {@code # HELP <name><suffix> <help>}, nothing when {@code help} is null. */
  final void helpLine(String name, String suffix, String help, boolean quotes) {
    if (help == null) {
      return;
    }
    text("# HELP ");
    text(name);
    text(suffix);
    ensure(1 + Escaping.maxBytes(help) + 1);
    out[length++] = ' ';
    length = Escaping.escape(help, quotes, out, length);
    out[length++] = '\n';
  }

  /** {@code # TYPE <name><suffix> <word>}. */
  final void typeLine(String name, String suffix, String word) {
    text("# TYPE ");
    text(name);
    text(suffix);
    text(" ");
    text(word);
    text("\n");
  }

  /** {@code # UNIT <name> <unit>} when the unit is given and {@code name} ends with it. */
  final void unitLine(String name, String unit) {
    if (unit != null
        && !unit.isEmpty()
        && name.length() > unit.length()
        && name.endsWith(unit)
        && name.charAt(name.length() - unit.length() - 1) == '_') {
      text("# UNIT ");
      text(name);
      text(" ");
      text(unit);
      text("\n");
    }
  }

  // ------------------------------------------------------------------ samples of any family

  /**
   * Starts a sample line of the current family with its full name ({@code x_total}, {@code
   * x_bucket}, ...); {@link #label} adds its labels, {@link #endSample} its value. The line is
   * dropped when its family is not carried by this format, and in OpenMetrics when it is a
   * histogram's {@code _count} that does not follow its {@code _sum}.
   */
  public final void startSample(String name) {
    boolean sum = suffixed(name, "_sum");
    skipping =
        !familyWritten
            || countNeedsSum()
                && familyType == MetricType.HISTOGRAM
                && !previousWasSum
                && suffixed(name, "_count");
    previousWasSum = sum;
    labelsOpen = false;
    if (!skipping) {
      text(name);
    }
  }

  /** A label of the sample started last; {@code value} unescaped. */
  public final void label(String name, String value) {
    if (skipping) {
      return;
    }
    ensure(name.length() + Escaping.maxBytes(value) + 4);
    out[length++] = (byte) (labelsOpen ? ',' : '{');
    labelsOpen = true;
    for (int i = 0; i < name.length(); i++) {
      out[length++] = (byte) name.charAt(i);
    }
    out[length++] = '=';
    out[length++] = '"';
    length = Escaping.escape(value, true, out, length);
    out[length++] = '"';
  }

  /** Ends the sample started last with its value. */
  public final void endSample(double value) {
    if (skipping) {
      skipping = false;
      return;
    }
    ensure(LINE_SLACK);
    if (labelsOpen) {
      out[length++] = '}';
    }
    out[length++] = ' ';
    doubleValue(value);
    out[length++] = '\n';
  }

  private boolean suffixed(String name, String suffix) {
    String family = familyName;
    return family != null
        && name.length() == family.length() + suffix.length()
        && name.startsWith(family)
        && name.endsWith(suffix);
  }

  // ------------------------------------------------------------------ engine samples

  /** A counter sample {@code <name>_total{labels} value}. */
  public final void counter(String name, byte[] labels, long value) {
    line(name, labels);
    put(TOTAL);
    labels(labels, null, null, 0);
    out[length++] = ' ';
    longValue(value);
    out[length++] = '\n';
  }

  /** A gauge sample. */
  public final void gauge(String name, byte[] labels, double value) {
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
  public final void histogram(
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
  public final void quantile(String name, byte[] labels, double quantile, double value) {
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
   * An {@code le} or {@code quantile} value in {@link CanonicalNumbers}' form: integral values
   * below 10^6 directly as digits and {@code .0} (their canonical text), others memoized so a
   * render does not format them again.
   */
  private void labelNumber(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e6) {
      longValue((long) value);
      out[length++] = '.';
      out[length++] = '0';
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
    number.setLength(0);
    chars(CanonicalNumbers.append(value, number));
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

  /** A sample value: see the class comment. */
  private void doubleValue(double value) {
    if (Double.isNaN(value)) {
      put(NAN);
    } else if (value == Double.POSITIVE_INFINITY) {
      put(INF);
    } else if (value == Double.NEGATIVE_INFINITY) {
      put(MINUS_INF);
    } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      longValue((long) value);
    } else {
      number.setLength(0);
      chars(number.append(value));
    }
  }

  /** ASCII chars of a formatted number. */
  private void chars(StringBuilder s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      out[length++] = (byte) s.charAt(i);
    }
  }

  /** ASCII text: names, keywords. */
  final void text(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      out[length + i] = (byte) s.charAt(i);
    }
    length += n;
  }

  /** Copies {@code b}; the caller has made room. */
  private void put(byte[] b) {
    System.arraycopy(b, 0, out, length, b.length);
    length += b.length;
  }

  private void ensure(int n) {
    if (n > out.length - length) {
      out = Arrays.copyOf(out, Math.max(out.length * 2, length + n));
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
