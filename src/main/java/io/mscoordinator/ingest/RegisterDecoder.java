package io.mscoordinator.ingest;

import static io.mscoordinator.ingest.RecordDescriptor.*;

import io.mscoordinator.store.MetricKind;
import io.mscoordinator.store.MetricUnit;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Reads a REGISTER or REGISTER_OWN record of {@link RecordDescriptor}, checking every length
 * against the record's bounds. Confined to the thread that calls {@link #wrap} (the ingest agent);
 * it allocates the decoded strings, which is fine because registration is rare.
 */
final class RegisterDecoder {
  long handle;
  MetricKind kind;
  MetricUnit unit;
  String name;
  String[] labelPairs;

  /** The bounds of a bucketed histogram; {@code null} for other kinds. */
  double[] bounds;

  /** An own registration's HELP text; {@code null} for a REGISTER. */
  String help;

  /** An own registration's view ({@link RecordDescriptor#VIEW_CLUSTER} for a REGISTER). */
  int view;

  /**
   * Decodes the REGISTER record at {@code index} of {@code length} bytes.
   *
   * @return false when the record is malformed (fields then undefined)
   */
  boolean wrap(DirectBuffer buffer, int index, int length) {
    return wrap(buffer, index, length, false);
  }

  /**
   * Decodes the REGISTER ({@code own} false) or REGISTER_OWN record at {@code index} of {@code
   * length} bytes.
   *
   * @return false when the record is malformed (fields then undefined)
   */
  boolean wrap(DirectBuffer buffer, int index, int length, boolean own) {
    help = null;
    view = VIEW_CLUSTER;
    if (length < NAME_OFFSET || length > MAX_REGISTER_LENGTH) {
      return false;
    }
    handle = buffer.getLong(index + HANDLE_OFFSET);
    kind = MetricKind.fromCode(buffer.getByte(index + KIND_OFFSET));
    unit = MetricUnit.fromCode(buffer.getByte(index + UNIT_OFFSET));
    int pairs = buffer.getShort(index + LABEL_COUNT_OFFSET) & 0xFFFF;
    int nameLength = buffer.getShort(index + NAME_LENGTH_OFFSET) & 0xFFFF;
    if (kind == null || unit == null || pairs > MAX_LABEL_PAIRS) {
      return false;
    }
    int end = index + length;
    int at = index + NAME_OFFSET;
    if (nameLength > MAX_NAME_LENGTH || at + nameLength > end) {
      return false;
    }
    name = buffer.getStringWithoutLengthUtf8(at, nameLength);
    at += nameLength;
    labelPairs = new String[pairs * 2];
    for (int i = 0; i < labelPairs.length; i++) {
      if (at + 2 > end) {
        return false;
      }
      int l = buffer.getShort(at) & 0xFFFF;
      at += 2;
      if (l > MAX_LABEL_LENGTH || at + l > end) {
        return false;
      }
      byte[] bytes = new byte[l];
      buffer.getBytes(at, bytes);
      labelPairs[i] = new String(bytes, StandardCharsets.UTF_8);
      at += l;
    }
    bounds = null;
    if (kind == MetricKind.BUCKETED_HISTOGRAM) {
      if (at + Short.BYTES > end) {
        return false;
      }
      int n = buffer.getShort(at) & 0xFFFF;
      at += Short.BYTES;
      if (n > MAX_BOUNDS || at + (long) n * Double.BYTES > end) {
        return false;
      }
      bounds = new double[n];
      for (int i = 0; i < n; i++) {
        bounds[i] = buffer.getDouble(at);
        at += Double.BYTES;
      }
    }
    if (own) {
      if (at + Byte.BYTES + Short.BYTES > end) {
        return false;
      }
      view = buffer.getByte(at);
      int h = buffer.getShort(at + Byte.BYTES) & 0xFFFF;
      at += Byte.BYTES + Short.BYTES;
      if (view != VIEW_CLUSTER && view != VIEW_INSTANCE || h > MAX_HELP_LENGTH || at + h > end) {
        return false;
      }
      help = buffer.getStringWithoutLengthUtf8(at, h);
      at += h;
    }
    return at == end;
  }
}
