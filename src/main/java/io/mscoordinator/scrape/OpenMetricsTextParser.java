package io.mscoordinator.scrape;

import io.mscoordinator.series.Labels;
import io.mscoordinator.series.MetricType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A strict parser of OpenMetrics 1.0 text bodies, checked to the specification: single spaces,
 * {@code # EOF}, suffixes per type, contiguous families and groups, histogram consistency,
 * non-negative counters and exemplars only where allowed.
 *
 * <p>Confined to the node's scrape thread.
 */
final class OpenMetricsTextParser extends BodyParser {
  private static final byte[] EOF = "\n# EOF".getBytes(StandardCharsets.US_ASCII);

  // state of one parse
  private Set<String> sampleNames;
  private Set<Labels> closedGroups;
  private Labels group;
  private HistogramCheck histogram;

  /** A parser of its own, its series shared through {@code pool} with other nodes' parsers. */
  OpenMetricsTextParser(int maxSeries, SeriesPool pool) {
    this(maxSeries, pool, new SeriesCells());
  }

  /** A parser of a node whose series' cells are {@code cells}. */
  OpenMetricsTextParser(int maxSeries, SeriesPool pool, SeriesCells cells) {
    super(maxSeries, pool, cells);
  }

  @Override
  void beginBody() {
    sampleNames = new HashSet<>();
    closedGroups = null;
    group = null;
    histogram = null;
  }

  @Override
  List<ParsedFamily> parseBody() throws ParseException {
    if (end > 0 && b[end - 1] != '\n' && endsWithEof()) {
      // OpenMetrics allows the body to end right after "# EOF"
      b = Arrays.copyOf(b, end + 1);
      b[end] = '\n';
      end++;
    }
    if (end > 0 && b[end - 1] != '\n') {
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
    if (!eof) {
      throw error("missing # EOF");
    }
    closeGroup();
    List<ParsedFamily> out = new ArrayList<>(bodySlots.size());
    for (Slot slot : bodySlots) {
      if (slot.family.size > 0) {
        keep(slot, out);
      }
    }
    return out;
  }

  private boolean endsWithEof() {
    if (end == EOF.length - 1) {
      return Arrays.equals(b, 0, end, EOF, 1, EOF.length);
    }
    return end >= EOF.length && Arrays.equals(b, end - EOF.length, end, EOF, 0, EOF.length);
  }

  /** Returns whether the line was {@code # EOF}. */
  private boolean parseLine() throws ParseException {
    byte c = b[pos];
    if (c == '\n') {
      throw error("blank line");
    }
    if (c == '#') {
      return parseComment();
    }
    parseSample();
    return false;
  }

  // ---------------------------------------------------------------- metadata

  private boolean parseComment() throws ParseException {
    pos++; // '#'
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
    ParsedFamily family = metadataFamily(name);
    switch (word) {
      case "HELP" -> {
        if (family.help != null) {
          throw error("second HELP: name=" + name);
        }
        family.help = escapedRestOfLine(true);
      }
      case "UNIT" -> {
        if (family.unit != null) {
          throw error("second UNIT: name=" + name);
        }
        String unit = restOfLine();
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
        String typeWord = restOfLine();
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
        reserveNames(family);
      }
    }
    return false;
  }

  private ParsedFamily metadataFamily(String name) throws ParseException {
    if (current != null && current.name.equals(name) && current.size == 0) {
      return current;
    }
    if (family(name) != null) {
      throw error("metadata out of place or family repeated: name=" + name);
    }
    return openFamily(name);
  }

  /** Starts the family {@code name}: closes the open group, makes it current. */
  private ParsedFamily openFamily(String name) throws ParseException {
    closeGroup();
    ParsedFamily family = addFamily(name);
    current = family;
    closedGroups = new HashSet<>();
    return family;
  }

  /** Reserves the sample names of a family's type: no other family of the body may use them. */
  private void reserveNames(ParsedFamily family) throws ParseException {
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
      if (!sampleNames.add(sampleName)) {
        throw error("clashing sample names: name=" + sampleName);
      }
    }
  }

  // ---------------------------------------------------------------- samples

  private void parseSample() throws ParseException {
    int keyStart = pos;
    Entry guess = guess();
    Entry entry = guess != null ? guessed(guess, keyStart) : null;
    if (entry != null) {
      positioned(entry);
      pos = keyStart + entry.key.length + 1; // and the space guessed() saw
    } else {
      int nameEnd = scanName(pos);
      if (nameEnd == pos) {
        throw error("invalid metric name");
      }
      pos = nameEnd;
      int keyEnd;
      if (b[pos] == '{') {
        keyEnd = scanLabels(pos);
      } else {
        keyEnd = nameEnd;
      }
      entry = lookupHashed(keyStart, keyEnd, nameEnd);
      positioned(entry);
      pos = keyEnd;
      if (b[pos] != ' ') {
        throw error("expected one space before the value");
      }
      pos++;
    }
    double value = value();
    long timestamp = Long.MIN_VALUE;
    boolean exemplar = false;
    if (b[pos] == ' ') {
      pos++;
      if (b[pos] != '#') {
        int tsStart = pos;
        while (b[pos] != ' ' && b[pos] != '\n') {
          pos++;
        }
        double ts = parseFloat(b, tsStart, pos);
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
    pos++;
    accept(entry, value, timestamp, exemplar);
  }

  private void accept(Entry entry, double value, long timestamp, boolean exemplar)
      throws ParseException {
    Series series = entry.series;
    checkSample(current, series, value, exemplar);
    SeriesCell cell = entry.cell;
    if (cell.epoch == epoch) {
      if (timestamp != Long.MIN_VALUE && cell.timestamp != Long.MIN_VALUE) {
        if (timestamp < cell.timestamp) {
          throw error("timestamps go backwards: series=" + series);
        }
        cell.timestamp = timestamp;
        cell.family.values[cell.index] = value;
        return;
      }
      throw error("duplicate series: series=" + series);
    }
    add(entry, value, timestamp);
  }

  /**
   * The entry the last body had at this sample's position when this line starts with the same key
   * bytes and then the one space before the value (so the bytes are the key, not a prefix of a
   * longer one), and the entry's family is the open one; else null. Sets {@link #current} on a hit.
   */
  private Entry guessed(Entry guess, int keyStart) {
    // a name-only key followed by '{' is a different key; OpenMetrics has one space before the
    // value and no blanks before labels
    if (!startsWithKey(guess, keyStart) || b[keyStart + guess.key.length] != ' ') {
      return null;
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
    boolean fits = current != null && current.name.equals(e.family.name) && current.type == e.type;
    return fits ? current : null;
  }

  @Override
  ParsedFamily familyFor(String name) throws ParseException {
    if (current != null && belongs(current, name)) {
      return current;
    }
    if (family(name) != null) {
      throw error("family repeated or interleaved: name=" + name);
    }
    ParsedFamily family = openFamily(name);
    reserveNames(family);
    return family;
  }

  private static boolean belongs(ParsedFamily family, String name) {
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

  @Override
  void checkSeries(
      ParsedFamily family,
      String name,
      Series.Suffix suffix,
      List<String> labelNames,
      String boundText,
      double bound)
      throws ParseException {
    MetricType type = family.type;
    if (type == MetricType.COUNTER && suffix == Series.Suffix.NONE) {
      throw error("counter sample without _total: name=" + name);
    }
    if (type == MetricType.SUMMARY && suffix == Series.Suffix.NONE && (bound < 0 || bound > 1)) {
      throw error("quantile outside [0,1]: name=" + name + " quantile=" + boundText);
    }
    if (type == MetricType.STATESET && !labelNames.contains(family.name)) {
      throw error("stateset without its label: name=" + name);
    }
  }

  // ---------------------------------------------------------------- groups

  /** Per-group histogram checks of the OpenMetrics rules. */
  private static final class HistogramCheck {
    double lastBound = Double.NaN;
    double lastBucketValue;
    boolean hasBucket;
    double count = Double.NaN;
    boolean hasSum;
    boolean hasGsum;
    boolean negativeBucket;
    boolean negativeGsum;
  }

  private void checkSample(ParsedFamily family, Series series, double value, boolean exemplar)
      throws ParseException {
    MetricType type = family.type;
    Series.Suffix suffix = series.suffix;
    if (!series.labels.equals(group) || group == null) {
      closeGroup();
      if (!closedGroups.add(series.labels)) {
        throw error("group interleaved: series=" + series);
      }
      group = series.labels;
      if (type == MetricType.HISTOGRAM || type == MetricType.GAUGE_HISTOGRAM) {
        histogram = new HistogramCheck();
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
    HistogramCheck h = histogram;
    if (h != null && group != null) {
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

  private void closeGroup() throws ParseException {
    HistogramCheck h = histogram;
    histogram = null;
    Labels closed = group;
    group = null;
    if (h == null) {
      return;
    }
    String where = " group=" + closed;
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
    parseFloat(b, valueStart, pos);
    if (b[pos] == ' ') {
      pos++;
      int tsStart = pos;
      while (b[pos] != ' ' && b[pos] != '\n') {
        pos++;
      }
      double ts = parseFloat(b, tsStart, pos);
      if (Double.isNaN(ts) || Double.isInfinite(ts)) {
        throw error("invalid exemplar timestamp");
      }
    }
  }

  // ---------------------------------------------------------------- tokens

  /** No blanks, no trailing comma; escapes other than {@code \\ \" \n} kept as written. */
  @Override
  void parseLabels(List<String> labelNames, List<String> labelValues) throws ParseException {
    pos++; // '{'
    while (true) {
      if (b[pos] == '}') {
        pos++;
        return;
      }
      String labelName = labelName(labelNames);
      if (b[pos] != '=') {
        throw error("expected = after label name: label=" + labelName);
      }
      pos++;
      String value = quotedLabelValue(labelName, false);
      labelNames.add(labelName);
      labelValues.add(value);
      if (b[pos] == ',') {
        pos++;
        if (b[pos] == '}') {
          throw error("trailing comma in label set");
        }
      } else if (b[pos] != '}') {
        throw error("expected , or } in label set");
      }
    }
  }

  /** Exactly {@code Inf}, {@code inf}, {@code infinity}, {@code NaN} or {@code nan}. */
  @Override
  String valueWord(String raw) {
    return raw.equals("Inf") || raw.equals("NaN") ? raw.toLowerCase(Locale.ROOT) : raw;
  }
}
