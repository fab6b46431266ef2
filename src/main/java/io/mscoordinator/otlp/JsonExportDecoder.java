package io.mscoordinator.otlp;

import jakarta.json.Json;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParser.Event;
import jakarta.json.stream.JsonParserFactory;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Decodes an {@code ExportMetricsServiceRequest} in the proto3 JSON mapping with a streaming JSON-P
 * parser (no {@code JsonObject} tree): field names in lowerCamelCase or as in the .proto, 64-bit
 * integers as numbers or decimal strings, enums as integers or names, doubles as numbers or {@code
 * "NaN"}/{@code "Infinity"}/{@code "-Infinity"}, {@code null} as absent. Unknown fields are
 * skipped, as the OTLP spec asks of receivers; a known field of the wrong JSON type, malformed JSON
 * or anything after the top-level object is an {@link OtlpDecodeException}.
 *
 * <p>Not threadsafe: one instance per body, confined to the request thread.
 */
final class JsonExportDecoder {
  /** An OTLP export nests 9 deep (AnyValue arrays deeper); far deeper is hostile. */
  static final int MAX_DEPTH = 32;

  private static final JsonParserFactory PARSERS =
      Json.createParserFactory(
          Map.of(
              "org.eclipse.parsson.maxDepth",
              MAX_DEPTH,
              "org.eclipse.parsson.maxBigDecimalLength",
              400,
              "org.eclipse.parsson.maxBigIntegerScale",
              400));

  private final JsonParser parser;

  private JsonExportDecoder(JsonParser parser) {
    this.parser = parser;
  }

  @FunctionalInterface
  private interface Fields {
    void field(String key) throws OtlpDecodeException;
  }

  @FunctionalInterface
  private interface Element {
    void element() throws OtlpDecodeException;
  }

  static DecodedExport decode(byte[] body, int length) throws OtlpDecodeException {
    DecodedExport export = new DecodedExport();
    try (JsonParser parser = PARSERS.createParser(new ByteArrayInputStream(body, 0, length))) {
      JsonExportDecoder d = new JsonExportDecoder(parser);
      if (!parser.hasNext() || parser.next() != Event.START_OBJECT) {
        throw new OtlpDecodeException("body is not a JSON object");
      }
      d.fields(
          key -> {
            switch (key) {
              case "resourceMetrics", "resource_metrics" ->
                  d.array(key, () -> d.resourceMetrics(export));
              default -> d.skip();
            }
          });
      if (parser.hasNext()) {
        throw new OtlpDecodeException("content after the JSON object: event=" + parser.next());
      }
    } catch (OtlpDecodeException e) {
      throw e;
    } catch (RuntimeException e) {
      // Parsson reports malformed input, depth and number limits through several exception types;
      // from the client's bytes they all mean the same: not decodable.
      throw new OtlpDecodeException("malformed JSON: " + brief(e.getMessage()));
    }
    return export;
  }

  private void resourceMetrics(DecodedExport export) throws OtlpDecodeException {
    List<String> resource = new ArrayList<>();
    object(
        "resourceMetrics",
        key -> {
          switch (key) {
            case "resource" ->
                object(
                    key,
                    k -> {
                      if (k.equals("attributes")) {
                        array(k, () -> keyValue(resource));
                      } else {
                        skip();
                      }
                    });
            case "scopeMetrics", "scope_metrics" ->
                array(
                    key,
                    () ->
                        object(
                            key,
                            k -> {
                              if (k.equals("metrics")) {
                                array(
                                    k,
                                    () -> {
                                      DecodedExport.Metric m = new DecodedExport.Metric(resource);
                                      metric(m);
                                      export.metrics.add(m);
                                    });
                              } else {
                                skip();
                              }
                            }));
            default -> skip();
          }
        });
  }

  private void metric(DecodedExport.Metric m) throws OtlpDecodeException {
    object(
        "metric",
        key -> {
          switch (key) {
            case "name" -> m.name = string(key);
            case "gauge" -> data(m, DecodedExport.Type.GAUGE, key);
            case "sum" -> data(m, DecodedExport.Type.SUM, key);
            case "histogram" -> data(m, DecodedExport.Type.HISTOGRAM, key);
            case "exponentialHistogram", "exponential_histogram" ->
                data(m, DecodedExport.Type.EXPONENTIAL_HISTOGRAM, key);
            case "summary" -> data(m, DecodedExport.Type.SUMMARY, key);
            default -> skip();
          }
        });
  }

