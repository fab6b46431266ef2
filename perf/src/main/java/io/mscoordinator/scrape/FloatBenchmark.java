package io.mscoordinator.scrape;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The node parser's float conversion alone ({@code FloatParser.parse}: exact fast path,
 * Eisel-Lemire, the JDK for more than 18 digits) against the maintained library FastDoubleParser
 * 2.0.1 ({@code JavaDoubleParser}, Lemire's algorithm, from bytes) and the JDK's {@code
 * Double.parseDouble} of a String, on values that reach it in a node's body: those that are not
 * plain decimals of at most 18 digits (the parsers convert those themselves, without either).
 *
 * <p>Run: {@code perf/run jmh FloatBenchmark}. Score: ns per value (1,024 values per call). Each
 * value set: {@code exponent} as engines write uptimes and token counts ({@code
 * 6.634254336e+09}), {@code shortest} Java's shortest round-trip form of random doubles ({@code
 * 1.2345678901234567E-5}), {@code long} 19–20 significant digits (ours falls back to the JDK).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(2)
public class FloatBenchmark {
  private static final int N = 1024;

  @Param({"exponent", "shortest", "long"})
  public String values;

  private byte[][] texts;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(20261207);
    texts = new byte[N][];
    for (int i = 0; i < N; i++) {
      String text =
          switch (values) {
            case "exponent" ->
                String.format(Locale.ROOT, "%.9e", Math.pow(10, random.nextDouble(-9, 12)));
            case "shortest" ->
                Double.toString(
                    Double.longBitsToDouble(random.nextLong() & 0x7FEFFFFFFFFFFFFFL));
            case "long" ->
                String.format(
                    Locale.ROOT, "%." + random.nextInt(18, 20) + "e", random.nextDouble(1, 1e6));
            default -> throw new IllegalArgumentException(values);
          };
      texts[i] = text.getBytes(StandardCharsets.US_ASCII);
      double ours = FloatParser.parse(texts[i], 0, texts[i].length);
      double theirs = JavaDoubleParser.parseDouble(texts[i], 0, texts[i].length);
      if (Double.doubleToRawLongBits(ours) != Double.doubleToRawLongBits(theirs)
          || Double.isNaN(ours)) {
        throw new IllegalStateException("differ on " + text + ": " + ours + " " + theirs);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void ours(Blackhole bh) {
    for (byte[] t : texts) {
      bh.consume(FloatParser.parse(t, 0, t.length));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void fastDoubleParser(Blackhole bh) {
    for (byte[] t : texts) {
      bh.consume(JavaDoubleParser.parseDouble(t, 0, t.length));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void jdk(Blackhole bh) {
    for (byte[] t : texts) {
      bh.consume(Double.parseDouble(new String(t, StandardCharsets.ISO_8859_1)));
    }
  }
}
