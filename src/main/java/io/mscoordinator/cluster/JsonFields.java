package io.mscoordinator.cluster;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigInteger;
import java.net.InetAddress;

/**
 * Typed, rule-checked reads of request fields. Each failure names the field by its full path
 * ({@code instances[1].static_info.block_size}) and the rule it breaks.
 */
final class JsonFields {
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  static final long UINT32_MAX = 0xFFFF_FFFFL;

  private JsonFields() {}

  static JsonValue required(JsonObject object, String key, String path)
      throws InvalidRequestException {
    JsonValue value = object.get(key);
    if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
      throw new InvalidRequestException(path, "required");
    }
    return value;
  }

  static JsonObject object(JsonObject object, String key, String path)
      throws InvalidRequestException {
    JsonValue value = required(object, key, path);
    if (value.getValueType() != JsonValue.ValueType.OBJECT) {
      throw new InvalidRequestException(path, "must be an object");
    }
    return value.asJsonObject();
  }

  static JsonArray array(JsonObject object, String key, String path, int maxSize)
      throws InvalidRequestException {
    JsonValue value = required(object, key, path);
    if (value.getValueType() != JsonValue.ValueType.ARRAY) {
      throw new InvalidRequestException(path, "must be an array");
    }
    JsonArray array = value.asJsonArray();
    if (array.size() > maxSize) {
      throw new InvalidRequestException(path, "at most " + maxSize + " entries");
    }
    return array;
  }

  static boolean bool(JsonObject object, String key, String path) throws InvalidRequestException {
    JsonValue value = required(object, key, path);
    if (value == JsonValue.TRUE) {
      return true;
    }
    if (value == JsonValue.FALSE) {
      return false;
    }
    throw new InvalidRequestException(path, "must be true or false");
  }

  static String string(JsonObject object, String key, String path, int maxLength)
      throws InvalidRequestException {
    JsonValue value = required(object, key, path);
    if (value.getValueType() != JsonValue.ValueType.STRING) {
      throw new InvalidRequestException(path, "must be a string");
    }
    String text = ((JsonString) value).getString();
    if (text.isEmpty() || text.length() > maxLength) {
      throw new InvalidRequestException(path, "string of 1 to " + maxLength + " characters");
    }
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) {
        throw new InvalidRequestException(path, "no control characters");
      }
    }
    return text;
  }

  static String ip(JsonObject object, String key, String path) throws InvalidRequestException {
    String text = string(object, key, path, 64);
    try {
      InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(path, "IPv4 or IPv6 address literal");
    }
    return text;
  }

  /** A port carried as a decimal string, as the management API sends it. */
  static int portString(JsonObject object, String key, String path) throws InvalidRequestException {
    JsonValue value = required(object, key, path);
    String rule = "port string in [\"1024\",\"65535\"]";
    if (value.getValueType() != JsonValue.ValueType.STRING) {
      throw new InvalidRequestException(path, rule);
    }
    String text = ((JsonString) value).getString();
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new InvalidRequestException(path, rule);
    }
    int port = Integer.parseInt(text);
    if (port < 1024 || port > 65535) {
      throw new InvalidRequestException(path, rule);
    }
    return port;
  }

  /** An unsigned 64-bit integer, returned as the same 64 bits. */
  static long uint64(JsonValue value, String path) throws InvalidRequestException {
    BigInteger number = integral(value, path, "unsigned 64-bit integer");
    if (number.signum() < 0 || number.compareTo(UINT64_MAX) > 0) {
      throw new InvalidRequestException(path, "unsigned 64-bit integer");
    }
    return number.longValue();
  }

  static long uint64(JsonObject object, String key, String path) throws InvalidRequestException {
    return uint64(required(object, key, path), path);
  }

  /** An integer in {@code [min, max]}, both within uint32. */
  static long integer(JsonObject object, String key, String path, long min, long max)
      throws InvalidRequestException {
    String rule = "integer in [" + min + "," + max + "]";
    BigInteger number = integral(required(object, key, path), path, rule);
    if (number.compareTo(BigInteger.valueOf(min)) < 0
        || number.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new InvalidRequestException(path, rule);
    }
    return number.longValue();
  }

  private static BigInteger integral(JsonValue value, String path, String rule)
      throws InvalidRequestException {
    if (value.getValueType() != JsonValue.ValueType.NUMBER) {
      throw new InvalidRequestException(path, rule);
    }
    JsonNumber number = (JsonNumber) value;
    if (!number.isIntegral()) {
      throw new InvalidRequestException(path, rule);
    }
    return number.bigIntegerValue();
  }
}
