package io.mscoordinator.scrape;

import io.mscoordinator.series.MetricType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A strict parser of Prometheus text 0.0.4 bodies, following the rules of Prometheus's own text
 * parser (expfmt): blanks between tokens, blank lines and free comments are allowed; samples of a
 * family may be interleaved with others; TYPE after samples, a second HELP or TYPE, bad names,
 * escapes, values or integer timestamps are errors. Additionally a series may appear only once per
 * body, a TYPE needs samples, and no family may be named like a histogram's or summary's sample
 * beside it.
 *
 * <p>Confined to the node's scrape thread. Besides the sample keys it remembers HELP and TYPE lines
 * byte for byte: a node repeats its metadata every scrape, and a line seen before is applied
 * without parsing it again (by the same rules).
 */
final class PrometheusTextParser extends BodyParser {
  /** A HELP or TYPE line seen before, byte for byte, and what it said. */
  private static final class Comment {
    byte[] line;
    int hash;
    Comment next;
    Slot family;
    boolean help;
    String text;
    MetricType type;
  }

  private Comment[] comments = new Comment[256];
  private int commentCount;
  private int commentStart;

  /** The HELP and TYPE lines of the last body in order, tried before the table. */
  private final Positions<Comment> commentOrder = new Positions<>();

  /** Whether a family of this body is named like a sample of another ({@code x_bucket}, ...). */
  private boolean suffixNamedFamily;

  /** A parser of its own, its series shared through {@code pool} with other nodes' parsers. */
  PrometheusTextParser(int maxSeries, SeriesPool pool) {
    this(maxSeries, pool, new SeriesCells());
  }

  /** A parser of a node whose series' cells are {@code cells}. */
  PrometheusTextParser(int maxSeries, SeriesPool pool, SeriesCells cells) {
    super(maxSeries, pool, cells);
  }

  @Override
  void beginBody() {
    suffixNamedFamily = false;
    if (commentCount > 4 * maxSeries + 1024) {
      forgetComments();
    }
  }

  @Override
  void endBody() {
    commentOrder.endBody();
  }

  @Override
  void forgetSlots() {
    forgetComments();
  }

  @Override
  List<ParsedFamily> parseBody() throws ParseException {
    if (end > 0 && b[end - 1] != '\n') {
      throw error("body does not end with a newline");
    }
    while (pos < end) {
      parseLine();
      line++;
    }
    List<ParsedFamily> out = new ArrayList<>(bodySlots.size());
    for (Slot slot : bodySlots) {
      ParsedFamily family = slot.family;
      ParsedFamily owner = slot.suffixNamed ? typedBase(family.name) : null;
      if (owner != null) {
        // as OpenMetrics refuses it: served beside the histogram or summary, its samples would
        // repeat that family's
        throw new ParseException(
            "parse error: reason=clashing sample names: name="
                + family.name
                + " family="
                + owner.name);
      }
      if (family.size > 0) {
        keep(slot, out);
      } else if (family.typed) {
        // expfmt drops these silently; a TYPE whose samples went elsewhere is a broken body
        throw new ParseException(
            "parse error: reason=typed family without samples: name=" + family.name);
      }
    }
    return out;
  }

  private void parseLine() throws ParseException {
    skipBlanks();
    byte c = b[pos];
    if (c == '\n') {
      pos++;
      return;
    }
    if (c == '#') {
      parseComment();
      return;
    }
    parseSample();
  }

  // ---------------------------------------------------------------- comments

  private void parseComment() throws ParseException {
    commentStart = pos;
    pos++; // '#'
    if (guessedComment()) {
      return;
    }
    skipBlanks();
    if (b[pos] == '\n') {
      pos++;
      return;
    }
    int wordStart = pos;
    while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
      pos++;
    }
    boolean help = word(wordStart, "HELP");
    boolean type = !help && word(wordStart, "TYPE");
    if ((!help && !type) || b[pos] == '\n') {
      skipToLineEnd();
      return;
    }
    if (rememberedComment()) {
      return;
    }
    skipBlanks();
    if (b[pos] == '\n') {
      pos++;
      return;
    }
    String name = metricName();
    if (b[pos] == '\n') {
      pos++;
      return;
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
      family.help = escapedRestOfLine(false);
      rememberComment(slot, true, family.help, null);
    } else {
      if (family.typed || family.size > 0) {
        throw error("second TYPE, or TYPE after samples: name=" + name);
      }
      int typeStart = pos;
      while (b[pos] != ' ' && b[pos] != '\t' && b[pos] != '\n') {
        pos++;
      }
      String typeWord = ascii(typeStart, pos).toLowerCase(Locale.ROOT);
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
  }

