package io.mscoordinator.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Values are converted without building a String when they have at most 18 significant digits
 * (Eisel-Lemire, as Go's strconv does); every answer must be the correctly rounded double the JDK's
 * exact conversion gives, bit for bit. The parsers' own fast path for plain values, and how they
 * name a broken value, are checked in {@link TextParserTest}.
 */
class FloatParserTest {
  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  @Test
  void shouldAnswerRandomMantissasAndExponentsAsTheExactConversionDoes() {
    SplittableRandom random = new SplittableRandom(20261203);
    int answered = 0;
    int n = 400_000;
    for (int k = 0; k < n; k++) {
      int digits = 1 + random.nextInt(18);
      long mantissa = random.nextLong(POW10[digits - 1], POW10[digits]);
      int q = random.nextInt(-360, 361);
      double got = FloatParser.eiselLemire(mantissa, q);
      if (!Double.isNaN(got)) {
        answered++;
        double want = Double.parseDouble(mantissa + "E" + q);
        assertEquals(
            Double.doubleToRawLongBits(want),
            Double.doubleToRawLongBits(got),
            () -> mantissa + "E" + q + ": want " + want + " got " + got);
      }
    }
    // out of the normal range (about a tenth of the exponents drawn) it declines; else it answers
    assertTrue(answered > n * 8 / 10, "answered " + answered + " of " + n);
  }

  @Test
  void shouldGiveBackEveryDoubleFromItsShortestDecimalForm() {
    SplittableRandom random = new SplittableRandom(7);
    int answered = 0;
    for (int k = 0; k < 200_000; k++) {
      double d = Double.longBitsToDouble(random.nextLong() & 0x7FFFFFFFFFFFFFFFL);
      if (Double.isNaN(d) || Double.isInfinite(d) || d < Double.MIN_NORMAL) {
        continue;
      }
      BigDecimal decimal = new BigDecimal(Double.toString(d)).stripTrailingZeros();
      if (decimal.precision() > 18) {
        continue;
      }
      double got =
          FloatParser.eiselLemire(decimal.unscaledValue().longValueExact(), -decimal.scale());
      if (!Double.isNaN(got)) {
        answered++;
        assertEquals(d, got, () -> decimal.toString());
      }
    }
    assertTrue(answered > 150_000, "answered " + answered);
  }

  @Test
  void shouldDeclineWhatItCannotDecideOrRepresent() {
    assertTrue(Double.isNaN(FloatParser.eiselLemire(1, -400)), "below the table");
    assertTrue(Double.isNaN(FloatParser.eiselLemire(1, 400)), "above the table");
    assertTrue(Double.isNaN(FloatParser.eiselLemire(1, -320)), "subnormal");
    assertTrue(Double.isNaN(FloatParser.eiselLemire(2, 308)), "infinite");
    assertEquals(0.0, FloatParser.eiselLemire(0, 5));
  }

  @Test
  void shouldRejectValuesThatAreNotNumbers() {
    for (String value :
        List.of(
            ".", "+", "-", "1..2", "1.2.3", "1.2x", "--1", "0x10", "1,5", "", "e5", "1e", "1e+",
            "inf", "NaN", " 1", "1 ")) {
      byte[] text = value.getBytes(StandardCharsets.US_ASCII);

      double got = FloatParser.parse(text, 0, text.length);

      assertTrue(Double.isNaN(got), value + ": " + got);
    }
  }

  @Test
  void shouldReadOnlyTheBytesFromStartToStop() {
    byte[] text = "x-12.5e1 7".getBytes(StandardCharsets.US_ASCII);

    assertEquals(-125.0, FloatParser.parse(text, 1, 8));
    assertEquals(-12.0, FloatParser.parse(text, 1, 4));
    assertTrue(Double.isNaN(FloatParser.parse(text, 1, 9)), "a blank inside");
  }

  @Test
  void shouldParseSampleValuesInEveryFormANodeWritesAsTheExactConversionDoes() {
    for (String value : sampleValues()) {
      byte[] text = value.getBytes(StandardCharsets.US_ASCII);
      double got = FloatParser.parse(text, 0, text.length);
      double want = Double.parseDouble(value);
      assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), value);
    }
  }

  /**
   * Sample values as nodes write them (the forms the exact conversion must get right), then 20,000
   * random doubles in Java's shortest form and in {@code %.17g}; the parser's tests feed the same
   * values through a body.
   */
  static List<String> sampleValues() {
    List<String> values =
        List.of(
            "10.950000000000001",
            "6.634254336e+09",
            "1.7181405583e+09",
            "0.0030231475830078125",
            "123456789012345678",
            "-0.30000000000000004",
            "+4.4e-07",
            "1234567890.12345678",
            "9007199254740993",
            "2.2250738585072014E-308",
            "1.7976931348623157e308",
            "0.1",
            "-0",
            "1.",
            ".5",
            "+.5",
            "-.0",
            "00012.5000",
            "1234567890123456789",
            "0.000000000000000000000000001");
    List<String> all = new ArrayList<>(values);
    SplittableRandom random = new SplittableRandom(11);
    while (all.size() < 20_000) {
      double d = Double.longBitsToDouble(random.nextLong() & 0x7FEFFFFFFFFFFFFFL);
      all.add(random.nextBoolean() ? Double.toString(d) : String.format("%.17g", d));
    }
    return all;
  }
}
