package io.mscoordinator.scrape;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.MetricType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the parsers of the two text exposition formats share: the cursor over the body, the tokens
 * both spell alike (metric names, label names, quoted values and their escapes, numbers), and the
 * intern tables that take a sample line's key bytes to its series.
 *
 * <p>Confined to the node's scrape thread. The tables are kept across bodies: a sample line whose
 * key (name and labels) is byte for byte one seen before costs one compare with the key the last
 * body had at the same position (one hash and a compare when the line moved), with no String built.
 * A key is resolved (names checked, escapes decoded, labels sorted) only the first time its bytes
 * are seen under a family. Values are converted without a String unless they have more than 18
 * significant digits ({@link FloatParser}).
 *
 * <p>A format's subclass reads its lines: it finds each sample's entry (the last body's at the same
 * position, {@link #guess}, when the key bytes and the family still fit, else {@link
 * #lookupHashed}), checks the sample by its format's rules and adds it with {@link #add}. The
 * series' cells come from the node's {@link SeriesCells}, shared with the node's parser of the
 * other format.
 */
abstract class BodyParser implements NodeBodyParser {
  /** One interned sample key: its bytes, the family it was resolved under, its series. */
  static final class Entry {
    byte[] key;
    int hash;
    Entry next;
    Slot family;
    MetricType type;
    Series series;
    SeriesCell cell;
  }

  /**
   * A family name seen by this parser: its family in the body being parsed (when {@link #epoch} is
   * this body's), and how many samples it had in the last body. Entries and remembered lines hold
   * their family's slot, so a sample or a repeated HELP line finds its family without a lookup.
   */
  static final class Slot {
    final String name;
    int epoch;
    ParsedFamily family;
    int lastSize = 4;

    /** Whether the name ends like a sample of another family ({@code _bucket}, ...). */
    final boolean suffixNamed;

    Slot(String name) {
      this.name = name;
      boolean suffixed = false;
      for (Series.Suffix suffix : Series.Suffix.values()) {
        suffixed |= suffix != Series.Suffix.NONE && name.endsWith(suffix.text);
      }
      this.suffixNamed = suffixed;
    }
  }

  /**
   * What the last body had at each position (its sample entries, or its HELP and TYPE lines), for
   * this body to try first at the same position: a node writes its lines in the same order scrape
   * after scrape. This body's positions become the last body's at {@link #endBody()}.
   */
  static final class Positions<T> {
    private Object[] last = new Object[0];
    private int lastSize;
    private Object[] next = new Object[64];
    private int size;

    /** What the last body had at this body's next position, or null. */
    @SuppressWarnings("unchecked")
    T guess() {
      return size < lastSize ? (T) last[size] : null;
    }

    /** Records what this body has at its next position. */
    void add(T item) {
      if (size == next.length) {
        next = Arrays.copyOf(next, 2 * size);
      }
      next[size++] = item;
    }

    void endBody() {
      Object[] old = last;
      last = next;
      lastSize = size;
      next = old.length >= 64 ? old : new Object[64];
      size = 0;
    }

    /** Nothing to guess from for the next body (the tables its items came from were cleared). */
    void forget() {
      lastSize = 0;
    }
  }

  /** Bytes a metric name may continue with: letters, digits, {@code _} and {@code :}. */
  private static final boolean[] NAME_CHAR = new boolean[128];

  static {
    for (int c = 0; c < 128; c++) {
      NAME_CHAR[c] =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || c == '_'
              || c == ':';
    }
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  final int maxSeries;
  private final SeriesPool pool;
  private final SeriesCells cells;

  /** {@link SeriesCells#clears()} as of this parser's tables: when it moves, they go. */
  private int cellClears;

  private Entry[] table = new Entry[1024];
  private int tableSize;

  /**
   * The entries of the last body in sample order, tried before the hash table: no hash to compute,
   * and entries read in the order they were made, which is how they lie in memory.
   */
  private final Positions<Entry> sampleOrder = new Positions<>();

  private final Map<String, String> names = new HashMap<>();

  private final Map<String, Slot> slots = new HashMap<>();

  // state of one parse
  byte[] b;
  int end;
  int pos;
  int line;

  /** This body's number ({@link SeriesCells#nextBody()}). */
  int epoch;

  /** The slots of this body's families, in body order. */
  final List<Slot> bodySlots = new ArrayList<>();

  /** The family the line being parsed belongs to. */
  ParsedFamily current;

  private int seriesCount;

  BodyParser(int maxSeries, SeriesPool pool, SeriesCells cells) {
    this.maxSeries = maxSeries;
    this.pool = pool;
    this.cells = cells;
    this.cellClears = cells.clears();
  }

  @Override
  public final List<ParsedFamily> parse(byte[] body, int length) throws ParseException {
    b = body;
    end = length;
    pos = 0;
    line = 1;
    bodySlots.clear();
    current = null;
    seriesCount = 0;
    epoch = cells.nextBody();
    if (cells.size() > 4 * maxSeries
        || names.size() > 8 * maxSeries
        || slots.size() > 8 * maxSeries) {
      cells.clear();
    }
    if (cellClears != cells.clears()) {
      // entries and remembered lines hold slots and cells: they go with them
      cellClears = cells.clears();
      names.clear();
      slots.clear();
      table = new Entry[1024];
      tableSize = 0;
      sampleOrder.forget();
      forgetSlots();
    }
    beginBody();
    try {
      return parseBody();
    } finally {
      b = null;
      current = null;
      sampleOrder.endBody();
      endBody();
    }
  }

  /** Reads the body {@code b[0..end)} from {@link #pos} 0, line 1. */
  abstract List<ParsedFamily> parseBody() throws ParseException;

  /** Sets up the format's state of one body. */
  void beginBody() {}

  /** Called after every body, parsed or refused. */
  void endBody() {}

  /** Drops whatever the format remembers that holds slots: the slots were cleared. */
  void forgetSlots() {}

  /**
   * The family of this body an entry's sample goes to, when the family the entry was resolved under
   * is the one its name resolves to now; null when the entry must be resolved again.
   */
  abstract ParsedFamily fittingFamily(Entry e);

  /** The family a sample named {@code name} belongs to, opening or making it as the format says. */
  abstract ParsedFamily familyFor(String name) throws ParseException;

  /** Parses a label set at '{' into the lists; leaves {@link #pos} after '}'. */
  abstract void parseLabels(List<String> labelNames, List<String> labelValues)
      throws ParseException;

  /**
   * A value word ({@code inf}, {@code infinity}, {@code nan}) as this format spells it, lower case;
   * anything else for a word the format does not take.
   */
  abstract String valueWord(String raw);

  /**
   * The format's own rules for a sample just resolved, before its series is made: its family, its
   * name, its suffix, its label names without the bound label, and that label's text and value
   * (null and NaN when none).
   */
  void checkSeries(
      ParsedFamily family,
      String name,
      Series.Suffix suffix,
      List<String> labelNames,
      String boundText,
      double bound)
      throws ParseException {}

  final ParseException error(String what) {
    return new ParseException("parse error: line=" + line + " reason=" + what);
  }

  /** Adds a family of this body to the result, and sizes its arrays for the next body by it. */
  static void keep(Slot slot, List<ParsedFamily> out) {
    out.add(slot.family);
    slot.lastSize = slot.family.size;
  }

  // ---------------------------------------------------------------- samples

  /** The entry the last body had at this sample's position, or null. */
  final Entry guess() {
    return sampleOrder.guess();
  }

  /** Records the entry of this body's next sample line, for the next body to guess. */
  final void positioned(Entry entry) {
    sampleOrder.add(entry);
  }

  /** Whether the bytes at {@code keyStart} begin with the entry's key. */
  final boolean startsWithKey(Entry guess, int keyStart) {
    byte[] key = guess.key;
    int keyEnd = keyStart + key.length;
    return keyEnd < end && Arrays.equals(key, 0, key.length, b, keyStart, keyEnd);
  }

  /**
   * The entry of the key {@code b[keyStart..keyEnd)}, whose name ends at {@code nameEnd}, from the
   * hash table when it fits this body's families, else resolved now (and interned). Sets {@link
   * #current} to the sample's family.
   */
  final Entry lookupHashed(int keyStart, int keyEnd, int nameEnd) throws ParseException {
    int hash = hash(b, keyStart, keyEnd);
    int mask = table.length - 1;
    for (Entry e = table[hash & mask]; e != null; e = e.next) {
      ParsedFamily fitting;
      if (e.hash == hash
          && Arrays.equals(e.key, 0, e.key.length, b, keyStart, keyEnd)
          && (fitting = fittingFamily(e)) != null) {
        current = fitting;
        return e;
      }
    }
    String name = intern(keyStart, nameEnd);
    ParsedFamily family = familyFor(name);
    int save = pos;
    List<String> labelNames = new ArrayList<>(4);
    List<String> labelValues = new ArrayList<>(4);
    if (keyEnd > nameEnd) {
      // the label set ends the key; only blanks (in text) lie between the name and it
      pos = nameEnd;
      while (b[pos] != '{') {
        pos++;
      }
      parseLabels(labelNames, labelValues);
    }
    pos = save;
    Series series = resolve(family, name, labelNames, labelValues);
    Entry e = null;
    for (Entry other = table[hash & mask]; other != null; other = other.next) {
      if (other.hash == hash
          && Arrays.equals(other.key, 0, other.key.length, b, keyStart, keyEnd)) {
        e = other; // same bytes, resolved under another family before: re-resolve in place
        break;
      }
    }
    if (e == null) {
      e = new Entry();
      e.key = Arrays.copyOfRange(b, keyStart, keyEnd);
      e.hash = hash;
      e.next = table[hash & mask];
      table[hash & mask] = e;
      if (++tableSize > table.length * 3 / 4) {
        grow();
      }
    }
    e.family = slot(family.name);
    e.type = family.type;
    e.series = series;
    e.cell = cells.cell(series);
    current = family;
    return e;
  }

  private void grow() {
    Entry[] old = table;
    table = new Entry[old.length * 2];
    int mask = table.length - 1;
    for (Entry head : old) {
      for (Entry e = head; e != null; ) {
        Entry next = e.next;
        e.next = table[e.hash & mask];
        table[e.hash & mask] = e;
        e = next;
      }
    }
  }

  private Series resolve(
      ParsedFamily family, String name, List<String> labelNames, List<String> labelValues)
      throws ParseException {
    Series.Suffix suffix = Series.Suffix.NONE;
    if (!name.equals(family.name)) {
      String rest = name.substring(family.name.length());
      for (Series.Suffix s : Series.Suffix.values()) {
        if (s.text.equals(rest)) {
          suffix = s;
        }
      }
      if (suffix == Series.Suffix.NONE) {
        throw error("sample does not belong to its family: name=" + name);
      }
    }
    MetricType type = family.type;
    if (type == MetricType.HISTOGRAM && suffix == Series.Suffix.NONE) {
      throw error("histogram sample without suffix: name=" + name);
    }
    String boundLabel = null;
    if (suffix == Series.Suffix.BUCKET) {
      boundLabel = "le";
    } else if (type == MetricType.SUMMARY && suffix == Series.Suffix.NONE) {
      boundLabel = "quantile";
    }
    double bound = Double.NaN;
    String boundText = null;
    if (boundLabel != null) {
      int i = labelNames.indexOf(boundLabel);
      if (i < 0) {
        throw error("missing label: name=" + name + " label=" + boundLabel);
      }
      boundText = labelValues.get(i);
      byte[] bytes = boundText.getBytes(StandardCharsets.UTF_8);
      bound = parseFloat(bytes, 0, bytes.length);
      if (Double.isNaN(bound)) {
        throw error("NaN bound: name=" + name + " " + boundLabel + "=" + boundText);
      }
      labelNames.remove(i);
      labelValues.remove(i);
    } else {
      // in both formats: the merge would group such a sample apart from its buckets or quantiles
      // and serve its group with the bound label twice
      if ((type == MetricType.HISTOGRAM || type == MetricType.GAUGE_HISTOGRAM)
          && labelNames.contains("le")) {
        throw error("le on a non-bucket sample: name=" + name);
      }
      if (type == MetricType.SUMMARY && labelNames.contains("quantile")) {
        throw error("quantile on a non-quantile sample: name=" + name);
      }
    }
    checkSeries(family, name, suffix, labelNames, boundText, bound);
    for (int i = 0; i < labelValues.size(); i++) {
      String v = labelValues.get(i);
      String interned = names.putIfAbsent(v, v);
      if (interned != null) {
        labelValues.set(i, interned);
      }
    }
    return pool.intern(new Series(family.name, suffix, Labels.of(labelNames, labelValues), bound));
  }

  /**
   * Adds a sample not yet seen in this body to {@link #current}, counting it against the series
   * limit; the format has checked it is not a repeat ({@code entry.cell.epoch != epoch}).
   */
  final void add(Entry entry, double value, long timestamp) throws ParseException {
    if (++seriesCount > maxSeries) {
      throw error("series limit reached: limit=" + maxSeries);
    }
    ParsedFamily family = current;
    SeriesCell cell = entry.cell;
    cell.epoch = epoch;
    cell.family = family;
    cell.index = family.size;
    cell.timestamp = timestamp;
    family.add(entry.series, value, cell);
  }

  // ---------------------------------------------------------------- families

  /** The slot of a family name, made on first sight. */
  final Slot slot(String name) {
    return slots.computeIfAbsent(name, Slot::new);
  }

  /** This body's family of a slot, or null. */
  final ParsedFamily family(Slot slot) {
    return slot.epoch == epoch ? slot.family : null;
  }

  /** This body's family named {@code name}, or null. */
  final ParsedFamily family(String name) {
    Slot slot = slots.get(name);
    return slot == null ? null : family(slot);
  }

  /**
   * Adds the family {@code name} to this body, its arrays sized as the family was in the last body.
   */
  final ParsedFamily addFamily(String name) {
    return addFamily(slot(name));
  }

  ParsedFamily addFamily(Slot slot) {
    ParsedFamily family = new ParsedFamily(slot.name, MetricType.UNKNOWN, slot.lastSize);
    slot.family = family;
    slot.epoch = epoch;
    bodySlots.add(slot);
    return family;
  }

  // ---------------------------------------------------------------- tokens

  /**
   * A hash of {@code bytes[from..to)}, eight bytes per step: the key of every sample line is hashed
   * on every scrape, so this is on the parser's hottest path.
   */
  static int hash(byte[] bytes, int from, int to) {
    long h = 0x9E3779B97F4A7C15L ^ (to - from);
    int i = from;
    for (; i + 8 <= to; i += 8) {
      h = Long.rotateLeft(h ^ (long) LONGS.get(bytes, i), 29) * 0xBF58476D1CE4E5B9L;
    }
    long tail = 0;
    for (int shift = 0; i < to; i++, shift += 8) {
      tail |= (bytes[i] & 0xFFL) << shift;
    }
    h = (h ^ tail) * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    return (int) (h ^ (h >>> 32));
  }

  /**
   * The index of the first {@code '\n'} at or after {@code from}, eight bytes per step (comment
   * lines run to 100 bytes and more). The body ends with one, so there is always one.
   */
  final int lineEnd(int from) {
    int i = from;
    for (; i + 8 <= end; i += 8) {
      long x = (long) LONGS.get(b, i) ^ 0x0A0A0A0A0A0A0A0AL;
      long found = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    while (b[i] != '\n') {
      i++;
    }
    return i;
  }

  /** The end of the metric name at {@code from}; {@code from} when none starts there. */
  final int scanName(int from) {
    int i = from;
    byte c = b[i];
    if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':')) {
      return from;
    }
    i++;
    while (true) {
      c = b[i];
      if (c < 0 || !NAME_CHAR[c]) {
        return i;
      }
      i++;
    }
  }

  final String metricName() throws ParseException {
    int nameEnd = scanName(pos);
    if (nameEnd == pos) {
      throw error("invalid metric name");
    }
    String name = intern(pos, nameEnd);
    pos = nameEnd;
    return name;
  }

  /** Returns the index just past the closing brace, respecting quotes; at '{'. */
  final int scanLabels(int from) throws ParseException {
    int i = from + 1;
    boolean quoted = false;
    while (true) {
      byte c = b[i];
      if (c == '\n') {
        throw error("label set not closed");
      }
      if (quoted) {
        if (c == '\\') {
          i++;
          if (b[i] == '\n') {
            throw error("label set not closed");
          }
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '}') {
        return i + 1;
      }
      i++;
    }
  }

  /**
   * The label name at {@link #pos}, interned, {@link #pos} moved past it; refused when it is not a
   * label name, is reserved or is in {@code labelNames} already.
   */
  final String labelName(List<String> labelNames) throws ParseException {
    int nameStart = pos;
    byte c = b[pos];
    if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')) {
      throw error("invalid label name");
    }
    pos++;
    while (true) {
      c = b[pos];
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
        pos++;
      } else {
        break;
      }
    }
    String labelName = intern(nameStart, pos);
    if (labelName.equals("__name__")) {
      throw error("reserved label name: label=__name__");
    }
    if (labelNames.contains(labelName)) {
      throw error("duplicate label: label=" + labelName);
    }
    return labelName;
  }

  /**
   * The quoted value at {@link #pos} of label {@code labelName}, unescaped, {@link #pos} moved past
   * its closing quote. With {@code strictEscapes} an escape other than {@code \\}, {@code \"} and
   * {@code \n} is refused, else kept as written.
   */
  final String quotedLabelValue(String labelName, boolean strictEscapes) throws ParseException {
    if (b[pos] != '"') {
      throw error("expected a quoted label value: label=" + labelName);
    }
    pos++;
    int valueStart = pos;
    boolean escaped = false;
    while (b[pos] != '"') {
      if (b[pos] == '\\') {
        escaped = true;
        pos++;
      }
      pos++;
    }
    String value = escaped ? unescape(valueStart, pos, true, strictEscapes) : utf8(valueStart, pos);
    pos++;
    return value;
  }

  /** The rest of the line as written, {@link #pos} moved past its newline. */
  final String restOfLine() throws ParseException {
    return restOfLine(false, false);
  }

  /**
   * The rest of the line with {@code \\} and {@code \n} (and {@code \"} when {@code quoteEscape})
   * decoded and other escapes kept as written, {@link #pos} moved past its newline.
   */
  final String escapedRestOfLine(boolean quoteEscape) throws ParseException {
    return restOfLine(true, quoteEscape);
  }

  private String restOfLine(boolean unescape, boolean quoteEscape) throws ParseException {
    int start = pos;
    boolean escaped = false;
    while (b[pos] != '\n') {
      if (b[pos] == '\\') {
        escaped = true;
        pos++;
        if (b[pos] == '\n') {
          throw error("escape at end of line");
        }
      }
      pos++;
    }
    String text;
    if (!escaped || !unescape) {
      text = utf8(start, pos);
    } else {
      text = unescape(start, pos, quoteEscape, false);
    }
    pos++;
    return text;
  }

  private String unescape(int start, int stop, boolean quoteEscape, boolean strict)
      throws ParseException {
    byte[] out = new byte[stop - start];
    int n = 0;
    for (int i = start; i < stop; i++) {
      byte c = b[i];
      if (c == '\\') {
        byte next = b[++i];
        if (next == 'n') {
          out[n++] = '\n';
        } else if (next == '\\') {
          out[n++] = '\\';
        } else if (next == '"' && quoteEscape) {
          out[n++] = '"';
        } else if (strict) {
          throw error("invalid escape sequence: char=" + (char) next);
        } else {
          out[n++] = '\\';
          out[n++] = next;
        }
      } else {
        out[n++] = c;
      }
    }
    return decode(out, 0, n);
  }

  private String utf8(int start, int stop) throws ParseException {
    return decode(b, start, stop - start);
  }

  private String decode(byte[] bytes, int offset, int length) throws ParseException {
    boolean ascii = true;
    for (int i = offset; i < offset + length; i++) {
      if (bytes[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(bytes, offset, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw error("invalid UTF-8");
    }
  }

  final String ascii(int start, int stop) {
    return new String(b, start, stop - start, StandardCharsets.ISO_8859_1);
  }

  private String intern(int start, int stop) {
    String s = ascii(start, stop);
    String known = names.putIfAbsent(s, s);
    return known == null ? s : known;
  }

  // ---------------------------------------------------------------- numbers

  /**
   * The sample value at {@link #pos}, {@link #pos} moved past it: the plain decimal fast path, else
   * the token up to a blank or the line's end read as a float.
   */
  final double value() throws ParseException {
    double value = plainValue();
    if (Double.isNaN(value)) {
      int valueStart = pos;
      while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
        pos++;
      }
      if (valueStart == pos) {
        throw error("missing value");
      }
      value = parseFloat(b, valueStart, pos);
    }
    return value;
  }

  /**
   * The value at {@link #pos} when it is plain decimal digits with an optional sign and point, at
   * most 18 digits, ending at a blank or the line's end, and {@link #pos} moved past it; else NaN
   * and {@link #pos} unchanged, for {@link #parseFloat} to decide. One pass, no String: nearly
   * every value a node writes ({@code 0}, {@code 7431.0}, {@code 0.25}, {@code
   * 10.950000000000001}). A tab ends it in either format: where a format takes no tab, the next
   * token check refuses the line as it would have.
   */
  private double plainValue() {
    int i = pos;
    byte c = b[i];
    boolean negative = c == '-';
    if (negative || c == '+') {
      i++;
    }
    int digitsStart = i;
    long mantissa = 0;
    while ((c = b[i]) >= '0' && c <= '9') {
      mantissa = mantissa * 10 + (c - '0');
      i++;
    }
    int digits = i - digitsStart;
    int fraction = 0;
    if (c == '.') {
      int fractionStart = ++i;
      while ((c = b[i]) >= '0' && c <= '9') {
        mantissa = mantissa * 10 + (c - '0');
        i++;
      }
      fraction = i - fractionStart;
      digits += fraction;
    }
    if (digits == 0 || !(c == ' ' || c == '\n' || c == '\t')) {
      return Double.NaN;
    }
    double result = FloatParser.decimal(mantissa, -fraction, digits);
    if (Double.isNaN(result)) {
      return Double.NaN;
    }
    pos = i;
    return negative ? -result : result;
  }

  /**
   * Parses a float as Go's ParseFloat does for these formats: a decimal number ({@link
   * FloatParser}), or {@code Inf}, {@code Infinity} (signed or not) and {@code NaN} as {@link
   * #valueWord} spells them in this format.
   */
  final double parseFloat(byte[] bytes, int start, int stop) throws ParseException {
    if (start >= stop) {
      throw error("empty value");
    }
    int i = start;
    boolean negative = false;
    if (bytes[i] == '-' || bytes[i] == '+') {
      negative = bytes[i] == '-';
      i++;
    }
    if (i >= stop) {
      throw invalidValue(bytes, start, stop);
    }
    if ((bytes[i] | 0x20) == 'i' || (bytes[i] | 0x20) == 'n') {
      String word = valueWord(new String(bytes, i, stop - i, StandardCharsets.ISO_8859_1));
      if (word.equals("inf") || word.equals("infinity")) {
        return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      if (word.equals("nan") && i == start) {
        return Double.NaN;
      }
      throw invalidValue(bytes, start, stop);
    }
    double result = FloatParser.parse(bytes, start, stop);
    if (Double.isNaN(result)) {
      throw invalidValue(bytes, start, stop);
    }
    return result;
  }

  private ParseException invalidValue(byte[] bytes, int start, int stop) {
    return error(
        "invalid value: text="
            + new String(bytes, start, stop - start, StandardCharsets.ISO_8859_1));
  }
}