  /**
   * Applies the HELP or TYPE line the last body had at this position when this one is byte for byte
   * the same, without parsing it again (the same rules as the full path; a node repeats its
   * metadata every scrape).
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

  // ---------------------------------------------------------------- samples

  private void parseSample() throws ParseException {
    int keyStart = pos;
    Entry guess = guess();
    Entry entry = guess != null ? guessed(guess, keyStart) : null;
    if (entry != null) {
      positioned(entry);
      pos = keyStart + entry.key.length;
      skipBlanks();
    } else {
      int nameEnd = scanName(pos);
      if (nameEnd == pos) {
        throw error("invalid metric name");
      }
      pos = nameEnd;
      skipBlanks();
      int keyEnd;
      if (b[pos] == '{') {
        keyEnd = scanLabels(pos);
      } else {
        keyEnd = nameEnd;
      }
      entry = lookupHashed(keyStart, keyEnd, nameEnd);
      positioned(entry);
      pos = keyEnd;
      int before = pos;
      skipBlanks();
      if (pos == before && keyEnd == nameEnd) {
        throw error("expected a blank after the metric name");
      }
    }
    double value = value();
    long timestamp = Long.MIN_VALUE;
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
    pos++;
    if (entry.cell.epoch == epoch) {
      throw error("duplicate series: series=" + entry.series);
    }
    add(entry, value, timestamp);
  }

  /**
   * The entry the last body had at this sample's position when this line starts with the same key
   * bytes, followed by what must follow a whole key (so the bytes are the key, not a prefix of a
   * longer one), and the entry still fits this body's families; else null. Sets {@link #current} on
   * a hit. Saves scanning the key for its end and hashing it: a node writes its samples in the same
   * order scrape after scrape.
   */
  private Entry guessed(Entry guess, int keyStart) {
    if (!startsWithKey(guess, keyStart)) {
      return null;
    }
    byte[] key = guess.key;
    if (key[key.length - 1] != '}') {
      // a name alone: it ends at a blank, and the next token must not be a label set
      int i = keyStart + key.length;
      if (b[i] != ' ' && b[i] != '\t') {
        return null;
      }
      i++;
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

  @Override
  ParsedFamily fittingFamily(Entry e) {
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

  @Override
  ParsedFamily familyFor(String name) {
    ParsedFamily family = family(name);
    if (family != null) {
      return family;
    }
    ParsedFamily base = typedBase(name);
    if (base != null) {
      return base;
    }
    return addFamily(name);
  }

  @Override
  ParsedFamily addFamily(Slot slot) {
    suffixNamedFamily |= slot.suffixNamed;
    return super.addFamily(slot);
  }

  /** The histogram or summary of this body that a suffixed name belongs to. */
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

  // ---------------------------------------------------------------- tokens

  /** Blanks around tokens, and escapes other than {@code \\ \" \n} refused. */
  @Override
  void parseLabels(List<String> labelNames, List<String> labelValues) throws ParseException {
    pos++; // '{'
    while (true) {
      skipBlanks();
      if (b[pos] == '}') {
        pos++;
        return;
      }
      String labelName = labelName(labelNames);
      skipBlanks();
      if (b[pos] != '=') {
        throw error("expected = after label name: label=" + labelName);
      }
      pos++;
      skipBlanks();
      String value = quotedLabelValue(labelName, true);
      labelNames.add(labelName);
      labelValues.add(value);
      skipBlanks();
      if (b[pos] == ',') {
        pos++;
      } else if (b[pos] != '}') {
        throw error("expected , or } in label set");
      }
    }
  }

  /** Go's ParseFloat words, in any case. */
  @Override
  String valueWord(String raw) {
    return raw.toLowerCase(Locale.ROOT);
  }

  private void skipBlanks() {
    while (b[pos] == ' ' || b[pos] == '\t') {
      pos++;
    }
  }

  private void skipToLineEnd() {
    pos = lineEnd(pos) + 1;
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
}
