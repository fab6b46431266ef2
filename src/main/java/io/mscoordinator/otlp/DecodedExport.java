package io.mscoordinator.otlp;

import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code ExportMetricsServiceRequest} carried, reduced to what the receiver maps: per
 * metric its resource's attributes, name, type, temporality and points. Both decoders build it, so
 * protobuf and JSON bodies are mapped by the same code and can be compared in tests.
 *
 * <p>Confined to the request thread that decodes and maps it.
 */
final class DecodedExport {
  /** OTLP {@code AggregationTemporality} values. */
  static final int TEMPORALITY_UNSPECIFIED = 0;

  static final int DELTA = 1;
  static final int CUMULATIVE = 2;

  /**
   * Which of the {@code Metric.data} oneof was set: OTLP's wire vocabulary, the decoders' own. The
   * mapper turns it (with temporality and monotonicity) into a store kind; it is not a {@code
   * series.MetricType}, which names what the exposition shows.
   */
  enum Type {
    NONE,
    GAUGE,
    SUM,
    HISTOGRAM,
    EXPONENTIAL_HISTOGRAM,
    SUMMARY
  }

  final List<Metric> metrics = new ArrayList<>();

  /** Every data point of every metric, including those of types the receiver refuses. */
  int pointCount() {
    int n = 0;
    for (Metric m : metrics) {
      n += m.pointCount();
    }
    return n;
  }

  static final class Metric {
    /** Resource attributes, key and value interleaved; shared by the resource's metrics. */
    final List<String> resource;

    String name = "";
    Type type = Type.NONE;
    int temporality = TEMPORALITY_UNSPECIFIED;
    boolean monotonic;
    final List<Point> points = new ArrayList<>();

    /** Points of a type that is only counted (exponential histogram, summary). */
    int countedPoints;

    Metric(List<String> resource) {
      this.resource = resource;
    }

    int pointCount() {
      return points.size() + countedPoints;
    }
  }

  /** A number or explicit-bucket histogram data point. */
  static final class Point {
    /** Attributes, key and value interleaved, in the order sent. */
    final List<String> attributes = new ArrayList<>(8);

    long startNanos;
    long timeNanos;

    /** A number point's value ({@code asInt} converted). */
    double value;

    long count;
    double sum;
    long[] bucketCounts = EMPTY_LONGS;
    double[] bounds = EMPTY_DOUBLES;
  }

  static final long[] EMPTY_LONGS = new long[0];
  static final double[] EMPTY_DOUBLES = new double[0];
}