  private void data(DecodedExport.Metric m, DecodedExport.Type type, String name)
      throws OtlpDecodeException {
    if (m.type != DecodedExport.Type.NONE && m.type != type) {
      throw new OtlpDecodeException(
          "metric has two data fields: metric=" + m.name + " first=" + m.type);
    }
    m.type = type;
    object(
        name,
        key -> {
          switch (key) {
            case "dataPoints", "data_points" ->
                array(
                    key,
                    () -> {
                      switch (type) {
                        case GAUGE, SUM -> m.points.add(numberPoint());
                        case HISTOGRAM -> m.points.add(histogramPoint());
                        default -> {
                          m.countedPoints++;
                          skip();
                        }
                      }
                    });
            case "aggregationTemporality", "aggregation_temporality" ->
                m.temporality = enumValue(key);
            case "isMonotonic", "is_monotonic" -> m.monotonic = bool(key);
            default -> skip();
          }
        });
  }

  private DecodedExport.Point numberPoint() throws OtlpDecodeException {
    DecodedExport.Point p = new DecodedExport.Point();
    object(
        "dataPoint",
        key -> {
          switch (key) {
            case "attributes" -> array(key, () -> keyValue(p.attributes));
            case "startTimeUnixNano", "start_time_unix_nano" -> p.startNanos = int64(key);
            case "timeUnixNano", "time_unix_nano" -> p.timeNanos = int64(key);
            case "asDouble", "as_double" -> p.value = doubleValue(key);
            case "asInt", "as_int" -> p.value = int64(key);
            default -> skip();
          }
        });
    return p;
  }

  private DecodedExport.Point histogramPoint() throws OtlpDecodeException {
    DecodedExport.Point p = new DecodedExport.Point();
    object(
        "dataPoint",
        key -> {
          switch (key) {
            case "attributes" -> array(key, () -> keyValue(p.attributes));
            case "startTimeUnixNano", "start_time_unix_nano" -> p.startNanos = int64(key);
            case "timeUnixNano", "time_unix_nano" -> p.timeNanos = int64(key);
            case "count" -> p.count = int64(key);
            case "sum" -> p.sum = doubleValue(key);
            case "bucketCounts", "bucket_counts" -> {
              long[][] counts = {new long[16]};
              int[] n = {0};
              array(
                  key,
                  () -> {
                    if (n[0] == counts[0].length) {
                      counts[0] = Arrays.copyOf(counts[0], n[0] * 2);
                    }
                    counts[0][n[0]++] = int64(key);
                  });
              p.bucketCounts = Arrays.copyOf(counts[0], n[0]);
            }
            case "explicitBounds", "explicit_bounds" -> {
              double[][] bounds = {new double[16]};
              int[] n = {0};
              array(
                  key,
                  () -> {
                    if (n[0] == bounds[0].length) {
                      bounds[0] = Arrays.copyOf(bounds[0], n[0] * 2);
                    }
                    bounds[0][n[0]++] = doubleValue(key);
                  });
              p.bounds = Arrays.copyOf(bounds[0], n[0]);
            }
            default -> skip();
          }
        });
    return p;
  }

  private void keyValue(List<String> to) throws OtlpDecodeException {
    String[] kv = {"", null};
    object(
        "attribute",
        key -> {
          switch (key) {
            case "key" -> kv[0] = string(key);
            case "value" -> kv[1] = anyValue();
            default -> skip();
          }
        });
    if (kv[1] != null) {
      to.add(kv[0]);
      to.add(kv[1]);
    }
  }

  /** The value as text, "" when unset, {@code null} for array, kvlist and bytes values. */
  private String anyValue() throws OtlpDecodeException {
    String[] value = {""};
    object(
        "value",
        key -> {
          switch (key) {
            case "stringValue", "string_value" -> value[0] = string(key);
            case "boolValue", "bool_value" -> value[0] = Boolean.toString(bool(key));
            case "intValue", "int_value" -> value[0] = Long.toString(int64(key));
            case "doubleValue", "double_value" -> value[0] = Double.toString(doubleValue(key));
            case "arrayValue",
                "array_value",
                "kvlistValue",
                "kvlist_value",
                "bytesValue",
                "bytes_value" -> {
              skip();
              value[0] = null;
            }
            default -> skip();
          }
        });
    return value[0];
  }

  /** Reads an object whose START_OBJECT is the next event; {@code null} counts as empty. */
  private void object(String name, Fields fields) throws OtlpDecodeException {
    Event e = next();
    if (e == Event.VALUE_NULL) {
      return;
    }
    if (e != Event.START_OBJECT) {
      throw wrongType(name, "object", e);
    }
    fields(fields);
  }

  /** Reads fields up to and including END_OBJECT; START_OBJECT has been read. */
  private void fields(Fields fields) throws OtlpDecodeException {
    for (Event e = parser.next(); e != Event.END_OBJECT; e = parser.next()) {
      fields.field(parser.getString());
    }
  }

