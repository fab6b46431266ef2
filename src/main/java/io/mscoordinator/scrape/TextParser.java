package io.mscoordinator.scrape;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.MetricType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict parser of Prometheus text 0.0.4 and OpenMetrics 1.0 bodies, reading bytes directly.
 *
 * <p>Confined to the thread that scrapes one node: it keeps intern tables across scrapes so that a
 * sample line whose name and labels are byte-for-byte those of the previous scrape costs one
 * compare with the key the last body had at the same position (one hash and a compare when the line
 * moved), with no String built; a HELP or TYPE line seen before is applied the same way. A key is
 * resolved (names checked, escapes decoded, labels sorted) only the first time its bytes are seen
 * under a family. Values are converted without a String unless they have more than 18 significant
 * digits.
 *
 * <p>Text 0.0.4 follows the rules of Prometheus's own text parser (expfmt): blanks between tokens,
 * blank lines and free comments are allowed; samples of a family may be interleaved with others;
 * TYPE after samples, a second HELP or TYPE, bad names, escapes, values or integer timestamps are
 * errors. Additionally a series may appear only once per body. OpenMetrics is checked to its
 * specification: single spaces, {@code # EOF}, suffixes per type, contiguous families and groups,
 * histogram consistency, non-negative counters and exemplars only where allowed.
 */
final class TextParser {
  /** The decimal exponents {@link #eiselLemire} has powers of ten for. */
  private static final int POW10_128_MIN = -348;

  private static final int POW10_128_MAX = 347;

  /**
   * 10^q for q in [{@link #POW10_128_MIN}, {@link #POW10_128_MAX}] as 128-bit mantissas truncated
   * (not rounded) with the top bit set: high 64 bits at {@code 2i}, low at {@code 2i + 1}. The
   * binary exponent is implied ({@code 217706 * q >> 16}).
   */
  private static final long[] POW10_128 = powersOfTen128();

  private static long[] powersOfTen128() {
    long[] table = new long[2 * (POW10_128_MAX - POW10_128_MIN + 1)];
    for (int q = POW10_128_MIN; q <= POW10_128_MAX; q++) {
      BigInteger v;
      if (q >= 0) {
        v = BigInteger.TEN.pow(q);
        int bits = v.bitLength();
        v = bits > 128 ? v.shiftRight(bits - 128) : v.shiftLeft(128 - bits);
      } else {
        BigInteger d = BigInteger.TEN.pow(-q);
        v = BigInteger.ONE.shiftLeft(127 + d.bitLength()).divide(d);
      }
      int i = 2 * (q - POW10_128_MIN);
      table[i] = v.shiftRight(64).longValue();
      table[i + 1] = v.longValue();
    }
    return table;
  }

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  /** One interned sample key: its bytes, the family it was resolved under, its series. */
  private static final class Entry {
    byte[] key;
    int hash;
    Entry next;
    Slot family;
    MetricType type;
    Series series;
    SeriesCell cell;
  }

  /** A text-format HELP or TYPE line seen before, byte for byte, and what it said. */
  private static final class Comment {
    byte[] line;
    int hash;
    Comment next;
    Slot family;
    boolean help;
    String text;
    MetricType type;
  }

  /**
   * A family name seen by this parser: its family in the body being parsed (when {@link #epoch} is
   * this body's), and how many samples it had in the last body. Entries and remembered lines hold
   * their family's slot, so a sample or a repeated HELP line finds its family without a lookup.
   */
  private static final class Slot {
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
  private static final class Positions<T> {
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

  private final int maxSeries;
  private final SeriesPool pool;
  private Entry[] table = new Entry[1024];
  private int tableSize;
  private Comment[] comments = new Comment[256];
  private int commentCount;
  private int commentStart;

  /** The HELP and TYPE lines of the last body in order, tried before the table. */
  private final Positions<Comment> commentOrder = new Positions<>();

  private final Map<Series, SeriesCell> cells = new HashMap<>();

  /**
   * The entries of the last body in sample order, tried before the hash table: no hash to compute,
   * and entries read in the order they were made, which is how they lie in memory.
   */
  private final Positions<Entry> sampleOrder = new Positions<>();

  private final Map<String, String> names = new HashMap<>();

  private final Map<String, Slot> slots = new HashMap<>();

  private int epoch;

  // state of one parse
  private byte[] b;
  private int end;
  private int pos;
  private int line;
  private boolean om;

  /** The slots of this body's families, in body order. */
  private final List<Slot> bodySlots = new ArrayList<>();

  /** Whether a family of this body is named like a sample of another ({@code x_bucket}, ...). */
  private boolean suffixNamedFamily;

  private ParsedFamily current;
  private int seriesCount;
  private Set<String> omSampleNames;
  private Set<Labels> omClosedGroups;
  private Labels omGroup;
  private OmHistogramCheck omHistogram;

  TextParser(int maxSeries) {
    this(maxSeries, new SeriesPool(4 * maxSeries));
  }

  /** A parser whose series are shared through {@code pool} with other nodes' parsers. */
  TextParser(int maxSeries, SeriesPool pool) {
    this.maxSeries = maxSeries;
    this.pool = pool;
  }

  /**
   * Parses {@code len} bytes of {@code body}; returns the families in body order, each with at
   * least one sample.
   */
  List<ParsedFamily> parse(byte[] body, int len, boolean openMetrics) throws ParseException {
    b = body;
    end = len;
    pos = 0;
    line = 1;
    om = openMetrics;
    bodySlots.clear();
    suffixNamedFamily = false;
    current = null;
    seriesCount = 0;
    epoch++;
    omSampleNames = om ? new HashSet<>() : null;
    omClosedGroups = null;
    omGroup = null;
    omHistogram = null;
    if (cells.size() > 4 * maxSeries
        || names.size() > 8 * maxSeries
        || slots.size() > 8 * maxSeries) {
      // entries and remembered lines hold slots: they go with them
      names.clear();
      cells.clear();
      slots.clear();
      table = new Entry[1024];
      tableSize = 0;
      sampleOrder.forget();
      forgetComments();
    }
    if (commentCount > 4 * maxSeries + 1024) {
      forgetComments();
    }
    try {
      if (om && len > 0 && b[len - 1] != '\n' && endsWithEof(len)) {
        // OpenMetrics allows the body to end right after "# EOF"
        b = Arrays.copyOf(body, len + 1);
        b[len] = '\n';
        end = ++len;
      }
      if (len > 0 && b[len - 1] != '\n') {
        throw error("body does not end with a newline");
      }
      boolean eof = false;
      while (pos < end) {
        if (eof) {
          throw error("text after # EOF");
        }
        eof = parseLine();
        line++;
      }
      if (om && !eof) {
        throw error("missing # EOF");
      }
      closeOmGroup();
      List<ParsedFamily> out = new ArrayList<>(bodySlots.size());
      for (Slot slot : bodySlots) {
        ParsedFamily family = slot.family;
        ParsedFamily owner = !om && slot.suffixNamed ? typedBase(family.name) : null;
        if (owner != null) {
          // as reserveOmNames refuses in OpenMetrics: served beside the histogram or summary, its
          // samples would repeat that family's
          throw new ParseException(
              "parse error: reason=clashing sample names: name="
                  + family.name
                  + " family="
                  + owner.name);
        }
        if (family.size > 0) {
          out.add(family);
          slot.lastSize = family.size;
        } else if (family.typed && !om) {
          // expfmt drops these silently; a TYPE whose samples went elsewhere is a broken body
          throw new ParseException(
              "parse error: reason=typed family without samples: name=" + family.name);
        }
      }
      return out;
    } finally {
      b = null;
      current = null;
      sampleOrder.endBody();
      commentOrder.endBody();
    }
  }

  private boolean endsWithEof(int len) {
    byte[] eof = "\n# EOF".getBytes(StandardCharsets.US_ASCII);
    if (len == eof.length - 1) {
      return Arrays.equals(b, 0, len, eof, 1, eof.length);
    }
    return len >= eof.length && Arrays.equals(b, len - eof.length, len, eof, 0, eof.length);
  }

  private ParseException error(String what) {
    return new ParseException("parse error: line=" + line + " reason=" + what);
  }

  private boolean parseLine() throws ParseException {
    if (!om) {
      skipBlanks();
    }
    byte c = b[pos];
    if (c == '\n') {
      if (om) {
        throw error("blank line");
      }
      pos++;
      return false;
    }
    if (c == '#') {
      return parseComment();
    }
    parseSample();
    return false;
  }

  // ---------------------------------------------------------------- comments

  private boolean parseComment() throws ParseException {
    pos++; // '#'
    if (om) {
      if (b[pos] != ' ') {
        throw error("comment without a space after #");
      }
      pos++;
      int wordStart = pos;
      while (b[pos] != ' ' && b[pos] != '\n') {
        pos++;
      }
      String word = ascii(wordStart, pos);
      if (word.equals("EOF")) {
        if (b[pos] != '\n') {
          throw error("text after # EOF on its line");
        }
        pos++;
        return true;
      }
      if (!word.equals("HELP") && !word.equals("TYPE") && !word.equals("UNIT")) {
        throw error("unknown comment in OpenMetrics: word=" + word);
      }
      if (b[pos] != ' ') {
        throw error(word + " without a metric name");
      }
      pos++;
      String name = metricName();
      if (b[pos] != ' ') {
        throw error(word + " without text after the name: name=" + name);
      }
      pos++;
      ParsedFamily family = omMetadataFamily(name);
      switch (word) {
        case "HELP" -> {
          if (family.help != null) {
            throw error("second HELP: name=" + name);
          }
          family.help = restOfLine(true);
        }
        case "UNIT" -> {
          if (family.unit != null) {
            throw error("second UNIT: name=" + name);
          }
          String unit = restOfLine(false);
          if (!unit.isEmpty()
              && (!name.endsWith("_" + unit)
                  || family.type == MetricType.INFO
                  || family.type == MetricType.STATESET)) {
            throw error("unit does not suffix the name: name=" + name + " unit=" + unit);
          }
          family.unit = unit;
        }
        default -> {
          if (family.typed) {
            throw error("second TYPE: name=" + name);
          }
          String typeWord = restOfLine(false);
          MetricType type = MetricType.ofText(typeWord, true);
          if (type == null) {
            throw error("unknown type: name=" + name + " type=" + typeWord);
          }
          family.type = type;
          family.typed = true;
          if (family.unit != null
              && !family.unit.isEmpty()
              && (type == MetricType.INFO || type == MetricType.STATESET)) {
            throw error("unit on a " + type.text() + ": name=" + name);
          }
          reserveOmNames(family);
        }
      }
      return false;
    }
    commentStart = pos - 1;
    if (guessedComment()) {
      return false;
    }
    skipBlanks();
    if (b[pos] == '\n') {
      pos++;
      return false;
    }
    int wordStart = pos;
    while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
      pos++;
    }
    boolean help = word(wordStart, "HELP");
    boolean type = !help && word(wordStart, "TYPE");
    if ((!help && !type) || b[pos] == '\n') {
      skipToLineEnd();
      return false;
    }
    if (rememberedComment()) {
      return false;
    }
    skipBlanks();
    if (b[pos] == '\n') {
      pos++;
      return false;
    }
    String name = metricName();
    if (b[pos] == '\n') {
      pos++;
      return false;
    }
    if (b[pos] != ' ' && b[pos] != '\t') {
      throw error("invalid metric name in comment");
    }
    skipBlanks();
    Slot slot = slot(name);
    ParsedFamily family = family(slot);
    if (family == null) {
      family = addFamily(slot);
    }
    current = family;
    if (help) {
      if (family.help != null) {
        throw error("second HELP: name=" + name);
      }
      family.help = restOfLine(true);
      rememberComment(slot, true, family.help, null);
    } else {
      if (family.typed || family.size > 0) {
        throw error("second TYPE, or TYPE after samples: name=" + name);
      }
      int typeStart = pos;
      while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
        pos++;
      }
      String typeWord = ascii(typeStart, pos).toLowerCase(java.util.Locale.ROOT);
      MetricType t = MetricType.ofText(typeWord, false);
      if (t == null) {
        throw error("unknown type: name=" + name + " type=" + typeWord);
      }
      skipBlanks();
      if (b[pos] != '\n') {
        throw error("text after the type: name=" + name);
      }
      pos++;
      family.type = t;
      family.typed = true;
      rememberComment(slot, false, null, t);
    }
    return false;
  }

  /**
   * Text format: applies the HELP or TYPE line the last body had at this position when this one is
   * byte for byte the same, without parsing it again (the same rules as the full path; a node
   * repeats its metadata every scrape).
   */
  private boolean guessedComment() throws ParseException {
    // the line the last body had at this position: no scan for the line's end, no hash
    Comment guess = commentOrder.guess();
    if (guess != null) {
      int lineEnd = commentStart + guess.line.length;
      if (lineEnd < end
          && b[lineEnd] == '\n'
          && Arrays.equals(guess.line, 0, guess.line.length, b, commentStart, lineEnd)) {
        applyComment(guess, lineEnd);
        return true;
      }
    }
    return false;
  }

  /** As {@link #guessedComment()} for any line remembered, once the line is known to be one. */
  private boolean rememberedComment() throws ParseException {
    int lineEnd = lineEnd(pos);
    int hash = hash(b, commentStart, lineEnd);
    for (Comment c = comments[hash & (comments.length - 1)]; c != null; c = c.next) {
      if (c.hash == hash && Arrays.equals(c.line, 0, c.line.length, b, commentStart, lineEnd)) {
        applyComment(c, lineEnd);
        return true;
      }
    }
    return false;
  }

  /** Applies a remembered HELP or TYPE line that ends at {@code lineEnd}. */
  private void applyComment(Comment c, int lineEnd) throws ParseException {
    ParsedFamily family = family(c.family);
    if (family == null) {
      family = addFamily(c.family);
    }
    current = family;
    if (c.help) {
      if (family.help != null) {
        throw error("second HELP: name=" + family.name);
      }
      family.help = c.text;
    } else {
      if (family.typed || family.size > 0) {
        throw error("second TYPE, or TYPE after samples: name=" + family.name);
      }
      family.type = c.type;
      family.typed = true;
    }
    pos = lineEnd + 1;
    commentOrder.add(c);
  }

  /** Drops the remembered HELP and TYPE lines. */
  private void forgetComments() {
    comments = new Comment[256];
    commentCount = 0;
    commentOrder.forget();
  }

  /** Remembers the HELP or TYPE line just parsed: {@code b[commentStart..pos-1)}. */
  private void rememberComment(Slot family, boolean help, String text, MetricType type) {
    Comment c = new Comment();
    c.line = Arrays.copyOfRange(b, commentStart, pos - 1);
    c.hash = hash(c.line, 0, c.line.length);
    c.family = family;
    c.help = help;
    c.text = text;
    c.type = type;
    int i = c.hash & (comments.length - 1);
    c.next = comments[i];
    comments[i] = c;
    commentOrder.add(c);
    if (++commentCount > comments.length * 3 / 4) {
      Comment[] grown = new Comment[comments.length * 2];
      for (Comment old : comments) {
        for (Comment e = old; e != null; ) {
          Comment next = e.next;
          int j = e.hash & (grown.length - 1);
          e.next = grown[j];
          grown[j] = e;
          e = next;
        }
      }
      comments = grown;
    }
  }

  private ParsedFamily omMetadataFamily(String name) throws ParseException {
    if (current != null && current.name.equals(name) && current.size == 0) {
      return current;
    }
    if (family(name) != null) {
      throw error("metadata out of place or family repeated: name=" + name);
    }
    return openOmFamily(name);
  }

  /** Starts the OpenMetrics family {@code name}: closes the open group, makes it current. */
  private ParsedFamily openOmFamily(String name) throws ParseException {
    closeOmGroup();
    ParsedFamily family = addFamily(name);
    current = family;
    omClosedGroups = new HashSet<>();
    return family;
  }

  private void reserveOmNames(ParsedFamily family) throws ParseException {
    String n = family.name;
    List<String> owned = new ArrayList<>();
    switch (family.type) {
      case COUNTER -> {
        owned.add(n + "_total");
        owned.add(n + "_created");
      }
      case HISTOGRAM -> {
        owned.add(n + "_bucket");
        owned.add(n + "_sum");
        owned.add(n + "_count");
        owned.add(n + "_created");
      }
      case GAUGE_HISTOGRAM -> {
        owned.add(n + "_bucket");
        owned.add(n + "_gsum");
        owned.add(n + "_gcount");
      }
      case SUMMARY -> {
        owned.add(n);
        owned.add(n + "_sum");
        owned.add(n + "_count");
        owned.add(n + "_created");
      }
      case INFO -> owned.add(n + "_info");
      default -> owned.add(n);
    }
    for (String sampleName : owned) {
      if (!omSampleNames.add(sampleName)) {
        throw error("clashing sample names: name=" + sampleName);
      }
    }
  }

  private String restOfLine(boolean unescape) throws ParseException {
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
      text = unescape(start, pos, om, false);
    }
    pos++;
    return text;
  }

  // ---------------------------------------------------------------- samples

  private void parseSample() throws ParseException {
    int keyStart = pos;
    Entry guess = sampleOrder.guess();
    Entry entry = guess != null ? guessed(guess, keyStart) : null;
    if (entry != null) {
      sampleOrder.add(entry);
      pos = keyStart + entry.key.length;
      if (om) {
        pos++; // the space guessed() saw
      } else {
        skipBlanks();
      }
    } else {
      int nameEnd = scanName(pos);
      if (nameEnd == pos) {
        throw error("invalid metric name");
      }
      pos = nameEnd;
      if (!om) {
        skipBlanks();
      }
      int keyEnd;
      if (b[pos] == '{') {
        keyEnd = scanLabels(pos);
      } else {
        keyEnd = nameEnd;
      }
      entry = lookupHashed(keyStart, keyEnd, nameEnd);
      sampleOrder.add(entry);
      pos = keyEnd;
      // value
      if (om) {
        if (b[pos] != ' ') {
          throw error("expected one space before the value");
        }
        pos++;
      } else {
        int before = pos;
        skipBlanks();
        if (pos == before && keyEnd == nameEnd) {
          throw error("expected a blank after the metric name");
        }
      }
    }
    double value = plainValue();
    if (Double.isNaN(value)) {
      int valueStart = pos;
      while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
        pos++;
      }
      if (valueStart == pos) {
        throw error("missing value");
      }
      value = parseDouble(valueStart, pos);
    }
    long timestamp = Long.MIN_VALUE;
    boolean exemplar = false;
    if (om) {
      if (b[pos] == ' ') {
        pos++;
        if (b[pos] != '#') {
          int tsStart = pos;
          while (b[pos] != ' ' && b[pos] != '\n') {
            pos++;
          }
          double ts = parseDouble(tsStart, pos);
          if (Double.isNaN(ts) || Double.isInfinite(ts)) {
            throw error("invalid timestamp");
          }
          timestamp = (long) (ts * 1000);
          if (b[pos] == ' ') {
            pos++;
            if (b[pos] != '#') {
              throw error("text after the timestamp");
            }
          }
        }
        if (b[pos] == '#') {
          parseExemplar();
          exemplar = true;
        }
      }
      if (b[pos] != '\n') {
        throw error("text after the sample");
      }
    } else {
      skipBlanks();
      if (b[pos] != '\n') {
        int tsStart = pos;
        if (b[pos] == '-' || b[pos] == '+') {
          pos++;
        }
        int digits = pos;
        while (b[pos] >= '0' && b[pos] <= '9') {
          pos++;
        }
        if (digits == pos || pos - digits > 18) {
          throw error("invalid timestamp");
        }
        timestamp = Long.parseLong(ascii(tsStart, pos));
        skipBlanks();
        if (b[pos] != '\n') {
          throw error("text after the timestamp");
        }
      }
    }
    pos++;
    accept(entry, value, timestamp, exemplar);
  }

  private void accept(Entry entry, double value, long timestamp, boolean exemplar)
      throws ParseException {
    Series series = entry.series;
    ParsedFamily family = current;
    if (om) {
      checkOmSample(family, series, value, exemplar);
    }
    SeriesCell cell = entry.cell;
    if (cell.epoch == epoch) {
      if (om && timestamp != Long.MIN_VALUE && cell.timestamp != Long.MIN_VALUE) {
        if (timestamp < cell.timestamp) {
          throw error("timestamps go backwards: series=" + series);
        }
        cell.timestamp = timestamp;
        cell.family.values[cell.index] = value;
        return;
      }
      throw error("duplicate series: series=" + series);
    }
    if (++seriesCount > maxSeries) {
      throw error("series limit reached: limit=" + maxSeries);
    }
    cell.epoch = epoch;
    cell.family = family;
    cell.index = family.size;
    cell.timestamp = timestamp;
    family.add(series, value, cell);
  }

  /**
   * The entry the last body had at this sample's position when this line starts with the same key
   * bytes, followed by what must follow a whole key (so the bytes are the key, not a prefix of a
   * longer one), and the entry still fits this body's families; else null. Sets {@link #current} on
   * a hit. Saves scanning the key for its end and hashing it: a node writes its samples in the same
   * order scrape after scrape.
   */
  private Entry guessed(Entry guess, int keyStart) {
    byte[] key = guess.key;
    int keyEnd = keyStart + key.length;
    if (keyEnd >= end || !Arrays.equals(key, 0, key.length, b, keyStart, keyEnd)) {
      return null;
    }
    byte next = b[keyEnd];
    if (om) {
      // a name-only key followed by '{' is a different key; OpenMetrics has one space before the
      // value and no blanks before labels
      if (next != ' ') {
        return null;
      }
    } else if (key[key.length - 1] != '}') {
      // a name alone: it ends at a blank, and the next token must not be a label set
      if (next != ' ' && next != '\t') {
        return null;
      }
      int i = keyEnd + 1;
      while (b[i] == ' ' || b[i] == '\t') {
        i++;
      }
      if (b[i] == '{') {
        return null;
      }
    }
    ParsedFamily family = fittingFamily(guess);
    if (family == null) {
      return null;
    }
    current = family;
    return guess;
  }

  private Entry lookupHashed(int keyStart, int keyEnd, int nameEnd) throws ParseException {
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
    pos = nameEnd;
    if (!om) {
      skipBlanks();
    }
    List<String> labelNames = new ArrayList<>(4);
    List<String> labelValues = new ArrayList<>(4);
    if (pos < keyEnd && b[pos] == '{') {
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
    e.cell = cells.computeIfAbsent(series, s -> new SeriesCell());
    current = family;
    return e;
  }

  /**
   * The family of this body an entry's sample goes to, when the family the entry was resolved under
   * is the one its name resolves to now; null when the entry must be resolved again.
   */
  private ParsedFamily fittingFamily(Entry e) {
    if (om) {
      boolean fits =
          current != null && current.name.equals(e.family.name) && current.type == e.type;
      return fits ? current : null;
    }
    ParsedFamily family = family(e.family);
    if (family == null) {
      // first sample of an untyped family in this body: the slow path would create it, unless
      // the name now belongs to a histogram or summary declared earlier in this body
      boolean untyped =
          e.type == MetricType.UNKNOWN
              && e.series.suffix == Series.Suffix.NONE
              && typedBase(e.family.name) == null;
      return untyped ? addFamily(e.family) : null;
    }
    if (family.type != e.type) {
      return null;
    }
    boolean fits =
        e.series.suffix == Series.Suffix.NONE
            || !suffixNamedFamily
            || family(e.series.sampleName) == null;
    return fits ? family : null;
  }

  /** The slot of a family name, made on first sight. */
  private Slot slot(String name) {
    return slots.computeIfAbsent(name, Slot::new);
  }

  /** This body's family of a slot, or null. */
  private ParsedFamily family(Slot slot) {
    return slot.epoch == epoch ? slot.family : null;
  }

  /** This body's family named {@code name}, or null. */
  private ParsedFamily family(String name) {
    Slot slot = slots.get(name);
    return slot == null ? null : family(slot);
  }

  /**
   * Adds the family {@code name} to this body, its arrays sized as the family was in the last body.
   */
  private ParsedFamily addFamily(String name) {
    return addFamily(slot(name));
  }

  private ParsedFamily addFamily(Slot slot) {
    ParsedFamily family = new ParsedFamily(slot.name, MetricType.UNKNOWN, slot.lastSize);
    slot.family = family;
    slot.epoch = epoch;
    bodySlots.add(slot);
    suffixNamedFamily |= slot.suffixNamed;
    return family;
  }

  private ParsedFamily familyFor(String name) throws ParseException {
    if (om) {
      if (current != null && belongsOm(current, name)) {
        return current;
      }
      if (family(name) != null) {
        throw error("family repeated or interleaved: name=" + name);
      }
      ParsedFamily family = openOmFamily(name);
      reserveOmNames(family);
      return family;
    }
    ParsedFamily family = family(name);
    if (family != null) {
      return family;
    }
    ParsedFamily base = typedBase(name);
    if (base != null) {
      return base;
    }
    family = addFamily(name);
    return family;
  }

  /** Text format: the histogram or summary of this body that a suffixed name belongs to. */
  private ParsedFamily typedBase(String name) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (name.endsWith(suffix)) {
        ParsedFamily base = family(name.substring(0, name.length() - suffix.length()));
        if (base != null
            && (base.type == MetricType.HISTOGRAM
                || base.type == MetricType.SUMMARY && !suffix.equals("_bucket"))) {
          return base;
        }
      }
    }
    return null;
  }

  private static boolean belongsOm(ParsedFamily family, String name) {
    String f = family.name;
    if (name.equals(f)) {
      return switch (family.type) {
        case GAUGE, UNKNOWN, SUMMARY, STATESET -> true;
        default -> false;
      };
    }
    if (!name.startsWith(f)) {
      return false;
    }
    String suffix = name.substring(f.length());
    return switch (family.type) {
      case COUNTER -> suffix.equals("_total") || suffix.equals("_created");
      case HISTOGRAM ->
          suffix.equals("_bucket")
              || suffix.equals("_sum")
              || suffix.equals("_count")
              || suffix.equals("_created");
      case GAUGE_HISTOGRAM ->
          suffix.equals("_bucket") || suffix.equals("_gsum") || suffix.equals("_gcount");
      case SUMMARY -> suffix.equals("_sum") || suffix.equals("_count") || suffix.equals("_created");
      case INFO -> suffix.equals("_info");
      default -> false;
    };
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
    if (om && type == MetricType.COUNTER && suffix == Series.Suffix.NONE) {
      throw error("counter sample without _total: name=" + name);
    }
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
    if (boundLabel != null) {
      int i = labelNames.indexOf(boundLabel);
      if (i < 0) {
        throw error("missing label: name=" + name + " label=" + boundLabel);
      }
      String text = labelValues.get(i);
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      byte[] saved = b;
      int savedEnd = end;
      b = bytes;
      end = bytes.length;
      try {
        bound = parseDouble(0, bytes.length);
      } finally {
        b = saved;
        end = savedEnd;
      }
      if (Double.isNaN(bound)) {
        throw error("NaN bound: name=" + name + " " + boundLabel + "=" + text);
      }
      if (om && boundLabel.equals("quantile") && (bound < 0 || bound > 1)) {
        throw error("quantile outside [0,1]: name=" + name + " quantile=" + text);
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
    if (om && type == MetricType.STATESET && !labelNames.contains(family.name)) {
      throw error("stateset without its label: name=" + name);
    }
    for (int i = 0; i < labelValues.size(); i++) {
      String v = labelValues.get(i);
      String interned = names.putIfAbsent(v, v);
      if (interned != null) {
        labelValues.set(i, interned);
      }
    }
    return pool.intern(new Series(family.name, suffix, Labels.of(labelNames, labelValues), bound));
  }

  // ---------------------------------------------------------------- OpenMetrics checks

  /** Per-group histogram checks of the OpenMetrics rules. */
  private static final class OmHistogramCheck {
    double lastBound = Double.NaN;
    double lastBucketValue;
    boolean hasBucket;
    double count = Double.NaN;
    boolean hasSum;
    boolean hasGsum;
    boolean negativeBucket;
    boolean negativeGsum;
  }

  private void checkOmSample(ParsedFamily family, Series series, double value, boolean exemplar)
      throws ParseException {
    MetricType type = family.type;
    Series.Suffix suffix = series.suffix;
    if (!series.labels.equals(omGroup) || omGroup == null) {
      closeOmGroup();
      if (!omClosedGroups.add(series.labels)) {
        throw error("group interleaved: series=" + series);
      }
      omGroup = series.labels;
      if (type == MetricType.HISTOGRAM || type == MetricType.GAUGE_HISTOGRAM) {
        omHistogram = new OmHistogramCheck();
      }
    }
    boolean counterLike =
        type == MetricType.COUNTER && suffix == Series.Suffix.TOTAL
            || (type == MetricType.HISTOGRAM || type == MetricType.SUMMARY)
                && (suffix == Series.Suffix.COUNT || suffix == Series.Suffix.SUM)
            || type == MetricType.HISTOGRAM && suffix == Series.Suffix.BUCKET
            || type == MetricType.GAUGE_HISTOGRAM
                && (suffix == Series.Suffix.BUCKET || suffix == Series.Suffix.GCOUNT);
    if (counterLike && (Double.isNaN(value) || value < 0)) {
      if (!(suffix == Series.Suffix.SUM && type == MetricType.HISTOGRAM && value < 0)
          || Double.isNaN(value)) {
        throw error("negative or NaN counter value: series=" + series);
      }
    }
    if ((suffix == Series.Suffix.COUNT
            || suffix == Series.Suffix.GCOUNT
            || suffix == Series.Suffix.BUCKET)
        && value != Math.rint(value)) {
      throw error("non-integer count: series=" + series);
    }
    if (type == MetricType.SUMMARY && suffix == Series.Suffix.NONE && value < 0) {
      throw error("negative quantile value: series=" + series);
    }
    if (type == MetricType.INFO && value != 1) {
      throw error("info value is not 1: series=" + series);
    }
    if (type == MetricType.STATESET && value != 0 && value != 1) {
      throw error("stateset value is not 0 or 1: series=" + series);
    }
    if (exemplar && suffix != Series.Suffix.BUCKET && suffix != Series.Suffix.TOTAL) {
      throw error("exemplar not allowed here: series=" + series);
    }
    OmHistogramCheck h = omHistogram;
    if (h != null && omGroup != null) {
      switch (suffix) {
        case BUCKET -> {
          if (h.hasBucket && series.bound <= h.lastBound) {
            throw error("buckets out of order: series=" + series);
          }
          if (h.hasBucket && value < h.lastBucketValue) {
            throw error("bucket values go down: series=" + series);
          }
          if (series.bound < 0) {
            h.negativeBucket = true;
          }
          h.hasBucket = true;
          h.lastBound = series.bound;
          h.lastBucketValue = value;
        }
        case COUNT, GCOUNT -> h.count = value;
        case SUM -> h.hasSum = true;
        case GSUM -> {
          h.hasGsum = true;
          h.negativeGsum = value < 0;
        }
        default -> {}
      }
    }
  }

  private void closeOmGroup() throws ParseException {
    OmHistogramCheck h = omHistogram;
    omHistogram = null;
    Labels group = omGroup;
    omGroup = null;
    if (h == null) {
      return;
    }
    String where = " group=" + group;
    if (!h.hasBucket || h.lastBound != Double.POSITIVE_INFINITY) {
      throw error("+Inf bucket missing:" + where);
    }
    if (!Double.isNaN(h.count) && h.count != h.lastBucketValue) {
      throw error("count differs from the +Inf bucket:" + where);
    }
    if ((h.hasSum || h.hasGsum) && Double.isNaN(h.count)) {
      throw error("sum without count:" + where);
    }
    if (!h.hasSum && !h.hasGsum && !Double.isNaN(h.count)) {
      throw error("count without sum:" + where);
    }
    if (h.negativeBucket && h.hasSum) {
      throw error("sum with negative buckets:" + where);
    }
    if (!h.negativeBucket && h.negativeGsum) {
      throw error("negative gsum with non-negative buckets:" + where);
    }
  }

  private void parseExemplar() throws ParseException {
    // at '#': "# {labels} value [timestamp]"
    if (b[pos + 1] != ' ' || b[pos + 2] != '{') {
      throw error("malformed exemplar");
    }
    pos += 2;
    int labelsStart = pos;
    int labelsEnd = scanLabels(pos);
    List<String> n = new ArrayList<>();
    List<String> v = new ArrayList<>();
    parseLabels(n, v);
    pos = labelsEnd;
    int chars = 0;
    for (int i = 0; i < n.size(); i++) {
      chars += n.get(i).codePointCount(0, n.get(i).length());
      chars += v.get(i).codePointCount(0, v.get(i).length());
    }
    if (chars > 128) {
      throw error("exemplar labels longer than 128 characters: start=" + labelsStart);
    }
    if (b[pos] != ' ') {
      throw error("exemplar without a value");
    }
    pos++;
    int valueStart = pos;
    while (b[pos] != ' ' && b[pos] != '\n') {
      pos++;
    }
    parseDouble(valueStart, pos);
    if (b[pos] == ' ') {
      pos++;
      int tsStart = pos;
      while (b[pos] != ' ' && b[pos] != '\n') {
        pos++;
      }
      double ts = parseDouble(tsStart, pos);
      if (Double.isNaN(ts) || Double.isInfinite(ts)) {
        throw error("invalid exemplar timestamp");
      }
    }
  }

  // ---------------------------------------------------------------- tokens

  private void skipBlanks() {
    while (b[pos] == ' ' || b[pos] == '\t') {
      pos++;
    }
  }

  private void skipToLineEnd() {
    pos = lineEnd(pos) + 1;
  }

  /**
   * The index of the first {@code '\n'} at or after {@code from}, eight bytes per step (comment
   * lines run to 100 bytes and more). The body ends with one, so there is always one.
   */
  private int lineEnd(int from) {
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

  private boolean word(int start, String word) {
    if (pos - start != word.length()) {
      return false;
    }
    for (int i = 0; i < word.length(); i++) {
      if (b[start + i] != word.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private int scanName(int from) {
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

  private String metricName() throws ParseException {
    int nameEnd = scanName(pos);
    if (nameEnd == pos) {
      throw error("invalid metric name");
    }
    String name = intern(pos, nameEnd);
    pos = nameEnd;
    return name;
  }

  /** Returns the index just past the closing brace, respecting quotes; at '{'. */
  private int scanLabels(int from) throws ParseException {
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

  /** Parses a label set at '{' into the lists; leaves {@link #pos} after '}'. */
  private void parseLabels(List<String> labelNames, List<String> labelValues)
      throws ParseException {
    pos++; // '{'
    while (true) {
      if (!om) {
        skipBlanks();
      }
      if (b[pos] == '}') {
        pos++;
        return;
      }
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
      if (!om) {
        skipBlanks();
      }
      if (b[pos] != '=') {
        throw error("expected = after label name: label=" + labelName);
      }
      pos++;
      if (!om) {
        skipBlanks();
      }
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
      String value = escaped ? unescape(valueStart, pos, true, !om) : utf8(valueStart, pos);
      pos++;
      labelNames.add(labelName);
      labelValues.add(value);
      if (!om) {
        skipBlanks();
      }
      if (b[pos] == ',') {
        pos++;
        if (om && b[pos] == '}') {
          throw error("trailing comma in label set");
        }
      } else if (b[pos] != '}') {
        throw error("expected , or } in label set");
      }
    }
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

  private String ascii(int start, int stop) {
    return new String(b, start, stop - start, StandardCharsets.ISO_8859_1);
  }

  private String intern(int start, int stop) {
    String s = ascii(start, stop);
    String known = names.putIfAbsent(s, s);
    return known == null ? s : known;
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

  /**
   * The value at {@link #pos} when it is plain decimal digits with an optional sign and point, at
   * most 18 digits, ending where a value may end, and {@link #pos} moved past it; else NaN and
   * {@link #pos} unchanged, for {@link #parseDouble} to decide. One pass, no String: nearly every
   * value a node writes ({@code 0}, {@code 7431.0}, {@code 0.25}, {@code 10.950000000000001}).
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
    if (digits == 0 || !(c == ' ' || c == '\n' || c == '\t' && !om)) {
      return Double.NaN;
    }
    double result = decimal(mantissa, -fraction, digits);
    if (Double.isNaN(result)) {
      return Double.NaN;
    }
    pos = i;
    return negative ? -result : result;
  }

  /**
   * {@code mantissa * 10^exponent} correctly rounded, the mantissa holding all {@code digits}
   * significant digits of the value (leading zeros may count): exactly when the digits and the
   * power of ten are exact doubles (one correctly rounded operation), else by {@link #eiselLemire};
   * NaN when digits were dropped (more than 18) or that cannot decide, for the JDK's exact
   * conversion.
   */
  private static double decimal(long mantissa, int exponent, int digits) {
    if (digits <= 15 && exponent >= -22 && exponent <= 22) {
      return exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
    }
    return digits > 18 ? Double.NaN : eiselLemire(mantissa, exponent);
  }

  /**
   * The double nearest {@code mantissa * 10^q} by the Eisel-Lemire algorithm (as Go's {@code
   * strconv} has it), for a non-negative mantissa known exactly; NaN when 128 bits of 10^q cannot
   * decide the rounding or the result is out of the normal range, so that the caller converts
   * exactly instead. Correctly rounded whenever it answers.
   */
  static double eiselLemire(long mantissa, int q) {
    if (mantissa == 0) {
      return 0.0;
    }
    if (mantissa < 0 || q < POW10_128_MIN || q > POW10_128_MAX) {
      return Double.NaN;
    }
    int clz = Long.numberOfLeadingZeros(mantissa);
    long man = mantissa << clz;
    long exp2 = ((217706L * q) >> 16) + 64 + 1023 - clz;
    int i = 2 * (q - POW10_128_MIN);
    long hi = Math.unsignedMultiplyHigh(man, POW10_128[i]);
    long lo = man * POW10_128[i];
    if ((hi & 0x1FF) == 0x1FF && Long.compareUnsigned(lo + man, man) < 0) {
      // the truncated product may be off in the bits that decide: widen with the low 64 bits
      long yHi = Math.unsignedMultiplyHigh(man, POW10_128[i + 1]);
      long yLo = man * POW10_128[i + 1];
      long mergedHi = hi;
      long mergedLo = lo + yHi;
      if (Long.compareUnsigned(mergedLo, lo) < 0) {
        mergedHi++;
      }
      if ((mergedHi & 0x1FF) == 0x1FF
          && mergedLo + 1 == 0
          && Long.compareUnsigned(yLo + man, man) < 0) {
        return Double.NaN;
      }
      hi = mergedHi;
      lo = mergedLo;
    }
    long msb = hi >>> 63;
    long bits = hi >>> (msb + 9);
    exp2 -= 1 ^ msb;
    if (lo == 0 && (hi & 0x1FF) == 0 && (bits & 3) == 1) {
      return Double.NaN; // exactly halfway as far as these bits tell
    }
    bits += bits & 1;
    bits >>>= 1;
    if ((bits >>> 53) > 0) {
      bits >>>= 1;
      exp2++;
    }
    if (Long.compareUnsigned(exp2 - 1, 0x7FF - 1) >= 0) {
      return Double.NaN; // subnormal, zero, or infinite
    }
    return Double.longBitsToDouble(exp2 << 52 | bits & 0x000FFFFFFFFFFFFFL);
  }

  /**
   * Parses a float as Go's ParseFloat does for these formats (decimal, NaN and Inf in any case), by
   * the exact fast path when the digits fit, else by {@link #eiselLemire} when at most 18
   * significant digits, else (or when that cannot decide) by {@link Double#parseDouble} after the
   * grammar was checked here.
   */
  private double parseDouble(int start, int stop) throws ParseException {
    if (start >= stop) {
      throw error("empty value");
    }
    int i = start;
    boolean negative = false;
    if (b[i] == '-' || b[i] == '+') {
      negative = b[i] == '-';
      i++;
    }
    if (i >= stop) {
      throw error("invalid value: text=" + ascii(start, stop));
    }
    if ((b[i] | 0x20) == 'i' || (b[i] | 0x20) == 'n') {
      String raw = ascii(i, stop);
      // OpenMetrics spells these exactly; text 0.0.4 takes Go's any-case forms
      String word = om ? raw : raw.toLowerCase(java.util.Locale.ROOT);
      if (om && (word.equals("Inf") || word.equals("NaN"))) {
        word = word.toLowerCase(java.util.Locale.ROOT);
      }
      if (word.equals("inf") || word.equals("infinity")) {
        return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      if (word.equals("nan") && i == start) {
        return Double.NaN;
      }
      throw error("invalid value: text=" + ascii(start, stop));
    }
    long mantissa = 0;
    int digits = 0;
    int exponent = 0;
    boolean anyDigit = false;
    while (i < stop && b[i] >= '0' && b[i] <= '9') {
      anyDigit = true;
      if (digits < 18) {
        mantissa = mantissa * 10 + (b[i] - '0');
        if (mantissa != 0) {
          digits++;
        }
      } else {
        exponent++;
        digits++;
      }
      i++;
    }
    if (i < stop && b[i] == '.') {
      i++;
      while (i < stop && b[i] >= '0' && b[i] <= '9') {
        anyDigit = true;
        if (digits < 18) {
          mantissa = mantissa * 10 + (b[i] - '0');
          if (mantissa != 0) {
            digits++;
          }
          exponent--;
        } else {
          digits++;
        }
        i++;
      }
    }
    if (!anyDigit) {
      throw error("invalid value: text=" + ascii(start, stop));
    }
    if (i < stop && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      boolean expNegative = false;
      if (i < stop && (b[i] == '-' || b[i] == '+')) {
        expNegative = b[i] == '-';
        i++;
      }
      int expStart = i;
      int e = 0;
      while (i < stop && b[i] >= '0' && b[i] <= '9') {
        if (e < 100000) {
          e = e * 10 + (b[i] - '0');
        }
        i++;
      }
      if (expStart == i) {
        throw error("invalid value: text=" + ascii(start, stop));
      }
      exponent += expNegative ? -e : e;
    }
    if (i != stop) {
      throw error("invalid value: text=" + ascii(start, stop));
    }
    double result = decimal(mantissa, exponent, digits);
    if (Double.isNaN(result)) {
      // digits were dropped, or too close to call with 128 bits: the JDK's exact conversion
      return Double.parseDouble(ascii(start, stop));
    }
    return negative ? -result : result;
  }
}
