package io.mscoordinator.store;

/**
 * The unit of a series' values: it picks the HdrHistogram precision, the scale from the int64 wire
 * value to the exposed value, and the default histogram bucket bounds. The codes are part of the
 * ring record format; never renumber them.
 *
 * <p>Histograms auto-resize from a small range, so a series pays memory only for the range its
 * samples actually reach; 3 significant digits keep every quantile and bucket edge within 0.1% of
 * the raw value (values below 2048 are exact).
 */
public enum MetricUnit {
  /** No unit stated; inferred from a {@code _us}, {@code _ms}, {@code _seconds} name suffix. */
  NONE(0, "", 1.0, countBounds()),
  /** Microseconds, exposed as recorded. */
  MICROSECONDS(
      1,
      "us",
      1.0,
      new double[] {
        100,
        500,
        1_000,
        2_500,
        5_000,
        10_000,
        25_000,
        50_000,
        100_000,
        250_000,
        500_000,
        1_000_000,
        2_500_000,
        5_000_000,
        10_000_000,
        30_000_000,
        60_000_000
      }),
  /** Milliseconds, exposed as recorded. */
  MILLISECONDS(
      2,
      "ms",
      1.0,
      new double[] {1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000}),
  /** Wire values are nanoseconds (int64 cannot carry fractions); exposed in seconds. */
  SECONDS(
      3,
      "seconds",
      1e-9,
      new double[] {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
  /** Token counts. */
  TOKENS(4, "", 1.0, countBounds()),
  /** Plain counts (requests, blocks, tasks). */
  COUNT(5, "", 1.0, countBounds()),
  /** Percent, 0..100. */
  PERCENT(6, "", 1.0, new double[] {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100}),
  /** Tokens per second. */
  TOKENS_PER_SECOND(
      7, "", 1.0, new double[] {10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000}),
  /** Bytes. */
  BYTES(
      8,
      "bytes",
      1.0,
      new double[] {
        1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26
      });

  /** HdrHistogram significant digits for every unit: 0.1% relative error. */
  public static final int SIGNIFICANT_DIGITS = 3;

  private final int code;
  private final String openMetricsUnit;
  private final double scale;
  private final double[] defaultBounds;

  MetricUnit(int code, String openMetricsUnit, double scale, double[] defaultBounds) {
    this.code = code;
    this.openMetricsUnit = openMetricsUnit;
    this.scale = scale;
    this.defaultBounds = defaultBounds;
  }

  private static double[] countBounds() {
    return new double[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536};
  }

  /** The wire code in a register record. */
  public int code() {
    return code;
  }

  /** The OpenMetrics {@code # UNIT} word, empty when the unit has none. */
  public String openMetricsUnit() {
    return openMetricsUnit;
  }

  /** Multiplier from the int64 wire value to the exposed value. */
  public double scale() {
    return scale;
  }

  /** Default bucket upper bounds, in the exposed unit, strictly increasing. */
  public double[] defaultBounds() {
    return defaultBounds.clone();
  }

  /** The unit for a wire code, or {@code null} when the code is unknown. */
  public static MetricUnit fromCode(int code) {
    for (MetricUnit unit : values()) {
      if (unit.code == code) {
        return unit;
      }
    }
    return null;
  }

  /** {@code unit} itself, or the unit a family name's suffix implies when {@code unit} is NONE. */
  public static MetricUnit resolve(MetricUnit unit, String familyName) {
    if (unit != NONE) {
      return unit;
    }
    if (familyName.endsWith("_us")) {
      return MICROSECONDS;
    }
    if (familyName.endsWith("_ms")) {
      return MILLISECONDS;
    }
    if (familyName.endsWith("_seconds")) {
      return SECONDS;
    }
    if (familyName.endsWith("_bytes")) {
      return BYTES;
    }
    return NONE;
  }
}