  /** Reads an array whose START_ARRAY is the next event; each element reads itself. */
  private void array(String name, Element element) throws OtlpDecodeException {
    Event e = next();
    if (e == Event.VALUE_NULL) {
      return;
    }
    if (e != Event.START_ARRAY) {
      throw wrongType(name, "array", e);
    }
    for (Event first = parser.next(); first != Event.END_ARRAY; first = parser.next()) {
      // The element's reader takes its first event through next().
      pushedBack = first;
      element.element();
    }
  }

  /** An event read ahead by {@link #array}, or null. */
  private Event pushedBack;

  private Event next() {
    Event e = pushedBack;
    if (e != null) {
      pushedBack = null;
      return e;
    }
    return parser.next();
  }

  /**
   * Skips one value. Not with Parsson's {@code skipObject()} / {@code skipArray()}: on a body that
   * ends inside the skipped value they loop forever (found by {@code ExportDecoderFuzzTest}); here
   * every token is read with {@code next()}, which fails at the end of the input.
   */
  private void skip() throws OtlpDecodeException {
    Event e = next();
    if (e != Event.START_OBJECT && e != Event.START_ARRAY) {
      return;
    }
    int depth = 1;
    while (depth > 0) {
      if (!parser.hasNext()) {
        throw new OtlpDecodeException("truncated JSON inside a skipped value");
      }
      switch (parser.next()) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        default -> {}
      }
    }
  }

  private String string(String name) throws OtlpDecodeException {
    Event e = next();
    if (e == Event.VALUE_NULL) {
      return "";
    }
    if (e != Event.VALUE_STRING) {
      throw wrongType(name, "string", e);
    }
    return parser.getString();
  }

  private boolean bool(String name) throws OtlpDecodeException {
    Event e = next();
    return switch (e) {
      case VALUE_TRUE -> true;
      case VALUE_FALSE, VALUE_NULL -> false;
      default -> throw wrongType(name, "boolean", e);
    };
  }

  /** A 64-bit integer, signed or unsigned, as a JSON number or a decimal string. */
  private long int64(String name) throws OtlpDecodeException {
    Event e = next();
    String text;
    if (e == Event.VALUE_NULL) {
      return 0;
    } else if (e == Event.VALUE_NUMBER) {
      if (!parser.isIntegralNumber()) {
        BigDecimal d = parser.getBigDecimal();
        try {
          return d.toBigIntegerExact().longValueExact();
        } catch (ArithmeticException ex) {
          throw wrongType(name, "64-bit integer", d);
        }
      }
      text = parser.getString();
    } else if (e == Event.VALUE_STRING) {
      text = parser.getString();
    } else {
      throw wrongType(name, "64-bit integer", e);
    }
    try {
      return text.startsWith("-") ? Long.parseLong(text) : Long.parseUnsignedLong(text);
    } catch (NumberFormatException ex) {
      throw wrongType(name, "64-bit integer", '"' + brief(text) + '"');
    }
  }

  private double doubleValue(String name) throws OtlpDecodeException {
    Event e = next();
    if (e == Event.VALUE_NULL) {
      return 0;
    }
    if (e == Event.VALUE_NUMBER) {
      return parser.getBigDecimal().doubleValue();
    }
    if (e != Event.VALUE_STRING) {
      throw wrongType(name, "number", e);
    }
    String text = parser.getString();
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "Infinity":
        return Double.POSITIVE_INFINITY;
      case "-Infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return new BigDecimal(text).doubleValue();
        } catch (NumberFormatException ex) {
          throw wrongType(name, "number", '"' + brief(text) + '"');
        }
    }
  }

  private int enumValue(String name) throws OtlpDecodeException {
    Event e = next();
    if (e == Event.VALUE_NUMBER && parser.isIntegralNumber()) {
      return parser.getInt();
    }
    if (e == Event.VALUE_STRING) {
      switch (parser.getString()) {
        case "AGGREGATION_TEMPORALITY_UNSPECIFIED":
          return DecodedExport.TEMPORALITY_UNSPECIFIED;
        case "AGGREGATION_TEMPORALITY_DELTA":
          return DecodedExport.DELTA;
        case "AGGREGATION_TEMPORALITY_CUMULATIVE":
          return DecodedExport.CUMULATIVE;
        default:
          throw wrongType(name, "AggregationTemporality", '"' + brief(parser.getString()) + '"');
      }
    }
    if (e == Event.VALUE_NULL) {
      return DecodedExport.TEMPORALITY_UNSPECIFIED;
    }
    throw wrongType(name, "AggregationTemporality", e);
  }

  private OtlpDecodeException wrongType(String field, String expected, Object found) {
    return new OtlpDecodeException(
        "wrong JSON type: field="
            + field
            + " expected="
            + expected
            + " found="
            + found
            + " offset="
            + parser.getLocation().getStreamOffset());
  }

  private static String brief(String message) {
    if (message == null) {
      return "unreadable";
    }
    return message.length() > 120 ? message.substring(0, 120) : message;
  }
}
