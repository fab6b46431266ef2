package io.mscoordinator.otlp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a binary protobuf {@code ExportMetricsServiceRequest} (opentelemetry-proto {@code
 * metrics/v1}) straight from the body bytes, with no protobuf runtime: one pass, no recursion into
 * fields it does not map (they are skipped by length), so nesting depth is bounded by the schema.
 * Unknown fields are ignored as proto3 requires; a wrong wire type on a known field, a truncated
 * field or a length past its message is an {@link OtlpDecodeException}.
 *
 * <p>Field numbers (metrics/v1): request 1 resource_metrics; ResourceMetrics 1 resource, 2
 * scope_metrics; Resource 1 attributes; ScopeMetrics 2 metrics; Metric 1 name, 5 gauge, 7 sum, 9
 * histogram, 10 exponential_histogram, 11 summary; Sum/Histogram 1 data_points, 2 temporality, 3
 * is_monotonic; NumberDataPoint 7 attributes, 2 start, 3 time, 4 as_double, 6 as_int;
 * HistogramDataPoint 9 attributes, 2 start, 3 time, 4 count, 5 sum, 6 bucket_counts, 7
 * explicit_bounds; KeyValue 1 key, 2 value; AnyValue 1 string, 2 bool, 3 int, 4 double.
 *
 * <p>Not threadsafe: one instance per body, confined to the request thread.
 */
final class ProtobufExportDecoder {
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LEN = 2;
  private static final int FIXED32 = 5;

  private final byte[] buf;
  private int pos;

  private ProtobufExportDecoder(byte[] buf) {
    this.buf = buf;
  }

  static DecodedExport decode(byte[] body, int length) throws OtlpDecodeException {
    ProtobufExportDecoder d = new ProtobufExportDecoder(body);
    DecodedExport export = new DecodedExport();
    d.request(length, export);
    return export;
  }

  private void request(int end, DecodedExport export) throws OtlpDecodeException {
    while (pos < end) {
      int tag = tag(end);
      if (field(tag) == 1 && wire(tag, LEN, "resource_metrics")) {
        resourceMetrics(messageEnd(end), export);
      } else {
        skip(tag, end);
      }
    }
  }

