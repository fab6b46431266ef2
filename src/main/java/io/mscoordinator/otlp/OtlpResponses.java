package io.mscoordinator.otlp;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the receiver's answers: {@code ExportMetricsServiceResponse} (1 partial_success: 1
 * rejected_data_points int64, 2 error_message) and {@code google.rpc.Status} (1 code int32, 2
 * message), in protobuf or proto3 JSON (int64 as a decimal string).
 *
 * <p>Stateless.
 */
final class OtlpResponses {
  private OtlpResponses() {}

  static byte[] protobuf(long rejected, String message) {
    if (rejected == 0 && message.isEmpty()) {
      return new byte[0];
    }
    ByteArrayOutputStream partial = new ByteArrayOutputStream();
    if (rejected != 0) {
      varintField(partial, 1, rejected);
    }
    stringField(partial, 2, message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bytesField(out, 1, partial.toByteArray());
    return out.toByteArray();
  }

  static byte[] json(long rejected, String message) {
    JsonObjectBuilder body = Json.createObjectBuilder();
    if (rejected != 0 || !message.isEmpty()) {
      body.add(
          "partialSuccess",
          Json.createObjectBuilder()
              .add("rejectedDataPoints", Long.toString(rejected))
              .add("errorMessage", message));
    }
    return body.build().toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] statusProtobuf(int code, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varintField(out, 1, code);
    stringField(out, 2, message);
    return out.toByteArray();
  }

  static byte[] statusJson(int code, String message) {
    return Json.createObjectBuilder()
        .add("code", code)
        .add("message", message)
        .build()
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void varintField(ByteArrayOutputStream out, int field, long value) {
    varint(out, (long) field << 3);
    varint(out, value);
  }

  private static void stringField(ByteArrayOutputStream out, int field, String value) {
    if (!value.isEmpty()) {
      bytesField(out, field, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
    varint(out, ((long) field << 3) | 2);
    varint(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
