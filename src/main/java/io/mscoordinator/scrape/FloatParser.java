package io.mscoordinator.scrape;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Decimal text to the correctly rounded double, from bytes, without building a String when the
 * value has at most 18 significant digits: exactly when the digits and the power of ten are both
 * exact doubles (one correctly rounded operation), else by the Eisel-Lemire algorithm (as Go's
 * {@code strconv} has it), else (more digits, or too close to call with 128 bits) by the JDK's
 * exact {@link Double#parseDouble}. Every answer is the one the JDK's conversion gives, bit for
 * bit.
 *
 * <p>Numbers only: the words {@code Inf} and {@code NaN} are spelled differently per exposition
 * format, so the format's parser reads them. Stateless; its table is built once.
 */
final class FloatParser {
  /** The decimal exponents {@link #eiselLemire} has powers of ten for. */
  private static final int POW10_128_MIN = -348;

  private static final int POW10_128_MAX = 347;

  /**
   * 10^q for q in [{@link #POW10_128_MIN}, {@link #POW10_128_MAX}] as 128-bit mantissas truncated
   * (not rounded) with the top bit set: high 64 bits at {@code 2i}, low at {@code 2i + 1}. The
   * binary exponent is implied ({@code 217706 * q >> 16}).
   */
  private static final long[] POW10_128 = powersOfTen128();

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  private FloatParser() {}

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

  /**
   * The value of {@code bytes[start..stop)} when it is a decimal number as Go's ParseFloat reads
   * one: an optional sign, digits with an optional point (at least one digit), an optional exponent
   * ({@code e} or {@code E}, optional sign, digits); NaN when it is not one (empty included), so
   * that the caller names the broken value in its own terms.
   */
  static double parse(byte[] bytes, int start, int stop) {
    int i = start;
    boolean negative = false;
    if (i < stop && (bytes[i] == '-' || bytes[i] == '+')) {
      negative = bytes[i] == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0;
    int exponent = 0;
    boolean anyDigit = false;
    while (i < stop && bytes[i] >= '0' && bytes[i] <= '9') {
      anyDigit = true;
      if (digits < 18) {
        mantissa = mantissa * 10 + (bytes[i] - '0');
        if (mantissa != 0) {
          digits++;
        }
      } else {
        exponent++;
        digits++;
      }
      i++;
    }
    if (i < stop && bytes[i] == '.') {
      i++;
      while (i < stop && bytes[i] >= '0' && bytes[i] <= '9') {
        anyDigit = true;
        if (digits < 18) {
          mantissa = mantissa * 10 + (bytes[i] - '0');
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
      return Double.NaN;
    }
    if (i < stop && (bytes[i] == 'e' || bytes[i] == 'E')) {
      i++;
      boolean expNegative = false;
      if (i < stop && (bytes[i] == '-' || bytes[i] == '+')) {
        expNegative = bytes[i] == '-';
        i++;
      }
      int expStart = i;
      int e = 0;
      while (i < stop && bytes[i] >= '0' && bytes[i] <= '9') {
        if (e < 100000) {
          e = e * 10 + (bytes[i] - '0');
        }
        i++;
      }
      if (expStart == i) {
        return Double.NaN;
      }
      exponent += expNegative ? -e : e;
    }
    if (i != stop) {
      return Double.NaN;
    }
    double result = decimal(mantissa, exponent, digits);
    if (Double.isNaN(result)) {
      // digits were dropped, or too close to call with 128 bits: the JDK's exact conversion
      return Double.parseDouble(
          new String(bytes, start, stop - start, StandardCharsets.ISO_8859_1));
    }
    return negative ? -result : result;
  }

  /**
   * {@code mantissa * 10^exponent} correctly rounded, the mantissa holding all {@code digits}
   * significant digits of the value (leading zeros may count): exactly when the digits and the
   * power of ten are exact doubles (one correctly rounded operation), else by {@link #eiselLemire};
   * NaN when digits were dropped (more than 18) or that cannot decide, for the JDK's exact
   * conversion.
   */
  static double decimal(long mantissa, int exponent, int digits) {
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
}