  private void resourceMetrics(int end, DecodedExport export) throws OtlpDecodeException {
    List<String> resource = new ArrayList<>();
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 1 -> {
          wire(tag, LEN, "resource");
          resource(messageEnd(end), resource);
        }
        case 2 -> {
          wire(tag, LEN, "scope_metrics");
          scopeMetrics(messageEnd(end), resource, export);
        }
        default -> skip(tag, end);
      }
    }
  }

  private void resource(int end, List<String> attributes) throws OtlpDecodeException {
    while (pos < end) {
      int tag = tag(end);
      if (field(tag) == 1 && wire(tag, LEN, "resource.attributes")) {
        keyValue(messageEnd(end), attributes);
      } else {
        skip(tag, end);
      }
    }
  }

  private void scopeMetrics(int end, List<String> resource, DecodedExport export)
      throws OtlpDecodeException {
    while (pos < end) {
      int tag = tag(end);
      if (field(tag) == 2 && wire(tag, LEN, "metrics")) {
        DecodedExport.Metric metric = new DecodedExport.Metric(resource);
        metric(messageEnd(end), metric);
        export.metrics.add(metric);
      } else {
        skip(tag, end);
      }
    }
  }

  private void metric(int end, DecodedExport.Metric metric) throws OtlpDecodeException {
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 1 -> {
          wire(tag, LEN, "metric.name");
          metric.name = string(end);
        }
        case 5 -> data(tag, end, metric, DecodedExport.Type.GAUGE, "gauge");
        case 7 -> data(tag, end, metric, DecodedExport.Type.SUM, "sum");
        case 9 -> data(tag, end, metric, DecodedExport.Type.HISTOGRAM, "histogram");
        case 10 ->
            data(
                tag,
                end,
                metric,
                DecodedExport.Type.EXPONENTIAL_HISTOGRAM,
                "exponential_histogram");
        case 11 -> data(tag, end, metric, DecodedExport.Type.SUMMARY, "summary");
        default -> skip(tag, end);
      }
    }
  }

  /** Gauge, Sum, Histogram, ExponentialHistogram or Summary: points and, where any, temporality. */
  private void data(
      int tag, int outer, DecodedExport.Metric metric, DecodedExport.Type type, String f)
      throws OtlpDecodeException {
    wire(tag, LEN, f);
    if (metric.type != DecodedExport.Type.NONE && metric.type != type) {
      throw new OtlpDecodeException(
          "metric has two data fields: metric=" + metric.name + " first=" + metric.type);
    }
    metric.type = type;
    int end = messageEnd(outer);
    while (pos < end) {
      int t = tag(end);
      switch (field(t)) {
        case 1 -> {
          wire(t, LEN, f + ".data_points");
          int pointEnd = messageEnd(end);
          switch (type) {
            case GAUGE, SUM -> metric.points.add(numberPoint(pointEnd));
            case HISTOGRAM -> metric.points.add(histogramPoint(pointEnd));
            default -> {
              metric.countedPoints++;
              pos = pointEnd;
            }
          }
        }
        case 2 -> {
          if (type == DecodedExport.Type.GAUGE || type == DecodedExport.Type.SUMMARY) {
            skip(t, end);
          } else {
            wire(t, VARINT, f + ".aggregation_temporality");
            metric.temporality = (int) varint(end);
          }
        }
        case 3 -> {
          if (type == DecodedExport.Type.SUM) {
            wire(t, VARINT, "sum.is_monotonic");
            metric.monotonic = varint(end) != 0;
          } else {
            skip(t, end);
          }
        }
        default -> skip(t, end);
      }
    }
  }

  private DecodedExport.Point numberPoint(int end) throws OtlpDecodeException {
    DecodedExport.Point p = new DecodedExport.Point();
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 7 -> {
          wire(tag, LEN, "number_data_point.attributes");
          keyValue(messageEnd(end), p.attributes);
        }
        case 2 -> {
          wire(tag, FIXED64, "number_data_point.start_time_unix_nano");
          p.startNanos = fixed64(end);
        }
        case 3 -> {
          wire(tag, FIXED64, "number_data_point.time_unix_nano");
          p.timeNanos = fixed64(end);
        }
        case 4 -> {
          wire(tag, FIXED64, "number_data_point.as_double");
          p.value = Double.longBitsToDouble(fixed64(end));
        }
        case 6 -> {
          wire(tag, FIXED64, "number_data_point.as_int");
          p.value = fixed64(end);
        }
        default -> skip(tag, end);
      }
    }
    return p;
  }

  private DecodedExport.Point histogramPoint(int end) throws OtlpDecodeException {
    DecodedExport.Point p = new DecodedExport.Point();
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 9 -> {
          wire(tag, LEN, "histogram_data_point.attributes");
          keyValue(messageEnd(end), p.attributes);
        }
        case 2 -> {
          wire(tag, FIXED64, "histogram_data_point.start_time_unix_nano");
          p.startNanos = fixed64(end);
        }
        case 3 -> {
          wire(tag, FIXED64, "histogram_data_point.time_unix_nano");
          p.timeNanos = fixed64(end);
        }
        case 4 -> {
          wire(tag, FIXED64, "histogram_data_point.count");
          p.count = fixed64(end);
        }
        case 5 -> {
          wire(tag, FIXED64, "histogram_data_point.sum");
          p.sum = Double.longBitsToDouble(fixed64(end));
        }
        case 6 -> p.bucketCounts = appendFixed64(tag, end, p.bucketCounts, "bucket_counts");
        case 7 -> p.bounds = appendDoubles(tag, end, p.bounds);
        default -> skip(tag, end);
      }
    }
    return p;
  }

  /** A repeated fixed64, packed (one LEN field) or not (one FIXED64 field per element). */
  private long[] appendFixed64(int tag, int end, long[] to, String f) throws OtlpDecodeException {
    if ((tag & 7) == FIXED64) {
      long[] grown = java.util.Arrays.copyOf(to, to.length + 1);
      grown[to.length] = fixed64(end);
      return grown;
    }
    wire(tag, LEN, "histogram_data_point." + f);
    int packedEnd = messageEnd(end);
    int bytes = packedEnd - pos;
    if (bytes % 8 != 0) {
      throw new OtlpDecodeException(
          "packed fixed64 length not a multiple of 8: field=" + f + " length=" + bytes);
    }
    long[] grown = java.util.Arrays.copyOf(to, to.length + bytes / 8);
    for (int i = to.length; i < grown.length; i++) {
      grown[i] = fixed64(packedEnd);
    }
    return grown;
  }

  private double[] appendDoubles(int tag, int end, double[] to) throws OtlpDecodeException {
    long[] bits = new long[to.length];
    for (int i = 0; i < to.length; i++) {
      bits[i] = Double.doubleToRawLongBits(to[i]);
    }
    bits = appendFixed64(tag, end, bits, "explicit_bounds");
    double[] out = new double[bits.length];
    for (int i = 0; i < bits.length; i++) {
      out[i] = Double.longBitsToDouble(bits[i]);
    }
    return out;
  }

  /** A KeyValue appended as key, value; values other than string/bool/int/double are dropped. */
  private void keyValue(int end, List<String> to) throws OtlpDecodeException {
    String key = "";
    String value = null;
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 1 -> {
          wire(tag, LEN, "key_value.key");
          key = string(end);
        }
        case 2 -> {
          wire(tag, LEN, "key_value.value");
          value = anyValue(messageEnd(end));
        }
        default -> skip(tag, end);
      }
    }
    if (value != null) {
      to.add(key);
      to.add(value);
    }
  }

  /** The value as text, "" when unset, {@code null} for array, kvlist and bytes values. */
  private String anyValue(int end) throws OtlpDecodeException {
    String value = "";
    while (pos < end) {
      int tag = tag(end);
      switch (field(tag)) {
        case 1 -> {
          wire(tag, LEN, "any_value.string_value");
          value = string(end);
        }
        case 2 -> {
          wire(tag, VARINT, "any_value.bool_value");
          value = varint(end) != 0 ? "true" : "false";
        }
        case 3 -> {
          wire(tag, VARINT, "any_value.int_value");
          value = Long.toString(varint(end));
        }
        case 4 -> {
          wire(tag, FIXED64, "any_value.double_value");
          value = Double.toString(Double.longBitsToDouble(fixed64(end)));
        }
        case 5, 6, 7 -> {
          skip(tag, end);
          value = null;
        }
        default -> skip(tag, end);
      }
    }
    return value;
  }

  private static int field(int tag) {
    return tag >>> 3;
  }

  private boolean wire(int tag, int expected, String f) throws OtlpDecodeException {
    if ((tag & 7) != expected) {
      throw new OtlpDecodeException(
          "wrong wire type: field=" + f + " wire_type=" + (tag & 7) + " offset=" + pos);
    }
    return true;
  }

  private int tag(int end) throws OtlpDecodeException {
    long tag = varint(end);
    if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
      throw new OtlpDecodeException("invalid tag: tag=" + tag + " offset=" + pos);
    }
    return (int) tag;
  }

  /** The end of a length-delimited field whose length varint is at {@link #pos}. */
  private int messageEnd(int outer) throws OtlpDecodeException {
    long length = varint(outer);
    if (length < 0 || length > outer - pos) {
      throw truncated(outer);
    }
    return pos + (int) length;
  }

  private String string(int end) throws OtlpDecodeException {
    int stringEnd = messageEnd(end);
    String s = new String(buf, pos, stringEnd - pos, StandardCharsets.UTF_8);
    pos = stringEnd;
    return s;
  }

  private long varint(int end) throws OtlpDecodeException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw truncated(end);
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new OtlpDecodeException("varint longer than 10 bytes: offset=" + pos);
  }

  private long fixed64(int end) throws OtlpDecodeException {
    if (end - pos < 8) {
      throw truncated(end);
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (buf[pos + i] & 0xFFL);
    }
    pos += 8;
    return v;
  }

  private void skip(int tag, int end) throws OtlpDecodeException {
    switch (tag & 7) {
      case VARINT -> varint(end);
      case FIXED64 -> advance(8, end);
      case LEN -> pos = messageEnd(end);
      case FIXED32 -> advance(4, end);
      default ->
          throw new OtlpDecodeException(
              "unsupported wire type: field=" + field(tag) + " wire_type=" + (tag & 7));
    }
  }

  private void advance(int n, int end) throws OtlpDecodeException {
    if (end - pos < n) {
      throw truncated(end);
    }
    pos += n;
  }

  private OtlpDecodeException truncated(int end) {
    return new OtlpDecodeException("truncated protobuf: offset=" + pos + " end=" + end);
  }
}
